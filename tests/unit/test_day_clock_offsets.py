"""DayClock answers from the day's opening in UTC when the day's hours keep one offset (issue 11:
a conversion less per ETA). On the days the clocks change it must still land where the
day-by-day walk lands, to the microsecond; on the other days it must take the UTC sum.

The reference is the day-by-day walk (tests/helpers/day_walk.py).
The change days are found by asking the zone itself, hour by hour.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from helpers.day_walk import walk

from companion.core.eta import DayWindow, _one_offset

CHANGING = ["America/New_York", "Europe/London", "Australia/Lord_Howe"]
WINDOWS = [(time(0), time(23, 59)), (time(1), time(4)), (time(1, 30), time(3)), (time(6), time(19))]


def change_days(tz: ZoneInfo, year: int) -> list[date]:
    """The days of `year` whose UTC offset at 23:00 differs from the one at 00:00."""
    out = []
    day = date(year, 1, 1)
    while day.year == year:
        a = datetime.combine(day, time(0), tz).utcoffset()
        b = datetime.combine(day, time(23), tz).utcoffset()
        if a != b:
            out.append(day)
        day += timedelta(days=1)
    return out


@pytest.mark.parametrize("zone", CHANGING)
def test_the_days_the_clocks_change_land_where_the_walk_does(zone: str) -> None:
    tz = ZoneInfo(zone)
    days = change_days(tz, 2026)
    assert len(days) == 2  # spring and autumn: the test sees both kinds of change
    for day in days:
        for start, end in WINDOWS:
            w = DayWindow(start, end, tz)
            # From the evening before (the change day is an opened day, on the zone's clock),
            # and from inside the day (the start is UTC, as a fix's time is).
            bases = [
                datetime.combine(day - timedelta(days=1), time(20), tz).astimezone(UTC),
                datetime.combine(day, time(1, 45), tz).astimezone(UTC),
            ]
            for base in bases:
                clock = w.clock(base)
                for minutes in range(0, 30 * 60, 7):
                    seconds = minutes * 60.0 + 0.123457
                    got = clock.advance(seconds)
                    assert got == walk(w, base, seconds), (zone, day, start, end, base, minutes)
                    assert got.tzinfo is UTC


def test_a_window_across_a_change_is_not_one_offset_and_a_plain_day_is() -> None:
    ny = ZoneInfo("America/New_York")
    spring, autumn = change_days(ny, 2026)
    assert not _one_offset(time(0), time(12), ny, spring)
    assert not _one_offset(time(0), time(12), ny, autumn)
    # Hours that end before the change (02:00) or begin after it keep one offset.
    assert _one_offset(time(0), time(1, 59), ny, spring)
    assert _one_offset(time(6), time(19), ny, spring)
    assert _one_offset(time(6), time(19), ny, spring + timedelta(days=1))


def test_an_ordinary_day_answers_from_utc_the_same_instant() -> None:
    ist = ZoneInfo("Asia/Kolkata")
    w = DayWindow(time(6), time(19), ist)
    base = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # 08:30 IST
    clock = w.clock(base)
    assert clock._utc == base  # the first day's opening, already in UTC
    # 10.5 h of the day left, then 13 h a day: 30 h lands on the 2nd day at 06:00 + 6.5 h.
    assert clock.advance(30 * 3600.0) == datetime(2026, 12, 3, 12, 30, tzinfo=ist)
    assert clock.advance(3600.0) == datetime(2026, 12, 1, 9, 30, tzinfo=ist)
