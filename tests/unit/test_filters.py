"""PlausibilityFilter: each reason to reject, re-acquisition after a gap, re-anchoring."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from companion.core.models import Fix
from companion.sources.filters import PlausibilityFilter

T0 = datetime(2025, 1, 15, 6, 0, tzinfo=UTC)
# One degree of latitude near 22 N is ~110.7 km; 0.45 deg ~ 50 km.
LAT, LON = 22.3072, 73.1812


def fix(seconds: float, lat: float = LAT, lon: float = LON) -> Fix:
    return Fix(time=T0 + timedelta(seconds=seconds), lat=lat, lon=lon, source="gpsd")


def test_a_50_km_jump_in_one_second_is_rejected_with_a_clear_reason() -> None:
    f = PlausibilityFilter(max_kmh=30)
    assert f.check(fix(0)) is None
    reason = f.check(fix(1, lat=LAT + 0.45))
    assert reason is not None
    assert "49.8 km in 1 s" in reason and "30 km/h" in reason
    assert f.counts["speed"] == 1
    assert f.last == fix(0)


def test_a_runner_is_not_a_car() -> None:
    runner, car = PlausibilityFilter(max_kmh=25), PlausibilityFilter(max_kmh=150)
    # 1 km in 60 s is 60 km/h: fine for the car, impossible for the runner.
    for f in (runner, car):
        assert f.check(fix(0)) is None
    assert runner.check(fix(60, lat=LAT + 0.009)) is not None
    assert car.check(fix(60, lat=LAT + 0.009)) is None


def test_gps_jitter_at_high_rate_is_not_a_jump() -> None:
    f = PlausibilityFilter(max_kmh=20)
    assert f.check(fix(0)) is None
    assert f.check(fix(0.1, lat=LAT + 0.0002)) is None  # 22 m in 0.1 s


def test_null_island_nan_and_out_of_range() -> None:
    f = PlausibilityFilter(max_kmh=30)
    assert f.check(fix(0, 0.0, 0.0)) is not None
    assert f.check(fix(0, math.nan, LON)) is not None
    assert f.check(fix(0, 91.0, LON)) is not None
    assert f.check(fix(0, LAT, 181.0)) is not None
    assert dict(f.counts) == {"no position": 1, "bad coordinates": 3}
    assert f.rejected == 4


def test_time_going_backwards_and_duplicates() -> None:
    f = PlausibilityFilter(max_kmh=30)
    assert f.check(fix(10)) is None
    dup = f.check(fix(10))
    back = f.check(fix(5))
    assert dup is not None and "second fix" in dup
    assert back is not None and "backwards" in back
    assert (f.counts["duplicate"], f.counts["backwards"]) == (1, 1)


def test_reasons_give_times_in_the_events_timezone() -> None:
    f = PlausibilityFilter(max_kmh=30)
    assert f.check(fix(10)) is None
    assert f.check(fix(5)) == "time went backwards 5 s (06:00:10Z -> 06:00:05Z)"  # UTC, marked
    f.tz = ZoneInfo("Asia/Kolkata")  # as EventSession sets it: 06:00 UTC is 11:30 IST
    assert f.check(fix(5)) == "time went backwards 5 s (11:30:10 -> 11:30:05)"
    assert f.check(fix(10)) == "a second fix for 11:30:10"


def test_future_and_old_against_now() -> None:
    f = PlausibilityFilter(max_kmh=30, max_age_s=3600)
    now = T0
    reason = f.check(fix(3600), now=now)
    assert reason is not None and "ahead" in reason
    assert f.check(fix(-7200), now=now) is not None
    assert f.check(fix(60), now=now) is None  # a minute ahead: receiver clocks differ a little


def test_first_fix_after_a_long_gap_is_reacquired_anywhere() -> None:
    f = PlausibilityFilter(max_kmh=30, gap_reacquire_s=300)
    assert f.check(fix(0)) is None
    # 50 km away after 4 minutes: impossible for a runner.
    assert f.check(fix(240, lat=LAT + 0.45)) is not None
    # After 10 minutes without a fix (tunnel, phone off, a ride in the car) it is accepted.
    assert f.check(fix(600, lat=LAT + 0.45)) is None


def test_consistent_track_after_one_bad_fix_reanchors() -> None:
    # The first fix was the bad one (a corrupted longitude); the real track must not be refused
    # for five minutes.
    f = PlausibilityFilter(max_kmh=30, reanchor_after=3)
    assert f.check(fix(0, lon=LON + 1.0)) is None
    assert f.check(fix(1)) is not None
    assert f.check(fix(2)) is not None
    assert f.check(fix(3)) is None
    assert f.last == fix(3)
    assert f.check(fix(4)) is None


def test_without_max_speed_only_basic_checks() -> None:
    f = PlausibilityFilter()
    assert f.check(fix(0)) is None
    assert f.check(fix(1, lat=LAT + 5)) is None
