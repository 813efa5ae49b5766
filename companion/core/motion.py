"""Moving or stopped, decided over a span of time so that GPS jitter cannot fake a stop.

Judged one interval at a time, a receiver that wanders 8 m between fixes a few seconds apart reads
as stopped whenever the noise pulls it back: a run with no stops came out 10-20 % short on moving
time. Here an interval is stopped only if some span of at least `span_s` around it shows little
progress (less than the stop speed times the span), or the receiver's own speed says so. A span
compares its two ends, so noise counts once, not at every fix. An interval is final once no later
span can cover it (`span_s` after it ends); until then it waits in `_pending`, so the moving time
lags the last fix by at most `span_s`.

The state shown ("stopped since 14:05") has hysteresis of its own: a stop ends only when a span is
no longer slow *and* the athlete is clearly away from where the stop began, so one jittery fix in
the middle of a rest does not restart it. The crew's word (`Fix.mark` "stop"/"go") sets it too.

Across a long gap (the night, a dead phone) nothing was measured: if the athlete progressed, the
moving part is estimated at the planned speed, credited as *estimated* and kept out of the speed
average.
"""

from __future__ import annotations

import bisect
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from operator import itemgetter

from companion.core.eta import DEFAULT_WINDOW_S, MovingWindow

# A span shorter than this says nothing about stopping (a red light, a corner, a noisy fix).
STOP_SPAN_S = 45.0
# A stop ends only this many stop-speed spans away from where it began (hysteresis).
EXIT_SPANS = 2.0
# The receiver's speed describes the interval since the last fix only if that was this recent.
RECEIVER_SPEED_MAX_GAP_S = 60.0
# Between two positions this far apart the athlete surely also rested (the crew logged last
# night's halt and this afternoon's town): the moving part is estimated at the planned speed.
LONG_GAP_S = 4 * 3600.0
# ... unless the progress over the gap is no more than GPS drift over a night's halt.
LONG_GAP_MIN_M = 500.0
# A rest this long (a night's sleep) makes the recent moving average start again.
REST_RESETS_SPEED_S = 2 * 3600.0
# "Speed now" from the positions is the progress over at least this long (noise averages out).
NOW_SPAN_S = 30.0
_NOW_SPAN = timedelta(seconds=NOW_SPAN_S)
# `d < _MINUTE` is exactly `d.total_seconds() < 60.0` (whole seconds), a third of the cost.
_MINUTE = timedelta(seconds=60)
_time = itemgetter(0)  # of a (time, km) in Motion._recent


# The moving time of one interval once it is final: (t0, t1, moving_s, estimated, dist_m,
# measured, span_s). `estimated`: filled in at the planned speed, not measured; `dist_m`: the
# along-route progress over it (the pace model's km); `measured` False: moving until the crew's
# "stop", or estimated (no pace in it); `span_s`: t1 - t0 in seconds (worked out once, in step).
# A tuple: one is built on every fix, and a slots class cost ~0.4 us more to build (issue 11).
Credit = tuple[datetime, datetime, float, bool, float, bool, float]


@dataclass(frozen=True, slots=True)
class StopSpan:
    """One stop as the state shown saw it: from "stopped since" until moving again (the stop
    ledger, core/stops.py, is built from these)."""

    start: datetime
    end: datetime | None  # None: still stopped
    km: float
    by: str  # "gps", "crew", or "gap" (a long gap without positions: the rest is estimated)


# An interval waiting to be final: (t0, t1, span_s, dist_m, slow, judged_by). `slow`: covered
# by a slow span, or the receiver said stopped; `judged_by` "crew": ended by the crew's "stop"
# after moving (moving, not measured), "receiver": its own speed judged it (spans do not
# overrule either), "": the spans judge. A tuple, like Credit (built on every fix), and so
# shared by the copies of the snapshots: a slow span replaces the ones it marks.
_Interval = tuple[datetime, datetime, float, float, bool, str]
_SPANS_JUDGE = ""


