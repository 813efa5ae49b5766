"""core/localdate.py's `local_date(t, tz)` is `t.astimezone(tz).date()` (the day ledger's date
of every fix, issue 11): through every day of 2026 in zones whose clocks change (at night, at
midnight, by half an hour) and in one that does not, at steps that land on midnight, a
microsecond either side of it and across each change minute by minute; in UTC (the kept path)
and in other zones (converted as before). The reference is the conversion itself.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from companion.core import localdate
from companion.core.localdate import local_date

ZONES = ["Asia/Kolkata", "America/Chicago", "Europe/London", "Australia/Lord_Howe",
         "America/Santiago", "America/Havana"]  # fmt: skip
_US = timedelta(microseconds=1)


def _change_instants(tz: ZoneInfo, year: int) -> list[datetime]:
    """The UTC instants (to the minute) at which the zone's offset changes in `year`."""
    out = []
    t = datetime(year, 1, 1, tzinfo=UTC)
    prev = t.astimezone(tz).utcoffset()
    while t.year == year:
        off = t.astimezone(tz).utcoffset()
        if off != prev:
            out.append(t)
            prev = off
        t += timedelta(minutes=15)
    return out


@pytest.mark.parametrize("zone", ZONES)
def test_every_day_and_every_change_of_a_year(zone: str) -> None:
    tz = ZoneInfo(zone)
    localdate._kept.clear()
    times: list[datetime] = []
    day = date(2026, 1, 1)
    while day.year == 2026:
        midnight = datetime.combine(day, time(0), tz).astimezone(UTC)
        times += [midnight - _US, midnight, midnight + _US, midnight + timedelta(hours=9)]
        day += timedelta(days=1)
    changes = _change_instants(tz, 2026)
    assert len(changes) == (0 if zone == "Asia/Kolkata" else 2)
    for c in changes:
        times += [c + timedelta(minutes=m) for m in range(-26 * 60, 26 * 60, 7)]
    kept = 0
    for t in times:
        for when in (t, t.astimezone(timezone(timedelta(hours=-4))), t.astimezone(tz)):
            assert local_date(when, tz) == when.astimezone(tz).date(), (zone, when)
        kept += tz in localdate._kept and localdate._kept[tz][0] <= t < localdate._kept[tz][1]
    assert kept > len(times) * 0.75  # most answered from the kept day (the rest: a new day)


def test_a_day_whose_offset_changes_is_not_kept() -> None:
    tz = ZoneInfo("Europe/London")
    assert localdate._day_in_utc(tz, date(2026, 3, 29)) is None  # the clocks go forward
    assert localdate._day_in_utc(tz, date(2026, 10, 25)) is None  # and back
    lo, hi = localdate._day_in_utc(tz, date(2026, 7, 1)) or (None, None)
    assert lo == datetime(2026, 6, 30, 23, 0, tzinfo=UTC)
    assert hi == datetime(2026, 7, 1, 23, 0, tzinfo=UTC)
