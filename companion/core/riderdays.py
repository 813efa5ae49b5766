"""Rider-days: a day runs from night halt to night halt, not midnight to midnight.

An athlete who rides 18:00 -> 02:30 and sleeps has ridden one day of 170 km, not 120 km on one
date and 50 on the next. A night halt is a rest of at least `NIGHT_HALT_S` with no moving time:
the day it ends is closed, and the next day begins when the athlete moves again, on a later
local date than the day began (a long midday rest in the heat, or a long gap between typed
entries, is not a night: a day never splits into two of the same date). The rest is
read from the motion model's final credits (core/motion.py): a GPS stop and a gap between
positions (the crew's last entry of the evening, the first of the morning) look alike there.

A credit is final up to a minute after its fix, so the km of that minute may already be booked
to the old day when the new one is found: the recent positions are kept, and the new day takes
its km from the position where it began. A day is named by the local date it began on.
"""

from __future__ import annotations

from array import array
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from companion.core.days import Day
from companion.core.models import DayTotal

# A rest this long is a night's halt (a sleep), not a meal or a puncture.
NIGHT_HALT_S = 3 * 3600.0
# Positions kept for re-booking: more than a credit's lag (motion's span, 45 s).
_KEEP_S = 10 * 60.0
_KEEP_US = int(_KEEP_S * 1e6)
# The kept positions' arrays are cut down to the kept ones once this many are dropped.
_COMPACT_AFTER = 4096
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# As timedeltas: `t1 - t0 >= _NIGHT_HALT` is exactly `(t1 - t0).total_seconds() >= NIGHT_HALT_S`
# (whole seconds), at a third of the cost; asked on every fix.
_NIGHT_HALT = timedelta(seconds=NIGHT_HALT_S)
# Less than this since the last move: no night's rest can be in the credit (see book_moving).
_SHORT_OF_NIGHT = timedelta(seconds=NIGHT_HALT_S - 1.0)


# The time converted last and its microseconds: a feed fix's time is converted twice in a row
# (the fixes' time column, then the kept positions here). Matched by identity (the datetime is
# held here, so its id is not reused): a hit is exact. One tuple, stored at once, so a reader
# on another thread sees a time and its own microseconds.
_converted: tuple[datetime | None, int] = (None, 0)


