"""Speed estimation for ETAs: a moving average over recent *moving* time.

A crew break of 40 minutes must not halve the speed an ETA uses, so intervals slower than a
walking pace never enter the window; the window keeps the most recent `window_s` of moving time.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import lru_cache
from math import ceil
from zoneinfo import ZoneInfo

from companion.core.localdate import local_date

# An arrival further away than this much travelling (ten years of it) is no ETA at all: a pace
# near zero (a speed of 0.0003 km/h) would otherwise reckon one past the last datetime, an error
# on the screen instead of "no ETA". None is ever that far on a real event.
MAX_ETA_S = 10 * 365 * 86400.0
# Below this along-route speed the athlete is stopped (a crew break, a red light, GPS jitter).
DEFAULT_STOP_KMH = 2.0
# How much recent moving time the average covers.
DEFAULT_WINDOW_S = 30 * 60.0
# Less moving time than this in the window is too little to trust over the day's average.
MIN_RECENT_S = 5 * 60.0
# The window's arrays are cut back to what it holds once this many intervals were dropped from
# their start (and they are over half of them): memory stays about twice the window.
_COMPACT_AFTER = 4096


class MovingWindow:
    """Running sums over the most recent moving intervals; O(1) amortised per interval.

    The intervals are kept in append-only arrays that copies share, so a copy (the tracker's
    snapshot every 1000 fixes) is O(1) instead of the window's 18,000 intervals at 10 Hz (issue
    11). A copy that appends where another already did first takes a private copy of its own
    intervals (copy on write): that happens once when the tracker replays from a snapshot.
    """

    __slots__ = ("_dist", "_dist_m", "_end", "_moving", "_moving_s", "_start", "window_s")

    def __init__(self, window_s: float = DEFAULT_WINDOW_S) -> None:
        self.window_s = window_s
        # Intervals [_start, _end) of these are in the window: (moving_s, distance_m) each.
        self._moving = array("d")
        self._dist = array("d")
        self._start = self._end = 0
        self._moving_s = 0.0
        self._dist_m = 0.0

    def __len__(self) -> int:
        """How many intervals the window holds."""
        return self._end - self._start

    def add(self, moving_s: float, distance_m: float) -> None:
        start, end = self._start, self._end
        # A private copy of the window's own intervals when another copy appended to the shared
        # arrays already (copy on write), or when most of them were dropped long ago.
        if len(self._moving) != end or (start > _COMPACT_AFTER and 2 * start > end):
            self._moving = self._moving[self._start : self._end]
            self._dist = self._dist[self._start : self._end]
            self._start, self._end = 0, len(self._moving)
        self._moving.append(moving_s)
        self._dist.append(distance_m)
        self._end += 1
        self._moving_s += moving_s
        self._dist_m += distance_m
        # Drop old intervals while what stays still covers the window.
        moving = self._moving
        while self._end - self._start > 1 and self._moving_s - moving[self._start] >= self.window_s:
            self._moving_s -= moving[self._start]
            self._dist_m -= self._dist[self._start]
            self._start += 1

    def copy(self) -> MovingWindow:
        twin = MovingWindow(self.window_s)
        twin._moving, twin._dist = self._moving, self._dist  # shared: see the class doc
        twin._start, twin._end = self._start, self._end
        twin._moving_s, twin._dist_m = self._moving_s, self._dist_m
        return twin

    @property
    def moving_s(self) -> float:
        return self._moving_s

    def speed_kmh(self) -> float | None:
        if self._moving_s <= 0:
            return None
        return (self._dist_m / self._moving_s) * 3.6


def choose_speed(
    recent_kmh: float | None,
    recent_s: float,
    today_kmh: float | None,
    planned_kmh: float | None,
) -> tuple[float | None, str]:
    """The speed an ETA uses and which one it is: "recent", "today", "plan" or "none"."""
    if recent_kmh is not None and recent_kmh > 0 and recent_s >= MIN_RECENT_S:
        return recent_kmh, "recent"
    if today_kmh is not None and today_kmh > 0:
        return today_kmh, "today"
    if recent_kmh is not None and recent_kmh > 0:
        return recent_kmh, "recent"
    if planned_kmh is not None and planned_kmh > 0:
        return planned_kmh, "plan"
    return None, "none"


@dataclass(frozen=True, slots=True)
class DayWindow:
    """The local hours the athlete is on the road each day of a multi-day event (06:00-19:00)."""

    start: time
    end: time
    tz: ZoneInfo

    def advance(self, t: datetime, seconds: float) -> datetime:
        """The time at which `seconds` of moving time, starting at `t`, have been spent inside
        the daily windows (nights skipped).

        O(1) in the number of days: after the first day every whole day the walk goes through
        holds the same wall-clock span, so they are skipped in one step (the same arithmetic as
        the walk's, exact: whole seconds taken from the remainder). An ETA days out was a walk
        of that many days for each of 16 towns, three ETAs each (issue 11).
        """
        return self.clock(t).advance(seconds)

    def clock(self, t: datetime) -> DayClock:
        """`advance` from `t` for many durations: the first day's hours found once (the towns
        of one progress, three ETAs each, all start from the same time)."""
        if t.tzinfo is self.tz:  # compared by wall clock with the day's hours: `_open` itself
            return DayClock(self, *self._open(t))
        # `_open`'s answer from the day's hours kept (one progress a fix asks for the same day):
        # t is compared with them as instants either way, and its own day's lie inside it.
        day = local_date(t, self.tz)  # t.astimezone(self.tz).date(), the day's instants kept
        opens, opens_utc, closes_utc, room, after = _day_hours(self.start, self.end, self.tz, day)
        if t < opens_utc:  # from the opening on: its room (None: the hours are empty)
            return DayClock(self, opens, day, room) if room is not None else DayClock(self, *after)
        if t < closes_utc:
            return DayClock(self, t, day, (closes_utc - t).total_seconds())
        return DayClock(self, *after)

    def _open(self, t: datetime) -> tuple[datetime, date, float]:
        """From `t`: when the athlete is next inside the hours, that day, and the seconds of
        it left then."""
        while True:
            day = t.astimezone(self.tz).date()
            opens = datetime.combine(day, self.start, self.tz)
            closes = datetime.combine(day, self.end, self.tz)
            if t < opens:
                t = opens
            if t >= closes:
                t = datetime.combine(day + timedelta(days=1), self.start, self.tz)
                continue
            return t, day, (closes - t).total_seconds()

    @property
    def span_s(self) -> float:
        """The window's wall-clock length in seconds."""
        return (
            datetime.combine(date.min, self.end) - datetime.combine(date.min, self.start)
        ).total_seconds()


