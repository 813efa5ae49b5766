"""DayWindow.advance skips whole days in one step (issue 11); it must land where the day-by-day
walk it replaced lands, to the microsecond, across DST changes and for any start.

The reference is that walk as it was (tests/helpers/day_walk.py: the plainest statement of
the rule), and hand-worked days for the arithmetic itself.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from helpers.day_walk import walk
from hypothesis import given
from hypothesis import strategies as st

from companion.core.eta import DayWindow

ZONES = ["Asia/Kolkata", "America/New_York", "Europe/London", "Australia/Lord_Howe", "UTC"]


@given(
    zone=st.sampled_from(ZONES),
    start_min=st.integers(0, 12 * 60),
    length_min=st.integers(1, 12 * 60 - 1),  # closes by 23:59 (24:00 is no time)
    base=st.datetimes(datetime(2024, 1, 1), datetime(2027, 12, 31)),
    seconds=st.one_of(
        st.floats(0.0, 40 * 86400.0, allow_nan=False),
        st.integers(0, 40).map(lambda d: d * 3600.0 * 13),  # whole windows: the <= edge
    ),
)
def test_advance_lands_where_the_day_by_day_walk_lands(
    zone: str, start_min: int, length_min: int, base: datetime, seconds: float
) -> None:
    tz = ZoneInfo(zone)
    end_min = start_min + length_min
    w = DayWindow(time(start_min // 60, start_min % 60), time(end_min // 60, end_min % 60), tz)
    at = base.replace(tzinfo=UTC)
    assert w.advance(at, seconds) == walk(w, at, seconds)


def test_a_week_out_by_hand() -> None:
    ist = ZoneInfo("Asia/Kolkata")
    w = DayWindow(time(6), time(19), ist)
    # From Monday 18:00 IST: 1 h on Monday, then 13 h a day; 100 h = 1 + 7 x 13 + 8.
    mon = datetime(2026, 11, 30, 18, tzinfo=ist)
    assert w.advance(mon, 100 * 3600.0) == datetime(2026, 12, 8, 14, tzinfo=ist)
    # Exactly 1 + 13 h: the close of Tuesday, not the opening of Wednesday.
    assert w.advance(mon, 14 * 3600.0) == datetime(2026, 12, 1, 19, tzinfo=ist)


def test_whole_days_across_the_new_york_spring_change_keep_wall_clock_hours() -> None:
    ny = ZoneInfo("America/New_York")
    w = DayWindow(time(6), time(19), ny)
    # 8 March 2026 has 23 h; the window is still 06:00-19:00 on the wall: 3 x 13 h from the
    # Saturday's opening ends at the Monday's close.
    sat = datetime(2026, 3, 7, 6, tzinfo=ny)
    assert w.advance(sat, 39 * 3600.0) == datetime(2026, 3, 9, 19, tzinfo=ny)


@given(
    zone=st.sampled_from(ZONES),
    start_min=st.integers(0, 12 * 60),
    length_min=st.integers(1, 12 * 60 - 1),  # closes by 23:59
    base=st.datetimes(datetime(2024, 1, 1), datetime(2027, 12, 31)),
    durations=st.lists(st.floats(0.0, 20 * 86400.0, allow_nan=False), min_size=1, max_size=12),
)
def test_one_clock_asked_many_durations_lands_where_the_walk_does(
    zone: str, start_min: int, length_min: int, base: datetime, durations: list[float]
) -> None:
    # A progress asks one DayClock for every town's three ETAs, in any order (it keeps the
    # days it opened): each answer is the walk's from the same start.
    tz = ZoneInfo(zone)
    end_min = start_min + length_min
    w = DayWindow(time(start_min // 60, start_min % 60), time(end_min // 60, end_min % 60), tz)
    at = base.replace(tzinfo=UTC)
    clock = w.clock(at)
    for seconds in [*durations, *reversed(durations)]:
        assert clock.advance(seconds) == walk(w, at, seconds)
