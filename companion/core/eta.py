"""Speed estimation for ETAs: a moving average over recent *moving* time.

A crew break of 40 minutes must not halve the speed an ETA uses, so intervals slower than a
walking pace never enter the window; the window keeps the most recent `window_s` of moving time.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Below this along-route speed the athlete is stopped (a crew break, a red light, GPS jitter).
DEFAULT_STOP_KMH = 2.0
# How much recent moving time the average covers.
DEFAULT_WINDOW_S = 30 * 60.0
# Less moving time than this in the window is too little to trust over the day's average.
MIN_RECENT_S = 5 * 60.0


class MovingWindow:
    """Running sums over the most recent moving intervals; O(1) amortised per interval."""

    __slots__ = ("_dist_m", "_intervals", "_moving_s", "window_s")

    def __init__(self, window_s: float = DEFAULT_WINDOW_S) -> None:
        self.window_s = window_s
        self._intervals: deque[tuple[float, float]] = deque()  # (moving_s, distance_m)
        self._moving_s = 0.0
        self._dist_m = 0.0

    def add(self, moving_s: float, distance_m: float) -> None:
        self._intervals.append((moving_s, distance_m))
        self._moving_s += moving_s
        self._dist_m += distance_m
        # Drop old intervals while what stays still covers the window.
        while len(self._intervals) > 1 and self._moving_s - self._intervals[0][0] >= self.window_s:
            s, d = self._intervals.popleft()
            self._moving_s -= s
            self._dist_m -= d

    def copy(self) -> MovingWindow:
        twin = MovingWindow(self.window_s)
        twin._intervals = self._intervals.copy()
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
        the daily windows (nights skipped)."""
        remaining = seconds
        while True:
            day = t.astimezone(self.tz).date()
            opens = datetime.combine(day, self.start, self.tz)
            closes = datetime.combine(day, self.end, self.tz)
            if t < opens:
                t = opens
            if t >= closes:
                t = datetime.combine(day + timedelta(days=1), self.start, self.tz)
                continue
            room = (closes - t).total_seconds()
            if remaining <= room:
                return (t + timedelta(seconds=remaining)).astimezone(UTC)
            remaining -= room
            t = datetime.combine(day + timedelta(days=1), self.start, self.tz)


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
    at = window.advance(base, travel_s) if window else base + timedelta(seconds=travel_s)
    return at, max((at - now).total_seconds(), 0.0)
