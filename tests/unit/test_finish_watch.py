"""A GPS left on at the finish: the finish time is carried on fix by fix, not scanned for.

Before, every new fix at the finish made `Tracker.progress` scan back over every fix since the
finish (FinishWatch's key changes with each fix): 13,000 fixes there (22 min at 10 Hz) cost
17 ms a progress, 20,000 cost 30 ms, growing without end. The tests count the scans (no wall
time) and hold the answer to the plain rule, `finish_time` over every fix.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers.real_tracks import emparis_to_its_end
from hypothesis import given, settings
from hypothesis import strategies as st

import companion.core.states as states
from companion.core.models import Fix, RouteData
from companion.core.route import build_route
from companion.core.states import FINISH_TOL_KM, FinishWatch, finish_time
from companion.core.tracker import Tracker

T0 = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)


@pytest.fixture
def scans(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many fixes each scan for the finish time read (one entry a scan)."""
    counted: list[int] = []
    plain = states.finish_time

    def counting(times: list[datetime], kms: list[float], at_km: float) -> datetime | None:
        counted.append(sum(1 for k in reversed(kms) if k >= at_km - FINISH_TOL_KM) + 1)
        return plain(times, kms, at_km)

    monkeypatch.setattr(states, "finish_time", counting)
    return counted


def test_an_hour_at_the_finish_is_not_scanned_again_for_every_fix(
    shared_dir: Path, scans: list[int]
) -> None:
    """Emparis run (a real track, its own route): fed whole, then an hour of 10 Hz fixes at its
    last point. The finish time stays the first fix within 50 m of the end by the track's own
    geodesic distance; no fix after the finish makes a scan."""
    track, route, first_at_end, feed = emparis_to_its_end(shared_dir)
    tr = Tracker(route, "Europe/Paris", planned_kmh=6.0)
    for f in feed:
        tr.add(f)
        tr.progress(f.time)
    reached = tr.progress(track.times[-1]).finished_at
    assert reached is not None
    assert abs((reached - track.times[first_at_end]).total_seconds()) <= 60.0
    last = feed[-1]
    before = len(scans)
    for k in range(1, 36_001):
        at = last.time + timedelta(seconds=0.1 * k)
        tr.add(Fix(at, last.lat, last.lon, "nmea", speed_mps=0.0))
        if k % 600 == 0:  # the screen a minute
            assert tr.progress(at).finished_at == reached
    assert len(scans) == before  # none: each fix carried the run at the finish on
    # And the answer is the plain rule's over every fix the tracker holds.
    assert finish_time(tr._times, tr._kms, tr._finish.at_km) == reached


# Kms after each fix near a finish at km 10 (a few metres either side of its 50 m tolerance).
_KMS = st.lists(st.sampled_from([9.0, 9.94, 9.95, 9.96, 10.0]), min_size=1, max_size=60)


@settings(max_examples=300, deadline=None)
@given(kms=_KMS, asked=st.lists(st.booleans(), min_size=60, max_size=60))
def test_carried_on_is_the_rule_after_every_fix(kms: list[float], asked: list[bool]) -> None:
    """Fixes appended one by one, `appended` where the tracker calls it (at the finish), the
    finish time asked after some: always `finish_time` over all of them, runs at the finish
    broken and begun again included (a cool-down back down the course)."""
    route = build_route(RouteData("L", "mem", [0.0, 0.0], [0.0, 0.09], [float("nan")] * 2, [], []))
    watch = FinishWatch(route)
    watch.at_km, watch.from_km = 10.0, 10.0 - FINISH_TOL_KM
    times: list[datetime] = []
    held: list[float] = []
    for i, km in enumerate(kms):
        times.append(T0 + timedelta(seconds=i))
        held.append(km)
        if km >= watch.from_km:
            watch.appended(times, held)
        if asked[i]:
            assert watch.reached_at(times, held) == finish_time(times, held, 10.0)
    assert watch.reached_at(times, held) == finish_time(times, held, 10.0)