class DayClock:
    """`DayWindow.advance` from one start (`DayWindow.clock`): the start's day is opened once,
    and each answer takes the same steps as `advance` from there, so it is the same to the
    microsecond. The later days it opens are kept per window, for every clock of it (the towns
    of every progress land in the same few)."""

    __slots__ = ("_days", "_ord", "_room", "_span", "_t", "_utc", "_whole", "window")

    def __init__(self, window: DayWindow, t: datetime, day: date, room: float) -> None:
        self.window = window
        self._t, self._ord, self._room = t, day.toordinal(), room  # the first day's opening
        self._utc = _utc_start(window, t, day)
        self._span = span = _span_s(window.start, window.end)
        self._whole = span > 0 and span.is_integer()  # whole seconds: exact as the walk's
        self._days = _days_of(window)

    def first_day(self) -> tuple[float, datetime]:
        """(room, opening): `advance(s)` is `opening + timedelta(0, s)` for every s <= room
        (the start's own day, its opening in UTC); room is -inf where that day's answers are
        converted (its hours change offset), so none is."""
        if self._utc is None:
            return -math.inf, self._t
        return self._room, self._utc

    def advance(self, seconds: float) -> datetime:
        """The time at which `seconds` of moving time from the start have been spent."""
        at, s = self.place(seconds)
        return at if s is None else at + timedelta(0, s)

    def place(self, seconds: float) -> tuple[datetime, float | None]:
        """`advance(seconds)` as (an opening, the seconds after it), the walk done in floats and
        the datetime left to the reader (`EtaOption`): `opening + timedelta(0, s)` is the
        answer; s is None where the day's answers are converted, and the time is the answer."""
        t, room, utc = self._t, self._room, self._utc
        if seconds <= room:  # the walk's first answer: on the start's own day
            if utc is not None:
                return utc, seconds
            return (t + timedelta(0, seconds)).astimezone(UTC), None
        w, span, days, ordinal = self.window, self._span, self._days, self._ord
        remaining = seconds
        while True:
            if remaining <= room:
                # From the opening in UTC when the day keeps one offset (`_utc_start`): the
                # same instant as the wall-clock sum converted.
                if utc is not None:
                    return utc, remaining
                return (t + timedelta(0, remaining)).astimezone(UTC), None
            remaining -= room
            skip = 0  # whole days after this one, each `span` taken from the remainder
            if self._whole and remaining > span:
                # The fewest whole days that leave at most one day's span (the guess is never
                # more than that: the day it lands on is the walk's last). The quotient's
                # ceiling less one is that, or one less where the division rounded down onto a
                # whole number: the loop then adds it (the subtractions are exact).
                skip = ceil(remaining / span) - 1
                while remaining - skip * span > span:
                    skip += 1
                remaining -= skip * span
            key = ordinal + 1 + skip
            opened = days.get(key)
            if opened is None:
                if len(days) >= _DAYS_KEPT:  # a year of days a window: bounded all the same
                    days.clear()
                opened = days[key] = _open_day(w.start, w.end, w.tz, date.fromordinal(key))
            t, ordinal, room, utc = opened


