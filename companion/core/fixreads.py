"""The tracker's questions about the fixes it holds, read back from its columns by bisection:
no copy of a day of 10 Hz fixes, and the log's head (core/deferred.py) read only when asked for.
Mixed into `core.tracker.Tracker`, which keeps the fixes sorted by time with the km after each.
"""

from __future__ import annotations

import bisect
from array import array
from collections import Counter
from collections.abc import Callable, MutableSequence, Sequence
from datetime import datetime

from companion.core.deferred import Deferred
from companion.core.fixtimes import FixTimes
from companion.core.models import Fix, with_km
from companion.core.runstate import from_us, to_us
from companion.core.states import finish_time


class HeldFixReads:
    """Reads of `_fixes` (every fix applied, sorted by time), `_kms` (the km after each) and
    `_head_us` (the saved times of a resumed log's head)."""

    _fixes: MutableSequence[Fix]
    _kms: MutableSequence[float]
    _head_us: array[int]
    _feeds: dict[str, tuple[int, Fix, float | None]]  # each feed source's newest (index, fix, km)
    _typed_us: list[int]  # the typed fixes' times, in order
    start: datetime | None
    _first_time: datetime | None

    @property
    def _times(self) -> FixTimes:
        """The fixes' times, read from the fixes (core/fixtimes.py: not held twice)."""
        return FixTimes(self._fixes, self._head_us)

    def reached_at(self, km: float) -> datetime | None:
        """When the athlete reached `km` to stay past it (None: not there now). Scans back from
        the newest fix, so it costs the fixes since then."""
        return finish_time(self._times, self._kms, km)

    @property
    def fixes(self) -> list[Fix]:
        """Every fix applied, sorted by time (after `resume_tail`, this reads the log's head)."""
        return list(self._fixes)

    @property
    def fixes_seen(self) -> Sequence[Fix]:
        """`fixes` without the copy: each one is built when read (a bisection reads a few)."""
        return self._fixes

    def newest_feed_fix(self, wanted: Callable[[Fix], bool]) -> Fix | None:
        """`newest_fix(wanted)` for a `wanted` that takes no typed fix (a feed's own GPS), from
        each source's newest fix: a reopened log whose newest fix is typed (a checkpoint, a
        stop) reads no fix of its head for it (that was all of them: ~8 s a day of 10 Hz)."""
        best: tuple[int, Fix, float | None] | None = None
        for entry in self._feeds.values():
            if (best is None or entry[0] > best[0]) and wanted(entry[1]):
                best = entry
        if best is None:
            return None
        _at, fix, km = best
        return fix if km is None else with_km(fix, km)

    def newest_fix(self, wanted: Callable[[Fix], bool]) -> Fix | None:
        """The newest fix that is `wanted`: read back from the newest, so it costs the fixes
        after it (and the log's head only if none of the tail is)."""
        return next((f for f in reversed(self._fixes) if wanted(f)), None)

    def fixes_from(self, t: datetime, wanted: Callable[[Fix], bool]) -> list[Fix]:
        """The fixes from the newest `wanted` one at or before `t` (from the first, if none is)
        to the last, in time order: only those are read back from the columns (a shift's
        handover on a day of 10 Hz fixes builds its hours, not the day)."""
        j = bisect.bisect_right(self._times, t, self._lo(t)) - 1
        while j > 0 and not wanted(self._fixes[j]):
            j -= 1
        return [self._fixes[k] for k in range(max(j, 0), len(self._fixes))]

    def gps_times_from(self, t: datetime) -> list[datetime]:
        """`[f.time for f in self.fixes_from(t, gps) if not f.is_manual]`, gps being "not
        typed", from the times alone: the fixes' times less the typed ones' (equal times are
        alike, whichever is left out). No fix is built and no row read, though the shift began
        among a reopened log's head (that read it whole: ~8 s a day of 10 Hz)."""
        us = self._times.micros()
        typed = self._typed_us
        j = bisect.bisect_right(us, to_us(t)) - 1
        # No more than len(typed) typed fixes stand between the GPS fix wanted and j; and the
        # window starts where the time changes, so each typed time in it is counted there.
        lo = max(j - len(typed), 0)
        while lo > 0 and us[lo - 1] == us[lo]:
            lo -= 1
        left = Counter(typed[bisect.bisect_left(typed, us[lo]) :]) if us else Counter()
        gps = []
        for k in range(lo, len(us)):
            v = us[k]
            if left[v] > 0:
                left[v] -= 1
            else:
                gps.append(v)
        start = max(bisect.bisect_right(gps, to_us(t)) - 1, 0)
        return [from_us(v) for v in gps[start:]]

    @property
    def first_fix_time(self) -> datetime | None:
        """The time of the first fix (None before any)."""
        if self.start is None and isinstance(self._fixes, Deferred) and self._fixes.head_len:
            return self._first_time  # the first fix's time when there is no start: no read
        return self._times[0] if self._times else None

    def _lo(self, t: datetime, strict: bool = False) -> int:
        """Where a bisection for `t` may start: past the fixes not read yet from the log when
        `t` is after all of them (at or after, unless `strict`), so they stay unread."""
        times = self._times
        if h := times.head_len:
            # Its last time is known (the state's): none held need be after it (an undo may
            # leave none held at all).
            last = times[h - 1]
            if last < t or (last == t and not strict):
                return h
        return 0

    def last_fix_at(self, t: datetime) -> Fix | None:
        """The latest fix at or before `t` (a bisection: no copy of a day of fixes)."""
        i = bisect.bisect_right(self._times, t, self._lo(t))
        return self._fixes[i - 1] if i else None

    def fixes_at(self, t: datetime) -> list[Fix]:
        """The fixes held with time `t` (a bisection, reading only those: a feed's check that a
        fix sent again is not logged twice)."""
        i = bisect.bisect_left(self._times, t, self._lo(t, strict=True))
        j = bisect.bisect_right(self._times, t, i)
        return [self._fixes[k] for k in range(i, j)]

    def last_time_at(self, t: datetime) -> datetime | None:
        """The time of the latest fix at or before `t` (reads times only: no fix of the log)."""
        i = bisect.bisect_right(self._times, t, self._lo(t))
        return self._times[i - 1] if i else None

    def km_at(self, t: datetime) -> float:
        """The athlete's km after the latest fix at or before `t` (0 before the first)."""
        i = bisect.bisect_right(self._times, t, self._lo(t))
        return self._kms[i - 1] if i else 0.0
