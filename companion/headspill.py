"""`follow` lets go of the fixes it committed long ago: the log holds them (issue 11, MEM).

A day of 10 Hz fixes held as columns is ~50 bytes a fix in memory (core/fixcolumns.py): 42 MB
at 864,000, and a week would be seven times that. Nothing `follow` does reads a fix hours old
(its status line reads the state; the filter the last fix), so once the log holds every fix the
tracker does, the tracker keeps the newest KEEP and reads the others back from the log only if
something asks for them (core/deferred.py, as a reopened event already does): a late fix sent
more than KEEP fixes back, an export. Their times and kms stay held (16 bytes a fix).

The dashboard does not do this: the crew's entries with a past time, undo and the shift
handover read fixes hours back, and each would read the whole head from the log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from companion.core.deferred import Deferred, HeadChanged
from companion.core.fixcolumns import FixColumns

if TYPE_CHECKING:
    from companion.service import EventSession

# The newest fixes always held (an hour at 10 Hz): a late or resent fix lands among them.
KEEP = 36_000
# Fixes let go of at a time: the check counts the log's rows since the last one.
EVERY = 100_000


class HeadSpill:
    """Called after each flush of a `follow`; lets go of the head every EVERY fixes."""

    def __init__(self) -> None:
        self._next = KEEP + EVERY
        self._covered: tuple[int, int] | None = None  # (row id, fixes up to it) last checked
        self.done = 0  # how many times it let go (for the tests)

    def __call__(self, session: EventSession) -> bool:
        tracker = session.tracker
        n = len(tracker.fixes_seen)
        if n < self._next or session.not_saving is not None:
            return False
        self._next = n + EVERY  # asked again only after as many more: a mismatch stays one
        last_id = session.logbook.covering_id(n, self._covered)
        self._covered = None if last_id is None else (last_id, n)
        if last_id is None:  # the log holds fixes this tracker does not (another writer)
            return False
        k = n - KEEP
        fixes = tracker.fixes_seen
        if isinstance(fixes, Deferred) and fixes.head_len >= k:
            return False  # not held already (a reopened event's head)
        logbook, ends_on = session.logbook, fixes[k - 1]

        def head() -> FixColumns:
            fixes = logbook.fix_columns(last_id)  # columns: not every Fix of the head at once
            if len(fixes) != n or fixes[k - 1] != ends_on:
                raise HeadChanged(
                    f"the log's rows up to #{last_id} changed while it was open "
                    f"({len(fixes)} fixes, {n} expected): open the event again"
                )
            fixes.truncate(k)
            return fixes

        if not tracker.forget_head(k, head):
            return False
        self.done += 1
        return True
