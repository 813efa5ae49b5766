"""Where a Tracker's fixes are held (issue 11): the running state handed out to be saved, the
tracker resumed from a saved one, and the head of the fixes let go of.

The tracker's third part (core/tracker.py feeds the fixes, core/progress.py reads the state):
these change only where the fixes are kept, never an answer. A held-back head is a `Deferred`
(core/deferred.py) that reads its fixes from the log when something asks for them; the times of
those fixes stay known (`_head_us`), so a km reached or a fix at a time reads no row.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from companion.core.deferred import Deferred
from companion.core.fixcolumns import FixColumns
from companion.core.models import Fix
from companion.core.runstate import RunningState, TrackerState

if TYPE_CHECKING:
    from companion.core.tracker import Tracker


# A saved state carries the fixes of about this many last ones, from a snapshot (RunningState's
# `back`): 10 minutes at 10 Hz, 100 at 1 Hz; ~0.4 MB.
BACK_FIXES = 6000


def running_state(tr: Tracker, copy: bool = True) -> RunningState:
    """The state after every fix so far (a copy: the tracker goes on). `copy=False` for a state
    used at once, the tracker not fed meanwhile (saved with the log): the km and time of each fix
    are then the tracker's own arrays, not 14 MB of copies for a day at 10 Hz. With it, the
    oldest snapshot of the last BACK_FIXES fixes and the fixes after it, when they are held."""
    times_us = tr._times.micros(copy)  # no datetime built, no row of the log read
    kms = tr._kms
    if copy or not isinstance(kms, array):
        kms = array("d", kms)
    n = len(tr._fixes)
    fixes = tr._fixes
    held_from = fixes.head_len if isinstance(fixes, Deferred) else 0
    held = fixes.held if isinstance(fixes, Deferred) else fixes
    back = next(
        ((k, st) for k, st in tr._snaps if max(n - BACK_FIXES, held_from, 1) <= k < n), None
    )
    if back is None or not isinstance(held, FixColumns):
        return RunningState(n, tr._save(), kms, times_us)
    k, state = back
    return RunningState(n, tr._save(), kms, times_us, k, state, held.suffix(k - held_from))


def resume_tail(
    tr: Tracker, saved: RunningState, tail: list[Fix], head: Callable[[int], Sequence[Fix]]
) -> None:
    """Like `Tracker.rebuild` of all the fixes, from `saved`: the running state of a tracker of
    the same event after its first `saved.applied` fixes; `tail` (sorted by time, none before the
    fix `saved` ended on) is applied. The fixes the state holds are held (the one it ended on,
    or its `back` ones); the first `k` before them are read by `head(k)` only when something
    asks for them (an export, an entry typed in among them). The caller checks `saved` fits
    (companion/trackstate.py)."""
    n, last = saved.applied, saved.state.last
    assert last is not None and n > 0
    k, back = _back(saved)
    snaps = [(n, saved.state)]
    if back is None:  # the fix the state ended on is held: the first fix after the head
        k, held = n - 1, FixColumns([last])
    else:  # from its snapshot: a change among them replays from there
        snaps.insert(0, (k, back[0]))
        held = back[1].suffix(0)
    for fix in tail:
        held.append(fix)
    tr._fixes = Deferred(k, lambda: head(k), held)
    # The times of the head are the state's own: when a km was reached reads no row.
    tr._head_us = saved.times_us
    tr._kms = array("d", saved.kms)
    tr._kms.extend([0.0] * len(tail))
    tr._reset()
    tr._snaps = snaps
    tr._replay_from(n)


def _back(saved: RunningState) -> tuple[int, tuple[TrackerState, FixColumns] | None]:
    """The state's `back` snapshot and fixes, when they fit it: the fixes from the snapshot to
    the one it ended on, well formed (a crafted state's are left out, never trusted)."""
    k, state, cols = saved.back, saved.back_state, saved.back_fixes
    if state is None or cols is None or not 0 < k < saved.applied:
        return 0, None
    if not cols.well_formed() or len(cols) != saved.applied - k or cols[-1] != saved.state.last:
        return 0, None
    return k, (state, cols)


def forget_head(tr: Tracker, k: int, head: Callable[[], Sequence[Fix]]) -> bool:
    """Hold the first `k` fixes no more: `head()` reads them back (in order) if something asks
    for them (an entry typed in among them, an export); their times stay known. No answer
    changes: only where the fixes are kept. False when they are not held anyway."""
    fixes = tr._fixes
    held_from = fixes.head_len if isinstance(fixes, Deferred) else 0
    held = fixes.held if isinstance(fixes, Deferred) else fixes
    if not held_from < k < len(fixes):
        return False
    times_us = tr._times.micros()  # before the columns go: the head's times
    i = k - held_from
    tail = held.suffix(i) if isinstance(held, FixColumns) else FixColumns(held[i:])
    tr._fixes = Deferred(k, head, tail)
    tr._head_us = times_us
    return True
