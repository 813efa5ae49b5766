"""The tracker's state saved with the log while a session runs, not only when it closes.

Reopening replays the fixes after the saved state (companion/trackstate.py). Saved only at a
clean close, a dashboard or `follow` killed after a day of 10 Hz (a dead battery) had to replay
the whole day again: ~30 s for 864,000 fixes before the numbers came back, and an undo or an
edit (which makes an older state useless) made every later reopening replay the whole log. So
the state is saved again every SAVE_EVERY fixes (an hour at 10 Hz: a reopening then replays at
most about that, ~1 s) but not more often than every SAVE_MIN_S of wall time (a file read at full
speed, `follow` over a recorded day, would save every few seconds for nothing), and after the
crew changed the past (an undo, an edit, an entry typed in among the fixes the state covers).
An opening that had to read the whole log again (no saved state fitted: the first after an
upgrade) saves at the first call, whatever the wall time: a kill -9 then does not cost it twice.

The check that the log holds the tracker's fixes counts only the rows since the last check
(`Logbook.covering_id`), so a save costs its pickle (~0.2 s for a day of 10 Hz), not a count of
every row. Another process writing to the log makes the counts differ: nothing is saved then,
and the close does as before.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from companion.logschema import NotSaved
from companion.trackstate import MIN_FIXES

if TYPE_CHECKING:
    from companion.service import EventSession

# Fixes applied between two saves: an hour at 10 Hz, ten at 1 Hz; and the wall time between two.
SAVE_EVERY = 36_000
SAVE_MIN_S = 600.0


class StateKeeper:
    """Called after each flush of a running session; saves the state when it is due."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._saved_when = clock()
        self._saved_at: int | None = None  # fixes held at the last save (or the first call)
        self._amended = 0  # the session's count of changes to the past, at the last save
        self._covered: tuple[int, int] | None = None  # (row id, fixes up to it) last checked
        self.saves = 0  # how many states it saved (for the tests)

    def __call__(self, session: EventSession) -> bool:
        if not session.replayed or session.not_saving is not None or session.logbook.readonly:
            return False
        n = len(session.tracker.fixes_seen)
        if n < MIN_FIXES:  # trackstate keeps no state for so short a log: its replay is quick
            return False
        whole = False
        if self._saved_at is None:  # just opened: from the state read back, if there was one
            resumed = session.resumed_at
            self._covered = resumed
            self._saved_at, self._amended = (resumed[1] if resumed else 0), session.amended
            # The whole log was read again (~30 s a day of 10 Hz): its state saved now.
            whole = resumed is None and session.read_whole >= MIN_FIXES
        due = whole or (
            n - self._saved_at >= SAVE_EVERY and self._clock() - self._saved_when >= SAVE_MIN_S
        )
        if not due and session.amended == self._amended:
            return False
        self._saved_at, self._amended, self._saved_when = n, session.amended, self._clock()
        covered = session.logbook.covering_id(n, self._covered)
        self._covered = None if covered is None else (covered, n)
        if covered is None:  # the log holds fixes this tracker does not (another writer)
            return False
        saved = False
        with contextlib.suppress(NotSaved):  # a cache: the log itself is what counts
            saved = session.logbook.save_state(session.tracker, covered)
        self.saves += saved
        return saved