def to_us(t: datetime) -> int:
    """An aware time as whole microseconds since the epoch (exact, unlike a float); runstate's
    `to_us` (runstate imports this module)."""
    global _converted
    last = _converted
    if last[0] is t:
        return last[1]
    d = t - _EPOCH  # its fields, not `// timedelta(microseconds=1)`: the same int, ~half the cost
    us = (d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds
    _converted = (t, us)
    return us


class RiderLedger:
    """Rider-days of one event, with the interface of `days.DayLedger`."""

    __slots__ = ("_days", "_first", "_recent_km", "_recent_us", "last_move_end", "tz")

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self._days: list[Day] = []
        # The recent positions (time in µs since the epoch, km) from index `_first` on: as
        # numbers, since every snapshot of the tracker keeps a copy (~16 B a position, not ~128
        # as tuples of a datetime and a float; issue 11).
        self._recent_us: array[int] = array("q")
        self._recent_km: array[float] = array("d")
        self._first = 0
        self.last_move_end: datetime | None = None  # the end of the last moving interval

    def copy(self) -> RiderLedger:
        twin = RiderLedger(self.tz)
        twin._days = [replace(d) for d in self._days]
        twin._recent_us = self._recent_us[self._first :]
        twin._recent_km = self._recent_km[self._first :]
        twin.last_move_end = self.last_move_end
        return twin

    def day(self, t: datetime) -> Day:
        """The current day (the first one opens at `t`)."""
        if not self._days:
            self._days.append(Day(0.0, 0.0, first_time=t))
        return self._days[-1]

    def book_km(self, t0: datetime, k0: float, t1: datetime, k1: float, progressed: bool) -> None:
        day = self._days[-1] if self._days else self.day(t0)
        # (The gap's length first: on every fix of a feed it is a fraction of a second.)
        if t1 - t0 >= _NIGHT_HALT and self._night_between(t0, t1, day):
            # The morning's first position after a night without any (the crew's entry as the
            # day starts): the new day opens here; earlier once its moving time is known.
            day = self._open(t1)
        day.last_km = k1
        us, kept_us = to_us(t1), self._recent_us
        kept_us.append(us)
        self._recent_km.append(k1)
        # The oldest kept is the last one at or before _KEEP_S ago: a long gap's start stays.
        first, n = self._first, len(kept_us)
        while n - first > 2 and us - kept_us[first + 1] > _KEEP_US:
            first += 1
        if first > _COMPACT_AFTER and 2 * first > n:
            del kept_us[:first], self._recent_km[:first]
            first = 0
        self._first = first

    def book_moving(self, t0: datetime, t1: datetime, moving_s: float, estimated: bool) -> None:
        if moving_s <= 0:
            return
        day = self._days[-1] if self._days else self.day(t0)
        ref = self.last_move_end or day.first_time
        if (ref is None or t1 - ref < _SHORT_OF_NIGHT) and day.first_time != t1:
            # The usual credit, moments after the last move: the rest below is at most t1 - ref
            # (its float sum within far less than the second spare), so no night's halt is in it,
            # and no day opened at its end. The same booking, without the seconds worked out.
            day.moving_s += moving_s
            if estimated:
                day.estimated_s += moving_s
            self.last_move_end = t1
            return
        span = (t1 - t0).total_seconds()
        opened_at_t1 = day.first_time == t1 and len(self._days) > 1
        if opened_at_t1 and span > moving_s + 1.0:
            # The day opened at the end of this gap: it began when the moving in it did.
            day.first_time = self._began(t0, t1, span, moving_s)
            self.last_move_end = t1
            day.moving_s += moving_s
            day.estimated_s += moving_s if estimated else 0.0
            return
        if opened_at_t1 and self._no_night(t0, t1, span, moving_s):
            day = self._merge_back()  # a long gap between entries, moving all along: no night
        # Since the last move, or since the day began (the start, before any move).
        ref = self.last_move_end or day.first_time
        if ref is not None:
            # The rest before this interval and inside it (a long gap's unmoving part).
            rest = (t0 - ref).total_seconds() + max(span - moving_s, 0.0)
            if rest >= NIGHT_HALT_S:
                begin = self._began(t0, t1, span, moving_s)
                if self._date_of(begin) != self._date_of(day.first_time or ref):
                    day = self._open(begin)
        day.moving_s += moving_s
        if estimated:
            day.estimated_s += moving_s
        self.last_move_end = t1

    def _no_night(self, t0: datetime, t1: datetime, span: float, moving_s: float) -> bool:
        """The gap that opened the day at `t1` was not a night's halt after all: its moving time
        leaves less than a night's rest since the last move (typed entries 3.5 h apart through
        midnight, 70 km ridden between them)."""
        prev = self._days[-2]
        ref = self.last_move_end or prev.first_time
        if ref is None:
            return False
        return (t0 - ref).total_seconds() + max(span - moving_s, 0.0) < NIGHT_HALT_S

    def _merge_back(self) -> Day:
        """Undo `_open`: the day opened by the gap's end joins the one before it."""
        new = self._days.pop()
        day = self._days[-1]
        day.last_km = new.last_km
        day.moving_s += new.moving_s
        day.estimated_s += new.estimated_s
        return day

    def _began(self, t0: datetime, t1: datetime, span: float, moving_s: float) -> datetime:
        """When the day after a halt began. Across a long gap nothing says when the athlete set
        off: the moving is put at the gap's end, and not before the midnight of the day it
        ended (as the calendar ledger books such a gap to the day it ended)."""
        if span <= moving_s + 1.0:
            return t0
        midnight = datetime.combine(t1.astimezone(self.tz).date(), time(0), self.tz)
        return max(t1 - timedelta(seconds=moving_s), midnight, t0)

    def _night_between(self, t0: datetime, t1: datetime, day: Day) -> bool:
        """No position for a night's halt, since the last move, and a new date."""
        ref = self.last_move_end or day.first_time
        return (
            ref is not None
            and (t1 - t0).total_seconds() >= NIGHT_HALT_S
            and (t1 - ref).total_seconds() >= NIGHT_HALT_S
            and day.first_time is not None
            and self._date_of(t1) != self._date_of(day.first_time)
        )

    def day_of(self, t: datetime) -> date:
        """The day `t` falls in: the last one begun by then (a stop at 00:30 belongs to the day
        that began the evening before), else its local date."""
        for d in reversed(self._days):
            if d.first_time is not None and d.first_time <= t:
                return self._date(d)
        return self._date_of(t)

    def _date_of(self, t: datetime) -> date:
        return t.astimezone(self.tz).date()

    def _open(self, begin: datetime) -> Day:
        old = self._days[-1]
        k = self._km_at(begin, old)
        new = Day(k, old.last_km, first_time=begin)
        old.last_km = k
        self._days.append(new)
        return new

    def _km_at(self, t: datetime, old: Day) -> float:
        """The km at time `t`: of the latest kept position at or before it."""
        at, kept_us, first = to_us(t), self._recent_us, self._first
        k = old.first_km
        for i in range(first, len(kept_us)):
            if kept_us[i] > at:
                break
            k = self._recent_km[i]
        return k

    def today(self, now: datetime) -> tuple[DayTotal | None, datetime | None]:
        """The day going on at `now` and when it began; (None, None) once a night halt has
        lasted past the date the last day began on (the next day has not begun yet)."""
        if not self._days:
            return None, None
        d = self._days[-1]
        assert d.first_time is not None
        rested = self.last_move_end is not None and (
            (now - self.last_move_end).total_seconds() >= NIGHT_HALT_S
        )
        if rested and now.astimezone(self.tz).date() != d.first_time.astimezone(self.tz).date():
            return None, None
        return self._total(d), d.first_time

    def number(self, now: datetime, origin: date) -> int:
        """Day N at `now` (1-based, counted from the local date `origin` of the start): the
        date the rider-day going on began, so a ride past midnight stays on its day."""
        current, began = self.today(now)
        d = began.astimezone(self.tz).date() if current is not None and began else None
        return ((d or now.astimezone(self.tz).date()) - origin).days + 1

    def _total(self, d: Day) -> DayTotal:
        assert d.first_time is not None
        return DayTotal(
            self._date(d), d.last_km - d.first_km, d.moving_s, d.first_km, d.last_km, d.estimated_s
        )

    def _date(self, d: Day) -> date:
        assert d.first_time is not None
        return d.first_time.astimezone(self.tz).date()

    def totals(self) -> tuple[DayTotal, ...]:
        return tuple(self._total(d) for d in self._days)
