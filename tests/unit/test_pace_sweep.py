"""One progress reckons every town's three ETAs with core/pace_sweep.py's `Reckoning` (issue 11):
its answers must be core/pace.py's `side_by_side`, the plain per-town statement of the model,
to the microsecond and word for word.

Real tracks from ../shared run through a real Tracker; every `Reckoning` the tracker builds is
watched, and each town it is asked for is reckoned again by `side_by_side` from the same inputs
(the reference), at moments while moving, stopped, overnight and long after the last fix. The
branches of the model each case is there for are asserted to have been taken (nights seen, day
hours, nights assumed, climbing, slowing, the near blend, typed entries), so a case that stopped
reaching its branch fails instead of passing on nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from helpers.real_tracks import (
    AUDAX_150K,
    EMPARIS_RUN,
    HOKKAIDO_DAY1,
    HOKKAIDO_DAY2,
    fixes,
    load_real_track,
    truth_km,
)

from companion.core import progress as progress_mod
from companion.core.eta import DayWindow
from companion.core.models import EtaOption, Fix, RouteData, TownSpec
from companion.core.pace import side_by_side
from companion.core.pace_climbfit import climb_costs
from companion.core.pace_sweep import Reckoning
from companion.core.route import Route, build_route
from companion.core.tracker import Tracker
from companion.formats import load_route


@dataclass
class Watch:
    """What the watched Reckonings were asked, and every basis word they gave."""

    compared: int = 0
    words: set[str] = field(default_factory=set)


def _watched(watch: Watch) -> type[Reckoning]:
    class Checked(Reckoning):
        __slots__ = ("_args", "_kw")

        def __init__(self, *args: Any, **kw: Any) -> None:
            super().__init__(*args, **kw)
            self._args, self._kw = args, kw

        def sweep(
            self, kms_to_go: Sequence[float]
        ) -> list[tuple[EtaOption, EtaOption, EtaOption]]:
            every = super().sweep(kms_to_go)
            assert len(every) == len(kms_to_go)
            model, base, tz = self._args
            for km_to_go, got in zip(kms_to_go, every, strict=True):
                want = side_by_side(model, km_to_go, base, tz, **self._kw)
                assert got == want, (km_to_go, base)
                assert Reckoning.sweep(self, (km_to_go,)) == [want]  # one town alone: the same
                watch.compared += 1
                for option in got:
                    watch.words.update(re.split(r", | \+ ", option.basis))
            return every

    return Checked


@pytest.fixture
def watch(monkeypatch: pytest.MonkeyPatch) -> Iterator[Watch]:
    w = Watch()
    monkeypatch.setattr(progress_mod, "Reckoning", _watched(w))  # Tracker.progress builds it
    yield w


def _with_towns(route: Route, every_km: float) -> Route:
    """The route again, with a town at the path's vertex every `every_km` (heights kept)."""
    km = route.cum_m / 1000.0
    specs: list[TownSpec] = []
    mark = every_km
    for i in range(1, len(km)):
        if km[i] >= mark:
            specs.append(TownSpec(f"T{len(specs) + 1}", float(route.lats[i]),
                                  float(route.lons[i]), f"vertex {i}"))  # fmt: skip
            mark = float(km[i]) + every_km
    data = RouteData(route.name, route.source, route.lats.tolist(), route.lons.tolist(),
                     route.elevations.tolist(), specs)  # fmt: skip
    return build_route(data)


def _join(paths: list[Path]) -> tuple[Route, list[Fix]]:
    """Tracks ridden one after the other as one route (heights kept) and their recorded fixes."""
    routes = [load_route(p) for p in paths]
    lats = [x for r in routes for x in r.lats.tolist()]
    lons = [x for r in routes for x in r.lons.tolist()]
    eles = [x for r in routes for x in r.elevations.tolist()]
    route = build_route(RouteData("joined", "joined", lats, lons, eles, []))
    feed = [f for p in paths for f in fixes(load_real_track(p))]
    return route, feed


