"""The tracker's running state as it is copied: every SNAPSHOT_EVERY fixes, so a late entry or an
undo replays from the nearest copy before it instead of from the first fix of the event; and
whole, to be saved with the log (`RunningState`, companion/trackstate.py).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from companion.core.days import DayLedger
from companion.core.fixcolumns import FixColumns
from companion.core.fixcolumns import from_us as from_us  # where the columns need it
from companion.core.models import Fix, Placement
from companion.core.motion import Motion
from companion.core.odometer import Odometer
from companion.core.pace import PaceModel
from companion.core.riderdays import RiderLedger
from companion.core.riderdays import to_us as to_us  # one function: it keeps the last answer

# A copy of the running state is kept every this many fixes (a few kB each) ...
SNAPSHOT_EVERY = 1000
# ... and as they age, this many per doubling of their age (the newest 2x this many all kept).
SNAPSHOTS_PER_DOUBLING = 4


@dataclass(slots=True)
class TrackerState:
    """A copy of the tracker's running state after some number of fixes."""

    km: float
    last: Fix | None
    placement: Placement | None
    motion: Motion
    days: DayLedger | RiderLedger
    first_time: datetime | None
    odometer: Odometer
    pace: PaceModel
    # The newest fix of each feed's source (not typed): (its index, it as given, the km given
    # beside it or None). A reopened log finds the last GPS fix here, not in its unread head.
    feeds: dict[str, tuple[int, Fix, float | None]]
    # The times of the typed fixes, in order (a few hundred an event): a shift's GPS gaps are
    # read from the fixes' times less these, with no fix built (companion/handover.py).
    typed_us: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class RunningState:
    """The tracker after its first `applied` fixes, for `resume` (saved with the log by
    companion/trackstate.py): the state then, and the km after and the time of (in microseconds
    since the epoch: exact) each of those fixes, so a reopened tracker answers when a km was
    reached without reading the fixes from the log."""

    applied: int
    state: TrackerState
    kms: array[float]
    times_us: array[int]
    # The state after the first `back` fixes too (a snapshot), and the fixes from there on, as
    # columns: an undo, an edit or a late entry among the last few thousand fixes replays from
    # it after a reopening, instead of reading the whole head and replaying every fix.
    back: int = 0
    back_state: TrackerState | None = None
    back_fixes: FixColumns | None = None


# (number of fixes applied, the state then), oldest first.
Snapshots = list[tuple[int, TrackerState]]


def keep_snapshot(snaps: Snapshots, applied: int, take: Callable[[], TrackerState]) -> Snapshots:
    """`snaps` with a copy (`take()`) after `applied` fixes when that is a multiple of
    SNAPSHOT_EVERY. Older ones are thinned out (a few per doubling of age): a week of 10 Hz fixes
    holds ~40 snapshots, not 6000, and an entry typed in late still replays little more than the
    fixes after it."""
    if applied % SNAPSHOT_EVERY:
        return snaps
    snaps.append((applied, take()))  # O(1): the speed window is shared
    return [(n, st) for n, st in snaps if n % _snapshot_step(applied - n) == 0]


def _snapshot_step(age: int) -> int:
    """The spacing of the snapshots kept `age` fixes back: SNAPSHOT_EVERY for the newest, then
    doubling with each doubling of their age (a multiple of a spacing stays one as it doubles)."""
    step = SNAPSHOT_EVERY
    while age >= 2 * SNAPSHOTS_PER_DOUBLING * step:
        step *= 2
    return step