# By the window's hours and zone, then the day's ordinal: `_open_day`'s answer for that day (its
# opening, ordinal, seconds of hours, opening in UTC or None). Every progress opens a new clock
# and asks for the same few days: kept here, not per clock, they are dict lookups after the first
# (the dicts' operations are atomic: two threads at worst open a day twice, the same answer).
_Opened = tuple[datetime, int, float, datetime | None]
_DAYS: dict[tuple[time, time, ZoneInfo], dict[int, _Opened]] = {}
_DAYS_KEPT = 400


def _days_of(w: DayWindow) -> dict[int, _Opened]:
    key = (w.start, w.end, w.tz)
    days = _DAYS.get(key)
    if days is None:
        days = _DAYS[key] = {}
    return days


@lru_cache(maxsize=64)
def _span_s(start: time, end: time) -> float:
    """`DayWindow.span_s`, kept (asked by every progress: two `combine` and a subtraction)."""
    return (datetime.combine(date.min, end) - datetime.combine(date.min, start)).total_seconds()


@lru_cache(maxsize=64)
def _day_hours(
    start: time, end: time, tz: ZoneInfo, day: date
) -> tuple[datetime, datetime, datetime, float | None, tuple[datetime, date, float]]:
    """The hours of `day` as `DayWindow._open` works them out: their opening, the opening and
    the close in UTC, the room from the opening (by wall clock, as `_open` subtracts two times
    of one zone; None where the close is not after it) and `_open`'s answer from the close on."""
    w = DayWindow(start, end, tz)
    opens, closes = datetime.combine(day, start, tz), datetime.combine(day, end, tz)
    room = (closes - opens).total_seconds() if opens < closes else None
    after = w._open(datetime.combine(day + timedelta(days=1), start, tz))
    return opens, opens.astimezone(UTC), closes.astimezone(UTC), room, after


@lru_cache(maxsize=256)
def _open_day(
    start: time, end: time, tz: ZoneInfo, day: date
) -> tuple[datetime, int, float, datetime | None]:
    """`DayWindow._open` from the start of the hours of `day`: the same few days are asked for
    by every town of every progress (towns a week ahead, three ETAs each), so they are kept
    (keyed by the window's fields: their hashes are C's, the dataclass's is not)."""
    w = DayWindow(start, end, tz)
    t, opened_day, room = w._open(datetime.combine(day, start, tz))
    return t, opened_day.toordinal(), room, _utc_start(w, t, opened_day)


def _utc_start(w: DayWindow, t: datetime, day: date) -> datetime | None:
    """`t` in UTC when `(t + d).astimezone(UTC)` is `that + d` for every d up to the day's
    close: `t` has a fixed offset, or it is on the window's clock and the day's hours keep one
    offset (no change of clocks in them). None otherwise: the wall-clock sum is converted."""
    tz = t.tzinfo
    if isinstance(tz, timezone) or (tz is w.tz and _one_offset(w.start, w.end, w.tz, day)):
        return t.astimezone(UTC)
    return None


# Offsets are compared this often across a day's hours: clocks change at most once a day, and
# never twice within this (tzdata's changes are months apart).
_OFFSET_STEP = timedelta(minutes=15)


@lru_cache(maxsize=256)
def _one_offset(start: time, end: time, tz: ZoneInfo, day: date) -> bool:
    """The hours of `day` keep one UTC offset (wall times of fold 0, as `datetime.combine`
    makes them: inside a gap or a repeated hour they keep the earlier offset)."""
    at, close = datetime.combine(day, start, tz), datetime.combine(day, end, tz)
    first = at.utcoffset()
    while at < close:
        if at.utcoffset() != first:
            return False
        at += _OFFSET_STEP
    return close.utcoffset() == first


def eta(
    km_to_go: float,
    speed_kmh: float | None,
    base: datetime,
    now: datetime,
    window: DayWindow | None = None,
) -> tuple[datetime | None, float | None]:
    """Arrival time and seconds remaining from `now`, travelling `km_to_go` from `base`.

    `base` is the last fix's time while the athlete is moving (they have kept going since), or
    `now` while stopped (the ETA slides with the clock). An arrival that has passed keeps its
    time (the town is due or overdue, core/states.py) and 0 s remaining. With a `window` the
    travelling happens only within each day's hours (nights are skipped).
    """
    if speed_kmh is None or speed_kmh <= 0:
        return None, None
    travel_s = km_to_go / speed_kmh * 3600.0
    if not travel_s <= MAX_ETA_S:  # (NaN too)
        return None, None
    at = window.advance(base, travel_s) if window else base + timedelta(seconds=travel_s)
    return at, max((at - now).total_seconds(), 0.0)
