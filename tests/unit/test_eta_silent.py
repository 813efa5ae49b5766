"""A GPS feed that goes silent while the athlete was moving (core/states.py `is_silent`).

On the real two-day Hokkaido tour (145 km planned at 20 km/h: a one-day shape to the ETA model)
the first day's recording ends at the hotel while moving; the next fix comes 16 h later. Before
the rule, every ETA kept counting from that last fix and the finish sat at 01:38 while the night
went on. Expected values here come from the rule and the track's own times, not from our output.
"""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from helpers.real_tracks import HOKKAIDO_DAY1, HOKKAIDO_DAY2, fixes, load_real_track

from companion.core.models import Fix, RouteData
from companion.core.route import build_route
from companion.core.tracker import DEFAULT_STALE_S, Tracker

TOKYO = ZoneInfo("Asia/Tokyo")


def _first_day(shared_dir: Path) -> tuple[Tracker, Fix, Fix]:
    one = load_real_track(shared_dir / HOKKAIDO_DAY1)
    two = load_real_track(shared_dir / HOKKAIDO_DAY2)
    lats = [*one.lats.tolist(), *two.lats.tolist()]
    lons = [*one.lons.tolist(), *two.lons.tolist()]
    route = build_route(RouteData("hokkaido", "t", lats, lons, [math.nan] * len(lats), []))
    tr = Tracker(route, TOKYO, 20.0)
    day1 = fixes(one)
    for f in day1:
        tr.add(f)
    return tr, day1[-1], fixes(two)[0]


def test_silent_overnight_no_eta_before_now(shared_dir: Path) -> None:
    tr, last, morning = _first_day(shared_dir)
    # The recording ended on the move and nothing said stop: only the silence tells.
    assert tr.progress(last.time).stopped_since is None
    assert (morning.time - last.time) > timedelta(hours=12)
    now = last.time + timedelta(seconds=DEFAULT_STALE_S + 60)
    while now < morning.time:
        p = tr.progress(now)
        assert p.finish is not None and p.km_remaining > 50.0  # far from the finish
        for town in p.towns_ahead:
            assert town.eta_at is not None and town.eta_at >= now, (now, town)
            assert town.state == "ahead"
            for option in town.etas:
                assert option.at is None or option.at >= now, (now, option)
        now += timedelta(hours=1)


def test_silence_counts_from_now_the_time_to_go_unchanged(shared_dir: Path) -> None:
    tr, last, _ = _first_day(shared_dir)
    # Within the stale time the ETA still counts from the last fix: asked a minute later, the
    # same arrival.
    fresh = tr.progress(last.time).finish
    soon = tr.progress(last.time + timedelta(minutes=1)).finish
    assert fresh is not None and soon is not None
    assert soon.eta_at == fresh.eta_at
    # Silent: a stop since the last fix, counted from now. A one-day shape has no nights, so
    # each hour of silence moves every arrival one hour later, the time to go the same.
    a = last.time + timedelta(hours=3)
    b = a + timedelta(hours=5)
    pa, pb = tr.progress(a).finish, tr.progress(b).finish
    assert pa is not None and pb is not None
    for x, y in zip(pa.etas, pb.etas, strict=True):
        assert x.at is not None and y.at is not None
        assert y.at - x.at == b - a, x.kind
    assert pa.eta_s == pb.eta_s


def test_typed_entry_falls_overdue_not_silent(shared_dir: Path) -> None:
    # A typed entry is not a feed that went silent: its town falls due, then overdue, from the
    # entry's time (the crew is waiting for the next entry), as before.
    tr, last, _ = _first_day(shared_dir)
    typed = Fix(last.time + timedelta(minutes=1), last.lat, last.lon, source="manual")
    tr.add(typed)
    first = tr.progress(typed.time).finish
    assert first is not None and first.eta_at is not None
    late = first.eta_at + timedelta(hours=1)
    again = tr.progress(late).finish
    assert again is not None
    assert again.eta_at == first.eta_at and again.state == "overdue"
