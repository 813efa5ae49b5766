"""The event's start long before the GPS's first fix: a crew that set the start and turned the
GPS on later, or an event file reused from last year's edition, its start a year old.

Found in a crew check (2026-12-03): the Hokkaido tour replayed under an event whose start was
three years before the replay's first fix. The wait from the start to the first fix, covered at
no speed at all, was credited as moving time (27,828 h "moving" today, a stint pace of 0.0 km/h)
and the ETA from that pace, past year 9999, was a traceback that closed the dashboard.

The truth is the track's own: pyproj over its raw points and its timestamps
(tests/helpers/real_tracks.py). Waiting at the start is not moving, however long it lasts.
"""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import pytest
from helpers.real_tracks import HOKKAIDO_DAY2, RealTrack, fixes, load_real_track, moving_time_s

from companion.core.models import RouteData
from companion.core.route import build_route
from companion.core.tracker import Tracker

NAN = math.nan


@pytest.mark.parametrize(
    "wait", [timedelta(minutes=20), timedelta(hours=5), timedelta(days=3), timedelta(days=1100)],
    ids=["20min", "5h", "3days", "3years"],
)  # fmt: skip
def test_waiting_at_the_start_is_not_moving_time(shared_dir: Path, wait: timedelta) -> None:
    track = load_real_track(shared_dir / HOKKAIDO_DAY2)
    n = len(track.lats)
    data = RouteData("track", str(track.path), track.lats.tolist(), track.lons.tolist(),
                     [NAN] * n, [])  # fmt: skip
    route = build_route(data)
    start = track.times[0] - wait
    tr = Tracker(route, "Asia/Tokyo", planned_kmh=18.0, start=start)
    feed = fixes(track)
    half = len(feed) // 2
    for f in feed[:half]:
        tr.add(f)
    # Half way: the moving time is the track's own over its first half, not the wait.
    mid = feed[half - 1].time
    pr = tr.progress(mid)
    ref = moving_time_s(_until(track, half))
    assert pr.moving_s_total == pytest.approx(ref, rel=0.05)
    # The elapsed time still counts from the start the crew gave.
    assert pr.elapsed_s_total == pytest.approx((mid - start).total_seconds())
    # Every ETA is a time from a believable pace (a rider's, not 0.0 km/h), never an error.
    assert pr.next_town is not None
    for e in pr.next_town.etas:
        assert e.at is not None and e.speed_kmh is not None
        assert 8.0 < e.speed_kmh < 40.0, e
        assert e.at - mid < timedelta(days=2), e
    for f in feed[half:]:
        tr.add(f)
    end = feed[-1].time
    pr = tr.progress(end)
    assert pr.moving_s_total == pytest.approx(moving_time_s(track), rel=0.05)
    assert pr.km_total == pytest.approx(track.length_km, rel=0.005)


def _until(track: RealTrack, n: int) -> RealTrack:
    """The first `n` points of a track."""
    return RealTrack(track.path, track.times[:n], track.lats[:n], track.lons[:n],
                     None if track.speeds_mps is None else track.speeds_mps[:n])  # fmt: skip


@pytest.mark.parametrize("wait", [timedelta(hours=5), timedelta(hours=14), timedelta(days=1100)],
                         ids=["5h", "overnight", "3years"])  # fmt: skip
def test_the_wait_is_no_night_and_no_stop_of_the_day(shared_dir: Path, wait: timedelta) -> None:
    """The pace model leaves the wait out: no night learnt from it (its ETAs would sleep as
    long again every day), no stops allowance from it; the rhythm's ETAs are those of the same
    track fed with no wait, to a minute (the first seconds at the start are judged from the
    start's position with a wait, from the first fix without: a few seconds apart)."""
    track = load_real_track(shared_dir / HOKKAIDO_DAY2)
    n = len(track.lats)
    data = RouteData("track", str(track.path), track.lats.tolist(), track.lons.tolist(),
                     [NAN] * n, [])  # fmt: skip
    route = build_route(data)
    feed = fixes(track)[: n // 2]
    waited = Tracker(route, "Asia/Tokyo", planned_kmh=18.0, start=track.times[0] - wait)
    plain = Tracker(route, "Asia/Tokyo", planned_kmh=18.0, start=track.times[0])
    for f in feed:
        waited.add(f)
        plain.add(f)
    assert waited._pace.nights == []
    assert waited._pace.day_s == pytest.approx(plain._pace.day_s, abs=120.0)
    mid = feed[-1].time
    a, b = waited.progress(mid), plain.progress(mid)
    assert len(a.towns_ahead) == len(b.towns_ahead) > 0
    for x, y in zip(a.towns_ahead, b.towns_ahead, strict=True):
        for e, f in zip(x.etas, y.etas, strict=True):
            assert e.at is not None and f.at is not None and e.basis == f.basis
            assert abs((e.at - f.at).total_seconds()) <= 60.0, (x.name, e, f)
    assert "nights as seen" not in a.towns_ahead[0].etas[0].basis