class Motion:
    """Moving time, the recent moving average and the stopped state, fed interval by interval."""

    __slots__ = (
        "_pending",
        "_recent",
        "_slow_since",
        "_span",
        "_stop_km",
        "_unjudged",
        "closed_stops",
        "estimated_s_total",
        "max_mps",
        "moving",
        "moving_marks",
        "moving_s_total",
        "span_s",
        "speed_now_kmh",
        "stop_mps",
        "stopped_by",
        "stopped_since",
        "window",
    )

    def __init__(
        self,
        stop_mps: float,
        max_mps: float,
        window_s: float = DEFAULT_WINDOW_S,
        span_s: float = STOP_SPAN_S,
    ) -> None:
        self.stop_mps = stop_mps
        self.max_mps = max_mps
        self.span_s = span_s
        # "At least span_s before t" as `x <= t - _span`: a comparison, not a subtraction and a
        # total_seconds (4 a fix); the same for a span of whole microseconds (the default 45 s).
        self._span = timedelta(seconds=span_s)
        self.window = MovingWindow(window_s)
        self._recent: deque[tuple[datetime, float]] = deque()  # (time, km) of recent positions
        self._pending: deque[_Interval] = deque()
        # How many of the newest pending intervals no slow span has reached yet: the older ones
        # a slow span reaches were marked by an earlier one (spans only start later), so a stop
        # at 10 Hz marks its new interval, not the 450 of the span again.
        self._unjudged = 0
        self._stop_km = 0.0
        self._slow_since: datetime | None = None  # the current run of slow evidence began
        self.stopped_since: datetime | None = None
        self.stopped_by: str | None = None  # "gps" or "crew" while stopped
        self.moving = False  # for the ETA: has the athlete kept going since the last position?
        self.moving_s_total = 0.0
        self.estimated_s_total = 0.0
        self.speed_now_kmh: float | None = None
        # Every stop that has ended, in time order; the one going on is stopped_since.
        self.closed_stops: list[StopSpan] = []
        # (time, moving_s_total) at most once a minute: the moving time of any span (a shift).
        self.moving_marks: list[tuple[datetime, float]] = []

    def cadence_s(self) -> float | None:
        """The shortest time between two of the recent positions (the last `span_s` or so), the
        feed's own rate: a recorder with smart recording spaces its points out as the athlete
        slows, so the last step alone would be long just before a stop. None: fewer than two
        since the start or a long gap."""
        recent = self._recent
        if len(recent) < 2:
            return None
        return min(b[0] - a[0] for a, b in pairwise(recent)).total_seconds()

    def copy(self) -> Motion:
        twin = Motion(self.stop_mps, self.max_mps, self.window.window_s, self.span_s)
        twin.window = self.window.copy()
        twin._recent = self._recent.copy()
        twin._pending = self._pending.copy()  # of tuples: nothing to copy in them
        twin._unjudged = self._unjudged
        twin._stop_km, twin._slow_since = self._stop_km, self._slow_since
        twin.stopped_since, twin.stopped_by = self.stopped_since, self.stopped_by
        twin.moving = self.moving
        twin.moving_s_total, twin.estimated_s_total = self.moving_s_total, self.estimated_s_total
        twin.speed_now_kmh = self.speed_now_kmh
        twin.closed_stops = self.closed_stops.copy()
        twin.moving_marks = self.moving_marks.copy()
        return twin

    def moving_until(self, t: datetime) -> float:
        """The moving time credited up to `t` (to the minute; the last span_s not yet judged)."""
        i = bisect.bisect_right(self.moving_marks, t, key=lambda m: m[0])
        return self.moving_marks[i - 1][1] if i else 0.0

    def stop_spans(self) -> list[StopSpan]:
        """The stops so far, the one going on (if any) last with no end."""
        if self.stopped_since is None:
            return self.closed_stops.copy()
        by = self.stopped_by or "gps"
        return [*self.closed_stops, StopSpan(self.stopped_since, None, self._stop_km, by)]

    def step(
        self,
        t0: datetime,
        k0: float,
        t1: datetime,
        k1: float,
        speed_mps: float | None = None,
        manual: bool = False,
        mark: str = "",
        planned_mps: float | None = None,
    ) -> list[Credit]:
        """Take the interval from (t0, km k0) to (t1, km k1); return the credits now final.

        `speed_mps` is the receiver's speed at t1 (None without one); `manual` marks a typed
        position, `mark` the crew's "stop"/"go".
        """
        dt = (t1 - t0).total_seconds()
        dist_m = (k1 - k0) * 1000.0
        recent, pending, span_s = self._recent, self._pending, self.span_s
        cut = t1 - self._span  # at or before this: at least span_s before t1
        credits: list[Credit] = []
        if dt <= 0:
            recent.append((t1, k1))
            return self._on_mark(mark, t1, k1, credits)

        # Across a long gap the moving part was not measured: estimate it, final at once.
        if dt > LONG_GAP_S and abs(dist_m) > LONG_GAP_MIN_M and planned_mps and not mark:
            credits += self._flush_all()
            est = min(dt, abs(dist_m) / planned_mps)
            if self.stopped_since is None and dt - est > 0:
                # Nobody saw the rest: it is the gap's time not filled in, from its start.
                self.closed_stops.append(StopSpan(t0, t1 - timedelta(seconds=est), k0, "gap"))
            credits.append(self._credit(t0, t1, dt, dist_m, est, True))
            self.window = MovingWindow(self.window.window_s)
            recent.clear()
            recent.append((t1, k1))
            self._set_moving(t1, k1)
            self.speed_now_kmh = None
            return credits

        rested_since = self.stopped_since  # the stop going on before this interval
        # A receiver's speed if it can describe this interval: recent and not absurd (a speed
        # of 5512 km/h from a confused receiver is ignored, not shown).
        rx = None
        if (
            not manual
            and speed_mps is not None
            and dt <= RECEIVER_SPEED_MAX_GAP_S
            and 0.0 <= speed_mps <= self.max_mps
        ):
            rx = speed_mps
        # The receiver's Doppler speed is the better judge of its own interval.
        iv_slow = rx is not None and rx < self.stop_mps
        judged_by = _SPANS_JUDGE if rx is None else "receiver"
        if mark == "stop" and self.moving and self.stopped_since is None:
            # The crew says "stopped" now: until now the athlete was on the move (the typed
            # km is where they were last seen, not a measurement of this interval).
            iv_slow, judged_by = False, "crew"
        elif mark == "go" and self.stopped_by == "crew":
            iv_slow = True  # resting until the crew said "going"
        pending.append((t0, t1, dt, dist_m, iv_slow, judged_by))
        self._unjudged += 1

        # The span ending now: from the latest position at least span_s old (or the oldest).
        if not recent:
            # The first interval, from the event's start to the first fix: its start is a
            # position too (km k0 at t0), so a wait there is judged as any span (a GPS turned
            # on an hour after the start, a start a year old: not moving time).
            recent.append((t0, k0))
        recent.append((t1, k1))
        while len(recent) > 2 and recent[1][0] <= cut:
            recent.popleft()
        ts, ks = recent[0]
        span = (t1 - ts).total_seconds()
        slow = span >= span_s and abs(k1 - ks) * 1000.0 < self.stop_mps * span
        if manual and not mark:
            # Typed positions have no jitter: the interval since the last one speaks for itself.
            slow = abs(dist_m) < self.stop_mps * dt
            ts = t0
        if slow:
            # Pending intervals are in time order: only the newest, back to the span's start.
            # A span starts no earlier than the last slow one did, so the intervals before the
            # unjudged ones that it reaches are marked already.
            for j in range(len(pending) - 1, len(pending) - 1 - self._unjudged, -1):
                p0, p1, p_s, p_m, _, p_by = pending[j]
                if p0 < ts:
                    break
                if p_by == _SPANS_JUDGE:
                    pending[j] = (p0, p1, p_s, p_m, True, p_by)
            self._unjudged = 0
        if rx is not None:
            self.speed_now_kmh = rx * 3.6
        else:
            self._speed_now(t1, k1, manual, dist_m, dt)

        # The state shown, with hysteresis.
        if mark == "stop":
            self._set_stopped(t1, k1, "crew")
        elif mark == "go":
            self._set_moving(t1, k1)
        elif manual:
            # A typed position: on the road from here, unless the crew said stopped and it shows
            # no progress (the crew confirming where the athlete rests).
            if not (self.stopped_by == "crew" and slow):
                self._set_moving(t1, k1)
        elif slow or iv_slow:  # (a slow span marked the new interval too)
            if self._slow_since is None:
                self._slow_since = ts if slow else t0
            if self.stopped_since is None and (t1 - self._slow_since).total_seconds() >= min(
                span_s, dt
            ):
                self._set_stopped(self._slow_since, ks if slow else k0, "gps")
        else:
            self._slow_since = None
            if self.stopped_since is None:
                self.moving = True
            elif abs(k1 - self._stop_km) * 1000.0 > EXIT_SPANS * self.stop_mps * span_s:
                self._set_moving(t1, k1)
        if (
            rested_since is not None
            and self.stopped_since is None
            and (t0 - rested_since).total_seconds() >= REST_RESETS_SPEED_S
        ):
            # After a long rest the previous pace says little about the next: start afresh.
            self.window = MovingWindow(self.window.window_s)

        # Final: whatever no later span can cover any more (and everything, for sparse feeds).
        horizon = t1 if manual or dt >= span_s else None
        while pending:
            iv = pending[0]
            end = iv[1]
            if not ((horizon is not None and end <= horizon) or end <= cut):
                break
            pending.popleft()
            p0, p1, p_s, p_m, p_slow, p_by = iv
            if p_by == "crew":
                credits.append(self._final(iv))
            elif p_slow:
                credits.append((p0, p1, 0.0, False, p_m, True, p_s))  # as _final
            else:
                # _final's moving interval: `self._credit(p0, p1, p_s, p_m, p_s, False)`'s
                # lines, in place (two calls on every fix of a feed).
                self.moving_s_total = total = self.moving_s_total + p_s
                marks = self.moving_marks
                if len(marks) >= 2 and p1 - marks[-2][0] < _MINUTE:
                    marks[-1] = (p1, total)
                else:
                    marks.append((p1, total))
                self.window.add(p_s, p_m)
                credits.append((p0, p1, p_s, False, p_m, True, p_s))
        if self._unjudged > len(pending):
            self._unjudged = len(pending)
        return credits

    # --- helpers --------------------------------------------------------------------------------
    def _on_mark(self, mark: str, t: datetime, km: float, credits: list[Credit]) -> list[Credit]:
        if mark == "stop":
            self._set_stopped(t, km, "crew")
        elif mark == "go":
            self._set_moving(t, km)
        return credits

    def _set_stopped(self, since: datetime, km: float, by: str) -> None:
        if self.stopped_since is None:
            self.stopped_since, self._stop_km = since, km
        if by == "crew":
            self._stop_km = km  # the crew's word: a stop ends by moving away from here
        self.stopped_by = "crew" if "crew" in (by, self.stopped_by) else by
        self.moving = False

    def _set_moving(self, t: datetime, km: float) -> None:
        if self.stopped_since is not None:
            span = StopSpan(self.stopped_since, t, self._stop_km, self.stopped_by or "gps")
            self.closed_stops.append(span)
        self.stopped_since, self.stopped_by, self._slow_since = None, None, None
        self._stop_km = km
        self.moving = True

    def _speed_now(self, t1: datetime, k1: float, manual: bool, dist_m: float, dt: float) -> None:
        """The speed now without a receiver's own."""
        if not manual:
            # From positions: the progress over the last NOW_SPAN_S or more, not one noisy step:
            # from the newest position at least that old (a bisection; the positions are in
            # time order; a scan back from the newest read 300 of them a fix at 10 Hz).
            recent = self._recent
            i = bisect.bisect_right(recent, t1 - _NOW_SPAN, key=_time) - 1
            ref = recent[i] if i >= 0 else None
            if ref is None and len(recent) > 1:
                ref = recent[0]
            gap_s = (t1 - ref[0]).total_seconds() if ref is not None else 0.0
            if ref is not None and gap_s > 0:
                kmh = abs(k1 - ref[1]) / (gap_s / 3600.0)
                self.speed_now_kmh = kmh if kmh <= self.max_mps * 3.6 else None
        elif dt > 0:
            self.speed_now_kmh = abs(dist_m) / dt * 3.6  # typed: the last leg's speed

    def _final(self, iv: _Interval) -> Credit:
        t0, t1, span_s, dist_m, slow, judged_by = iv
        if judged_by == "crew":
            return self._credit(t0, t1, span_s, dist_m, span_s, False, False)
        if slow:
            return (t0, t1, 0.0, False, dist_m, True, span_s)
        return self._credit(t0, t1, span_s, dist_m, span_s, False)

    def _credit(
        self, t0: datetime, t1: datetime, span_s: float, dist_m: float, moving_s: float,
        estimated: bool, measured: bool = True,
    ) -> Credit:  # fmt: skip
        # (`step`'s final loop holds these lines for a measured interval, in place: keep both.)
        self.moving_s_total += moving_s
        marks = self.moving_marks
        if len(marks) >= 2 and t1 - marks[-2][0] < _MINUTE:
            marks[-1] = (t1, self.moving_s_total)  # each mark exact, about one a minute
        else:
            marks.append((t1, self.moving_s_total))
        if estimated:
            self.estimated_s_total += moving_s
        elif measured:
            self.window.add(moving_s, dist_m)
        return (t0, t1, moving_s, estimated, dist_m, measured and not estimated, span_s)

    def _flush_all(self) -> list[Credit]:
        out = [self._final(p) for p in self._pending]
        self._pending.clear()
        self._unjudged = 0
        return out