def _run(tr: Tracker, feed: list[Fix], every: int, later: tuple[float, ...]) -> None:
    """Feed `feed`; every `every` fixes ask for progress then and `later` minutes after."""
    for i, f in enumerate(feed):
        tr.add(f)
        if i % every == 0 or i == len(feed) - 1:
            for minutes in (0.0, *later):
                tr.progress(f.time + timedelta(minutes=minutes))


def test_a_mountain_run_one_day_with_its_climbing_and_slowing(
    shared_dir: Path, watch: Watch
) -> None:
    route = _with_towns(load_route(shared_dir / EMPARIS_RUN), 3.0)
    feed = fixes(load_real_track(shared_dir / EMPARIS_RUN), receiver_speed=True, source="gps")
    tr = Tracker(route, "Europe/Paris", planned_kmh=7.0)
    _run(tr, feed, 25, (7.0, 95.0))
    assert watch.compared > 1000
    assert {"climbing", "slowing", "recent pace", "stint pace"} <= watch.words
    # On foot the climbing's cost is the athlete's own by the end (core/pace_climbfit.py).
    assert climb_costs(tr._pace.climbs, on_foot=True) is not None


def test_two_days_of_a_tour_with_the_night_seen_between_them(
    shared_dir: Path, watch: Watch
) -> None:
    route, feed = _join([shared_dir / HOKKAIDO_DAY1, shared_dir / HOKKAIDO_DAY2])
    route = _with_towns(route, 8.0)
    # At 15 km/h a one-day shape (slowing); at 7 km/h, 20 h of running: nights assumed.
    for planned in (15.0, 7.0):
        tr = Tracker(route, "Asia/Tokyo", planned_kmh=planned)
        _run(tr, feed[::5], 40, (30.0, 11 * 60.0))
    assert watch.compared > 500
    assert {"nights as seen", "nights assumed", "slowing"} <= watch.words
    # The same days with day hours: the day hours walk, until the first night is seen.
    watch.words.clear()
    window = DayWindow(time(7, 0), time(17, 30), tr.tz)
    tr = Tracker(route, "Asia/Tokyo", planned_kmh=15.0, day_window=window)
    _run(tr, feed[::5], 40, (30.0, 11 * 60.0))
    assert {"day hours", "nights as seen"} <= watch.words


def test_a_ride_typed_as_checkpoints_with_day_hours_and_the_plan(
    shared_dir: Path, watch: Watch
) -> None:
    track = load_real_track(shared_dir / AUDAX_150K)
    route = _with_towns(load_route(shared_dir / AUDAX_150K), 10.0)
    gps = fixes(track)
    truth = truth_km(track, gps)
    # A checkpoint every ~30 min, with the km from the track itself; a crew stop mark at one.
    typed: list[Fix] = []
    for i in range(0, len(gps), 1800):
        km = min(float(truth[i]) * route.length_km / track.length_km, route.length_km)
        mark = "stop" if len(typed) == 5 else ("go" if len(typed) == 6 else "")
        typed.append(Fix(gps[i].time, gps[i].lat, gps[i].lon, km=km, mark=mark))
    window = DayWindow(time(9, 30), time(16, 0), ZoneInfo("Europe/London"))
    for planned in (24.0, None):
        tr = Tracker(route, "Europe/London", planned_kmh=planned, day_window=window)
        _run(tr, typed, 1, (10.0, 40.0, 20 * 60.0))
    assert watch.compared > 300
    assert {"stint pace", "day hours", "planned speed"} <= watch.words


def test_two_days_typed_as_checkpoints_with_the_entries_pace(
    shared_dir: Path, watch: Watch
) -> None:
    route, gps = _join([shared_dir / HOKKAIDO_DAY1, shared_dir / HOKKAIDO_DAY2])
    route = _with_towns(route, 8.0)
    # A typed entry every ~30 min where the rider was (the route is the track itself); at
    # 7 km/h planned it is a multi-day event: the entries' median for the next km.
    typed = [Fix(f.time, f.lat, f.lon, label="typed") for f in gps[::1800]]
    tr = Tracker(route, "Asia/Tokyo", planned_kmh=7.0)
    _run(tr, typed, 1, (10.0, 40.0, 11 * 60.0))
    assert watch.compared > 300
    assert {"entries' pace", "stint pace", "nights as seen"} <= watch.words
