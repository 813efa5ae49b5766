"""DayClock's whole-day skip at its edges: the number of whole days is the quotient's ceiling
less one, corrected where the division rounds onto a whole number (core/eta.py). The durations
here put what is left after the first day a few units in the last place either side of a whole
number of days' hours, where the division rounds; each must land where the day-by-day walk
lands (tests/helpers/day_walk.py), to the microsecond.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from helpers.day_walk import walk

from companion.core.eta import DayWindow

WINDOWS = [
    ("Asia/Kolkata", time(6), time(19)),
    ("America/Chicago", time(6), time(20)),  # the bench's Kovner event
    ("Europe/London", time(5, 30), time(21, 45)),
    ("Australia/Lord_Howe", time(0), time(23, 59)),  # a half-hour clock change
]


def _edges(room: float, span: float) -> list[float]:
    """room + k days' hours, and a few ulps and a microsecond either side of it."""
    out = []
    for k in (0, 1, 2, 3, 7, 13, 29):
        whole = room + k * span
        near = [whole]
        for _ in range(3):
            near.append(math.nextafter(near[-1], math.inf))
        below = [whole]
        for _ in range(3):
            below.append(math.nextafter(below[-1], -math.inf))
        out += near + below + [whole - 1e-6, whole + 1e-6]
    return out


@pytest.mark.parametrize(("zone", "start", "end"), WINDOWS)
def test_durations_a_few_ulps_from_whole_days_land_where_the_walk_does(
    zone: str, start: time, end: time
) -> None:
    tz = ZoneInfo(zone)
    w = DayWindow(start, end, tz)
    checked = 0
    # Starts through a year (the clock changes too), each at an odd microsecond of the day.
    for day in range(0, 365, 11):
        base = datetime(2026, 1, 1, 9, 17, 3, 250001, tzinfo=UTC) + timedelta(days=day)
        clock = w.clock(base)
        for seconds in _edges(clock._room, w.span_s):
            if seconds < 0:
                continue
            assert clock.advance(seconds) == walk(w, base, seconds), (base, seconds)
            checked += 1
    assert checked > 1000
