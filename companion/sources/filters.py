"""Plausibility filter: which fixes from a feed are believed.

A receiver or a phone sends nonsense now and then: (0,0) before the first fix, a longitude off by
100 degrees from a corrupted sentence, a repeated or older fix, a time far in the future. A bad
fix that reaches the tracker moves the athlete by kilometres and ruins every ETA, so each is
rejected with a reason a person can read, and counted.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from companion.core.geo import distance_m
from companion.core.models import Fix
from companion.core.times import EARLIEST, LATEST, time_problem

# GPS jitter: two honest fixes a second apart can differ by tens of metres in a city canyon, so
# the speed test allows this much on top of max speed x time (a runner's 30 km/h is 8 m/s).
DEFAULT_JITTER_M = 50.0
# After this long without an accepted fix the athlete may be anywhere (tunnel, phone off, car
# transfer): the next fix is taken as a fresh start.
DEFAULT_GAP_REACQUIRE_S = 300.0
# A clock this far ahead of ours is a receiver bug (week rollover, a wrong date), not a fix.
DEFAULT_FUTURE_S = 300.0
# This many consecutive speed-rejected fixes that agree with each other mean the last accepted
# fix was the bad one: start again from them rather than reject a correct track for five minutes.
DEFAULT_REANCHOR_AFTER = 3

# WGS-84's largest radius of curvature, a / sqrt(1 - e^2) (at the poles), rounded up.
_R_MAX_M = 6_399_594.0

REASONS = (
    "bad coordinates", "no position", "bad time", "backwards", "duplicate", "speed", "future",
    "old",
)  # fmt: skip


class PlausibilityFilter:
    """Accepts or rejects fixes in arrival order; `counts` holds rejections per reason key."""

    def __init__(
        self,
        max_kmh: float | None = None,
        gap_reacquire_s: float = DEFAULT_GAP_REACQUIRE_S,
        *,
        jitter_m: float = DEFAULT_JITTER_M,
        future_s: float = DEFAULT_FUTURE_S,
        max_age_s: float | None = None,
        reanchor_after: int = DEFAULT_REANCHOR_AFTER,
    ) -> None:
        self.max_kmh = max_kmh
        self.gap_reacquire_s = gap_reacquire_s
        self.jitter_m = jitter_m
        self.future_s = future_s
        self.max_age_s = max_age_s
        self.reanchor_after = reanchor_after
        self.counts: Counter[str] = Counter()
        self.last: Fix | None = None  # the last accepted fix
        # The event's timezone for the times in the reasons a person reads; UTC ("Z") without.
        self.tz: ZoneInfo | None = None
        self._suspects: list[Fix] = []  # consecutive speed rejections that agree with each other

    @property
    def rejected(self) -> int:
        return sum(self.counts.values())

    def check(self, fix: Fix, now: datetime | None = None) -> str | None:
        """None if `fix` is accepted (it becomes the last fix), else why it is rejected.

        `now` (aware UTC) enables the future/age tests; leave it None for historical files.
        """
        key, reason = self._judge(fix, now)
        if key is None:
            self.last = fix
            if self._suspects:  # almost always empty
                self._suspects.clear()
            return None
        self.counts[key] += 1
        return reason

    def accept_run(self, fixes: Sequence[Fix], start: int = 0) -> tuple[int, str | None]:
        """`check(fix)` (no clock: a historical file) for fixes[start:] in order, up to the first
        rejected: (its index, why), or (len(fixes), None) if all are accepted.

        A block of a file's fixes in one loop (issue 11): the usual fix (in range, UTC inside
        the window, later than the last, surely within the speed limit by `bound_m`) is accepted
        here, with `_judge`'s tests in its order; any other is judged by `check` itself."""
        last = self.last
        max_kmh, gap_s, jitter = self.max_kmh, self.gap_reacquire_s, self.jitter_m
        suspects = self._suspects
        n = len(fixes)
        for i in range(start, n):
            fix = fixes[i]
            lat, lon, when = fix.lat, fix.lon, fix.time
            if (
                last is not None and max_kmh is not None
                and -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0  # (a NaN fails these)
                and (abs(lat) >= 1e-7 or abs(lon) >= 1e-7)
                and when.tzinfo is UTC and EARLIEST <= when < LATEST
            ):  # fmt: skip
                dt = (when - last.time).total_seconds()
                if 0.0 < dt <= gap_s:
                    # bound_m(last.lat, last.lon, lat, lon), its operations in its order.
                    dlon = abs(lon - last.lon)
                    if dlon > 180.0:
                        dlon = 360.0 - dlon
                    arc = math.cos(math.radians(last.lat)) * dlon + abs(lat - last.lat)
                    bound = _R_MAX_M * math.radians(arc) * (1.0 + 1e-9) + 1e-3
                    if bound <= max_kmh / 3.6 * dt + jitter:
                        last = fix
                        if suspects:
                            suspects.clear()
                        continue
            self.last = last
            reason = self.check(fix)
            if reason is not None:
                return i, reason
            last = self.last
        self.last = last
        return n, None

    def _judge(self, fix: Fix, now: datetime | None) -> tuple[str | None, str]:
        lat, lon = fix.lat, fix.lon
        if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
            return "bad coordinates", f"coordinates {lat}, {lon} are out of range"
        if abs(lat) < 1e-7 and abs(lon) < 1e-7:
            return "no position", "position 0,0 means the receiver has no fix"
        # The one rule for times (core/times.py): a .NET no-date 0001-01-01, a GPS week rollover
        # to 1999, a year 0002 in a ZDA are refused here, before they can reach the log.
        when = fix.time
        # A feed's usual time (UTC, inside the window, no clock to compare with) passes every
        # test of time_problem: asked only otherwise (issue 11: once a fix).
        usual = now is None and when.tzinfo is UTC and EARLIEST <= when < LATEST
        if not usual and (problem := time_problem(when, now=now)) is not None:
            return "bad time", problem
        if now is not None:
            ahead_s = (fix.time - now).total_seconds()
            if ahead_s > self.future_s:
                return "future", f"fix time {self._shown(fix.time, True)} is {ahead_s:.0f} s ahead"
            if self.max_age_s is not None and -ahead_s > self.max_age_s:
                return "old", f"fix time {self._shown(fix.time, True)} is {-ahead_s:.0f} s old"
        last = self.last
        if last is None:
            return None, ""
        dt = (fix.time - last.time).total_seconds()
        if dt == 0:
            return "duplicate", f"a second fix for {self._shown(fix.time)}"
        if dt < 0:
            was, now_t = self._shown(last.time), self._shown(fix.time)
            return "backwards", f"time went backwards {-dt:.0f} s ({was} -> {now_t})"
        if self.max_kmh is None or dt > self.gap_reacquire_s:
            return None, ""
        limit = self.max_kmh / 3.6 * dt + self.jitter_m
        if bound_m(last.lat, last.lon, lat, lon) <= limit:
            return None, ""  # surely within: the usual fix, without a geodesic (~1 us)
        dist = distance_m(last.lat, last.lon, lat, lon)
        if dist <= limit:
            return None, ""
        if self._reanchor(fix):
            return None, ""
        kmh = dist / dt * 3.6
        return "speed", (
            f"a jump of {_km_text(dist)} in {dt:.0f} s ({kmh:,.0f} km/h) is faster than "
            f"the event's maximum of {self.max_kmh:g} km/h"
        )

    def _shown(self, t: datetime, with_date: bool = False) -> str:
        """`t` in the event's timezone when known, else in UTC marked Z."""
        fmt = "%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S"
        return t.strftime(fmt) + "Z" if self.tz is None else t.astimezone(self.tz).strftime(fmt)

    def _reanchor(self, fix: Fix) -> bool:
        """Keep a chain of speed-rejected fixes; once it is long and self-consistent, accept."""
        assert self.max_kmh is not None
        chain = self._suspects
        if chain:
            prev = chain[-1]
            dt = (fix.time - prev.time).total_seconds()
            dist = distance_m(prev.lat, prev.lon, fix.lat, fix.lon)
            if dt <= 0 or dist > self.max_kmh / 3.6 * dt + self.jitter_m:
                chain.clear()
        chain.append(fix)
        return len(chain) >= self.reanchor_after


def bound_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """An upper bound of the geodesic distance in metres, cheap: the length of the path along
    the first point's parallel, then along the meridian, with WGS-84's largest radius of
    curvature (no arc on the ellipsoid is longer than that radius times its angle). At 10 Hz
    it is within a metre of the distance, far below the speed test's limit."""
    dlon = abs(lon2 - lon1)
    if dlon > 180.0:
        dlon = 360.0 - dlon
    arc = math.cos(math.radians(lat1)) * dlon + abs(lat2 - lat1)
    return _R_MAX_M * math.radians(arc) * (1.0 + 1e-9) + 1e-3  # a margin for the rounding


def _km_text(dist_m: float) -> str:
    return f"{dist_m / 1000:,.1f} km" if dist_m >= 1000 else f"{dist_m:.0f} m"
