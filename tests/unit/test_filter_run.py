"""`PlausibilityFilter.accept_run` (a file's block judged in one loop) against `check` fix by fix.

Real tracks (the NMEA logs in ../shared) thrown off by generated faults: jumps of metres to
degrees, repeats, steps back in time, 0,0, NaN, gaps past the re-acquire time, times in another
zone or outside the window. One filter judges each fix with `check`; another takes the same fixes
in runs through `accept_run`, started again after each rejection (and at generated cuts, as the
blocks of a file end). Every decision, reason, count and the filters' state must agree.
"""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path

import pytest
from helpers import real_tracks
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.core.models import Fix
from companion.sources.filters import PlausibilityFilter
from companion.sources.nmea import parse_nmea_file

SHARED = Path(__file__).resolve().parents[3] / "shared"
LOGS = sorted(
    [*SHARED.glob("data/nmea/*.log"), *SHARED.glob("corpus/nmea/*/*.log"),
     *SHARED.glob("corpus/nmea/*/*.nmea")]
)  # fmt: skip
pytestmark = pytest.mark.skipif(not LOGS, reason=f"{SHARED} is not beside the checkout")
# The NMEA logs as read, and three recorded rides and runs as they were recorded (1-5 s).
TRACKS = [fixes for path in LOGS if len(fixes := parse_nmea_file(str(path))[0]) > 20] + [
    real_tracks.fixes(real_tracks.load_real_track(SHARED / name), source="nmea")
    for name in (real_tracks.AUDAX_150K, real_tracks.HOKKAIDO_DAY1, real_tracks.EMPARIS_RUN)
]


def _faulty(fixes: list[Fix], rng: random.Random, rate: float) -> list[Fix]:
    out: list[Fix] = []
    for fix in fixes:
        if rng.random() < rate:
            how = rng.choice(["jump", "jump", "repeat", "back", "zero", "nan", "gap", "zone",
                              "naive", "old"])  # fmt: skip
            if how == "jump":  # a corrupted sentence: metres to degrees off
                d = rng.choice([0.0005, 0.005, 0.05, 1.0])
                fix = replace(fix, lat=max(-90.0, min(90.0, fix.lat + d)), lon=fix.lon - d)
            elif how == "repeat" and out:
                fix = out[-1]
            elif how == "back" and out:
                fix = replace(fix, time=out[-1].time - timedelta(seconds=rng.choice([1, 60])))
            elif how == "zero":
                fix = replace(fix, lat=0.0, lon=0.0)
            elif how == "nan":
                fix = replace(fix, lat=math.nan)
            elif how == "gap":
                fix = replace(fix, time=fix.time + timedelta(seconds=400))
            elif how == "zone":  # the same instant, not in UTC's own object
                fix = replace(fix, time=fix.time.astimezone(timezone(timedelta(hours=5))))
            elif how == "naive":  # a time with no zone at all
                fix = replace(fix, time=fix.time.replace(tzinfo=None))
            elif how == "old":  # a GPS week rollover
                fix = replace(fix, time=datetime(1999, 8, 22, tzinfo=UTC))
        out.append(fix)
    return out


def _state(f: PlausibilityFilter) -> tuple[object, ...]:
    return f.last, dict(f.counts), list(f._suspects)


def _by_check(
    fixes: list[Fix], max_kmh: float | None
) -> tuple[list[str | None], tuple[object, ...]]:
    f = PlausibilityFilter(max_kmh=max_kmh)
    return [f.check(fix) for fix in fixes], _state(f)


def _by_runs(
    fixes: list[Fix], max_kmh: float | None, cuts: set[int]
) -> tuple[list[str | None], tuple[object, ...]]:
    f = PlausibilityFilter(max_kmh=max_kmh)
    got: list[str | None] = []
    bounds = sorted({0, len(fixes), *(c for c in cuts if 0 < c < len(fixes))})
    for a, b in pairwise(bounds):  # a file's blocks
        block = fixes[a:b]
        i = 0
        while i < len(block):
            end, reason = f.accept_run(block, i)
            got += [None] * (end - i)
            if reason is None:
                assert end == len(block)
                break
            got.append(reason)
            i = end + 1
    return got, _state(f)


@pytest.mark.parametrize("max_kmh", [5.0, 30.0, 200.0, None])
def test_real_tracks_with_faults_are_judged_as_fix_by_fix(max_kmh: float | None) -> None:
    rng = random.Random(7)
    judged = rejected = 0
    for track in TRACKS:
        fixes = _faulty(track, rng, 0.05)
        cuts = {rng.randrange(len(fixes)) for _ in range(5)}
        want = _by_check(fixes, max_kmh)
        assert _by_runs(fixes, max_kmh, cuts) == want
        judged += len(fixes)
        rejected += sum(r is not None for r in want[0])
    assert judged > 5000 and rejected > 100  # the faults are there to be judged


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_generated_faults_on_real_tracks_are_judged_as_fix_by_fix(data: st.DataObject) -> None:
    track = data.draw(st.sampled_from(TRACKS))
    start = data.draw(st.integers(0, max(len(track) - 200, 0)))
    rng = random.Random(data.draw(st.integers(0, 1 << 30)))
    fixes = _faulty(track[start : start + 200], rng, data.draw(st.sampled_from([0.02, 0.2, 0.6])))
    max_kmh = data.draw(st.sampled_from([1.0, 5.0, 30.0, 200.0, None]))
    cuts = set(data.draw(st.lists(st.integers(0, len(fixes)), max_size=8)))
    assert _by_runs(fixes, max_kmh, cuts) == _by_check(fixes, max_kmh)


def test_a_run_at_the_speed_limit_is_decided_to_the_metre() -> None:
    # By hand: 0.001 deg of latitude north each second is ~110.6 m; at max 380 km/h (105.6 m/s)
    # plus 50 m jitter every step is within; at 180 km/h (50 m/s + 50) none is, and each of the
    # first two is rejected; the third re-anchors the chain (three that agree).
    t0 = datetime(2026, 6, 1, tzinfo=UTC)
    fixes = [Fix(t0 + timedelta(seconds=i), 10.0 + 0.001 * i, 20.0, "nmea") for i in range(4)]
    assert _by_runs(fixes, 380.0, set())[0] == [None] * 4
    got, _ = _by_runs(fixes, 180.0, set())
    assert got == _by_check(fixes, 180.0)[0]
    assert got[0] is None and got[1] is not None and got[1].startswith("a jump of 111 m")


def test_zero_zero_is_no_position_even_a_metre_from_the_last_fix() -> None:
    # Within any speed limit of the fix before it, 0,0 is still the receiver's "no fix".
    t0 = datetime(2026, 6, 1, tzinfo=UTC)
    fixes = [Fix(t0, 1e-5, 1e-5, "nmea"), Fix(t0 + timedelta(seconds=1), 0.0, 0.0, "nmea")]
    got, _ = _by_runs(fixes, 30.0, set())
    assert got == [None, "position 0,0 means the receiver has no fix"]
