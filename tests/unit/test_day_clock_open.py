"""DayWindow.clock opens the start's day from the day's hours kept (issue 11: one progress a fix
asks for the same day, and `_open`'s two `combine` and zone-aware comparisons cost more than the
ETAs' walk from there). Its opening must be `_open`'s, field for field: the same opening time
(value and zone), the same day, the same room to the float, the same opening in UTC, for starts
anywhere in the day (before the hours, at their opening and close, inside, after), on the days
the clocks change, in UTC, in other fixed offsets and in the window's own zone (an event's hours
end after they start: event_values refuses others, and `_open` never ends on them).

The reference is `DayClock(window, *window._open(t))`, what `clock` was before; `_open` is the
day-by-day walk's own opening (tests/helpers/day_walk.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from helpers.day_walk import walk

from companion.core.eta import DayClock, DayWindow

ZONES = ["Asia/Kolkata", "America/Chicago", "Europe/London", "Australia/Lord_Howe",
         "America/Santiago"]  # fmt: skip
HOURS = [(time(6), time(19)), (time(0), time(23, 59)), (time(1), time(4)), (time(1, 30), time(3)),
         (time(5, 30), time(21, 45)), (time(0, 30), time(1, 15))]  # fmt: skip


def _fields(c: DayClock) -> tuple[object, ...]:
    return (c._t, c._t.tzinfo, c._t.fold, c._ord, c._room, c._utc, c._span, c._whole)


def _starts(tz: ZoneInfo, day: date, start: time, end: time) -> list[datetime]:
    """Times about the day's hours and its edges, as UTC, as +05:30 and -03:00, and as the
    window's own zone."""
    local = [datetime.combine(day, h, tz) for h in (time(0), time(0, 0, 0, 1), start, end)]
    local += [datetime.combine(day, time(h, 17, 3, 250001), tz) for h in range(0, 24, 2)]
    near = [t + d for t in local[:4] for d in (timedelta(microseconds=-1), timedelta(0),
                                               timedelta(microseconds=1))]  # fmt: skip
    out: list[datetime] = []
    for t in local + near:
        u = t.astimezone(UTC)
        out += [u, u.astimezone(timezone(timedelta(hours=5, minutes=30))),
                u.astimezone(timezone(timedelta(hours=-3))), u.astimezone(tz)]  # fmt: skip
    return out


def _days(tz: ZoneInfo) -> list[date]:
    """A day a month through 2026, and the days whose offset changes (and either side)."""
    days = [date(2026, m, 11) for m in range(1, 13)]
    day = date(2026, 1, 1)
    while day.year == 2026:
        a = datetime.combine(day, time(0), tz).utcoffset()
        b = datetime.combine(day + timedelta(days=1), time(0), tz).utcoffset()
        if a != b:
            days += [day - timedelta(days=1), day, day + timedelta(days=1)]
        day += timedelta(days=1)
    return days


@pytest.mark.parametrize("zone", ZONES)
def test_the_opening_is_opens_field_for_field(zone: str) -> None:
    tz = ZoneInfo(zone)
    days = _days(tz)
    assert len(days) > 12 or zone == "Asia/Kolkata"  # the zones that change show their changes
    seen: dict[str, int] = {"before": 0, "inside": 0, "after": 0, "own zone": 0}
    for start, end in HOURS:
        w = DayWindow(start, end, tz)
        for day in days:
            for t in _starts(tz, day, start, end):
                got, want = w.clock(t), DayClock(w, *w._open(t))
                assert _fields(got) == _fields(want), (zone, start, end, t)
                if t.tzinfo is tz:
                    seen["own zone"] += 1
                elif want._t is t:
                    seen["inside"] += 1
                else:
                    on = want._ord == t.astimezone(tz).date().toordinal()
                    seen["before" if on else "after"] += 1
    # Each way through the kept hours is taken many times, and the window's own zone too.
    assert min(seen.values()) > 500, seen


def test_answers_from_a_kept_opening_land_where_the_walk_does() -> None:
    """Each start's clock again, asked for durations into its own day and days on."""
    for zone in ("Europe/London", "America/Santiago"):
        tz = ZoneInfo(zone)
        for start, end in HOURS[:5]:
            w = DayWindow(start, end, tz)
            for day in _days(tz)[::3]:
                for t in _starts(tz, day, start, end)[::5]:
                    clock = w.clock(t)
                    for s in (0.0, 1.5, 3599.999999, 40_000.25, 200_000.0, 1e6 + 0.5):
                        assert clock.advance(s) == walk(w, t, s), (zone, start, end, t, s)
