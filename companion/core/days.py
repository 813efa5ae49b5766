"""The day ledger: km and moving time per calendar day, cut at local midnight of the event.

Progress (km) is booked when a position arrives; moving time when `core.motion` has judged the
interval, which can be up to a minute later, so the two are booked separately.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from companion.core.localdate import local_date
from companion.core.models import DayTotal

# An interval between two fixes that crosses local midnight and is shorter than this is split
# between the days in proportion to time (the athlete was riding through the night). A longer
# one is the overnight halt: the crew enters the morning's first position, and all of that
# progress belongs to the new day.
SPLIT_GAP_S = 2 * 3600.0


@dataclass(slots=True)
class Day:
    first_km: float
    last_km: float
    moving_s: float = 0.0
    estimated_s: float = 0.0  # the part of moving_s filled in at the planned speed
    first_time: datetime | None = None


class DayLedger:
    """Days of one event; `copy()` for the tracker's snapshots."""

    __slots__ = ("days", "tz")

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.days: dict[date, Day] = {}

    def copy(self) -> DayLedger:
        twin = DayLedger(self.tz)
        twin.days = {d: replace(v) for d, v in self.days.items()}
        return twin

    def get(self, d: date) -> Day | None:
        return self.days.get(d)

    def day(self, t: datetime) -> Day:
        """The day `t` falls on, opened where the previous one ended if it is new."""
        return self._on(local_date(t, self.tz))

    def _on(self, d: date) -> Day:
        """`day` of a time on the local date `d`."""
        day = self.days.get(d)
        if day is None:
            start_km = self.days[max(self.days)].last_km if self.days else 0.0
            day = self.days[d] = Day(start_km, start_km)
        return day

    def _midnight_after(self, d: date) -> datetime:
        return datetime.combine(d + timedelta(days=1), time(0), self.tz)

    def book_km(self, t0: datetime, k0: float, t1: datetime, k1: float, progressed: bool) -> None:
        """Book the progress from (t0, k0) to (t1, k1). `progressed`: the athlete was on the move
        over the interval (decides when a day reached overnight began)."""
        d0 = local_date(t0, self.tz)
        d1 = local_date(t1, self.tz)
        if d0 == d1:
            day = self._on(d1)
            day.last_km = k1
            if day.first_time is None:
                day.first_time = t1
            return
        span = (t1 - t0).total_seconds()
        if span <= SPLIT_GAP_S:
            # Riding through midnight: split the progress in proportion to time.
            d, t_prev, k_prev = d0, t0, k0
            while d < d1:
                midnight = self._midnight_after(d)
                k_mid = k0 + (k1 - k0) * (midnight - t0).total_seconds() / span
                self.day(t_prev).last_km = k_mid
                t_prev, k_prev, d = midnight, k_mid, d + timedelta(days=1)
                nxt = self.day(midnight)
                nxt.first_km = nxt.last_km = k_prev
                if nxt.first_time is None:
                    nxt.first_time = midnight
            self.day(t1).last_km = k1
            return
        day = self.day(t1)
        day.last_km = k1
        if day.first_time is None:
            # Progress made overnight-to-today started at the latest at local midnight.
            midnight = datetime.combine(d1, time(0), self.tz)
            day.first_time = midnight if progressed else t1

    def book_moving(self, t0: datetime, t1: datetime, moving_s: float, estimated: bool) -> None:
        """Book `moving_s` of the interval t0..t1, split across midnight like its km."""
        if moving_s <= 0:
            return
        d0 = local_date(t0, self.tz)
        d1 = local_date(t1, self.tz)
        span = (t1 - t0).total_seconds()
        if d0 == d1 or span > SPLIT_GAP_S or span <= 0:
            day = self._on(d1)
            day.moving_s += moving_s
            if estimated:
                day.estimated_s += moving_s
            return
        d, t_prev = d0, t0
        while d < d1:
            midnight = self._midnight_after(d)
            self._add(t_prev, moving_s * (midnight - t_prev).total_seconds() / span, estimated)
            t_prev, d = midnight, d + timedelta(days=1)
        self._add(t1, moving_s * (t1 - t_prev).total_seconds() / span, estimated)

    def _add(self, t: datetime, moving_s: float, estimated: bool) -> None:
        day = self.day(t)
        day.moving_s += moving_s
        if estimated:
            day.estimated_s += moving_s

    def today(self, now: datetime) -> tuple[DayTotal | None, datetime | None]:
        """The calendar day of `now` and when it began (None, None: nothing logged that day)."""
        d = local_date(now, self.tz)
        v = self.days.get(d)
        if v is None:
            return None, None
        km = v.last_km - v.first_km
        return DayTotal(d, km, v.moving_s, v.first_km, v.last_km, v.estimated_s), v.first_time

    def day_of(self, t: datetime) -> date:
        """The day `t` falls in: its local date."""
        return local_date(t, self.tz)

    def totals(self) -> tuple[DayTotal, ...]:
        return tuple(
            DayTotal(d, v.last_km - v.first_km, v.moving_s, v.first_km, v.last_km, v.estimated_s)
            for d, v in sorted(self.days.items())
        )
