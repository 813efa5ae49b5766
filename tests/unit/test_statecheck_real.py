"""A real tracker state is never refused by the saved state's type check (companion/
statecheck.py): a refused state is not an error anyone sees, only a reopened event that
replays its whole log again (issue 11). Real parts: two days of a loaded tour (kovner-cascades'
FIT files, a night between them) as the feed of a tracker on the three days' route, with the
crew's typed km and stop/go marks among the fixes; calendar and rider days, with and without
day hours. Each state is pickled and read back as trackstate.py does, checked as
trackstate.load checks it, and resumed as reopen.py tries it: the same progress and days."""

from __future__ import annotations

import io
import itertools
from datetime import time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from companion import trackstate
from companion.core.eta import DayWindow
from companion.core.models import Fix, RouteData
from companion.core.route import Route, build_route
from companion.core.runstate import RunningState
from companion.core.tracker import Tracker
from companion.formats import load_route
from companion.formats.fit import read_fit_fixes
from companion.statecheck import well_typed

LA = ZoneInfo("America/Los_Angeles")
KOVNER = "corpus/eta-tracks/zach-kovner-cross-country"
CASCADES_DAYS = ("20347046825", "20356199757", "20366112839")  # 10-12 Sep 2025


@pytest.fixture(scope="module")
def ride(shared_dir: Path) -> tuple[Route, list[Fix]]:
    paths = [shared_dir / KOVNER / f"{n}_ACTIVITY.fit" for n in CASCADES_DAYS]
    routes = [load_route(p) for p in paths]
    route = build_route(RouteData(
        "cascades", "joined", [x for r in routes for x in r.lats.tolist()],
        [x for r in routes for x in r.lons.tolist()],
        [x for r in routes for x in r.elevations.tolist()], [],
    ))  # fmt: skip
    return route, [f for p in paths[:2] for f in read_fit_fixes(p)]


def read_back(state: RunningState) -> RunningState:
    out = io.BytesIO()
    trackstate._Pickler(out, protocol=5).dump(state)
    back = trackstate._Restricted(io.BytesIO(out.getvalue())).load()
    assert isinstance(back, RunningState)
    return back


@pytest.mark.parametrize(("days", "hours"), itertools.product(("calendar", "rider"), (False, True)))
def test_a_real_state_is_never_refused(
    ride: tuple[Route, list[Fix]], days: str, hours: bool
) -> None:
    route, feed = ride
    window = DayWindow(time(6), time(20), LA) if hours else None

    def tracker() -> Tracker:
        return Tracker(route, LA, 22.0, days=days, day_window=window)

    tr = tracker()
    checked = 0
    for i, f in enumerate(feed):
        tr.add(f)
        if i % 1500 == 700:  # the crew types the km a second later
            tr.add(Fix(f.time + timedelta(seconds=1), f.lat, f.lon, km=round(tr.km, 1),
                       label=f"km {tr.km:.1f}"))  # fmt: skip
        if i % 4000 in (2000, 2300):  # and says stop, then go 300 fixes later
            kind = "stop" if i % 4000 == 2000 else "go"
            tr.add(Fix(f.time + timedelta(seconds=1), f.lat, f.lon, km=tr.km, label=kind,
                       mark=kind))  # fmt: skip
        if i % 2500 == 1200 or i == len(feed) - 1:
            now = max(f.time, tr.last_fix.time) + timedelta(hours=3)  # type: ignore[union-attr]
            state = read_back(tr.running_state())
            assert well_typed(state), (days, hours, i)
            resumed = tracker()
            whole = tr.fixes
            resumed.resume_tail(state, [], lambda k, w=whole: w[:k])  # type: ignore[misc]
            assert resumed.progress(now) == tr.progress(now)
            assert resumed.day_totals() == tr.day_totals()
            checked += 1
    assert checked >= 4
    assert tr._pace.nights  # the night between the two days is in the states checked last
