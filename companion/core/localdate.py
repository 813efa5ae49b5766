"""The local date of a time, asked by the day ledger on every fix (issue 11): `t.astimezone(tz)
.date()` is a zone lookup and a conversion each time (four a fix: both ends of the interval, for
its km and its moving time), while a feed's fixes fall on one day for hours.

`local_date` keeps, per zone, the UTC instants of the last day it answered: a UTC time inside them
is on that date. Only a day that keeps one UTC offset from midnight to midnight is kept (then the
local clock is the UTC one shifted, and the instants from its midnight to the next are exactly the
times of that date); any other time is converted as before.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

# Per zone: (the day's first instant, the next day's first instant, the date), in UTC.
_kept: dict[ZoneInfo, tuple[datetime, datetime, date]] = {}
# Offsets are compared this often across a day: tzdata's changes are months apart.
_STEP = timedelta(minutes=15)


def local_date(t: datetime, tz: ZoneInfo) -> date:
    """`t.astimezone(tz).date()`."""
    kept = _kept.get(tz)
    if kept is not None and t.tzinfo is UTC and kept[0] <= t < kept[1]:
        return kept[2]
    d = t.astimezone(tz).date()
    span = _day_in_utc(tz, d)
    if span is not None:
        _kept[tz] = (span[0], span[1], d)
    return d


@lru_cache(maxsize=64)
def _day_in_utc(tz: ZoneInfo, d: date) -> tuple[datetime, datetime] | None:
    """Midnight of `d` and of the next day in UTC, if the day keeps one offset (else None)."""
    at = datetime.combine(d, time(0), tz)
    end = datetime.combine(d + timedelta(days=1), time(0), tz)
    first = at.utcoffset()
    while at <= end:
        if at.utcoffset() != first:
            return None
        at += _STEP  # wall-clock steps (one zone): every quarter of an hour of the day
    return datetime.combine(d, time(0), tz).astimezone(UTC), end.astimezone(UTC)
