"""Rebuilding a tracker from every fix of a log, read as a stream (issue 11).

A full replay (a log with no saved state that fits: the first reopening after an upgrade of
the core, a damaged state) held every Fix of the log at once to sort them first: ~600 MB for a
day of 10 Hz fixes (864,000). The log is read in row order, which is nearly time order: a
feed's fixes are, a checkpoint typed in late, an edited time or a phone's buffered fixes are
not. So the fixes pass through a reorder buffer instead: held in a heap until the newest time
seen is `REORDER_S` past them (or the heap holds `REORDER_MAX`), then applied in (time, order
read) order; those late by less than that are sorted for free. One later still goes through
`Tracker.add`'s late path, inserted and replayed from the snapshot before it, as it would have
been live. Either way the state is the sorted replay's (`Tracker.add`'s promise; the order of
equal times is the order read, as the stable sort's).

`sorted_columns` does the same for a head read back from the log (core/deferred.py): the fixes
straight into columns (core/fixcolumns.py), the few out of order merged in once at the end.
"""

from __future__ import annotations

import heapq
from array import array
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from companion.core.fixcolumns import FixColumns
from companion.core.models import Fix

if TYPE_CHECKING:
    from companion.core.tracker import Tracker

# A checkpoint is typed in minutes after the place, rarely hours; an hour of 10 Hz fixes held
# is ~36,000 Fix objects (~10 MB).
REORDER_S = 3600.0
REORDER_MAX = 50_000


def rebuild(tr: Tracker, fixes: Iterable[Fix]) -> None:
    """Replace all of `tr`'s state by replaying `fixes` (any order) sorted by time."""
    for _read in rebuilding(tr, fixes):
        pass


def rebuilding(tr: Tracker, fixes: Iterable[Fix], every: int = 10_000) -> Iterator[int]:
    """`rebuild`, saying every `every` fixes read how many were (a day of 10 Hz fixes takes
    ~40 s: the dashboard stays live between the pieces). Stopped part way (closed), `tr` holds
    part of the log: its owner throws it away."""
    tr._fixes = FixColumns()
    tr._kms = array("d")
    tr._head_us = array("q")
    tr._reset()
    held: list[tuple[datetime, int, Fix]] = []
    window = timedelta(seconds=REORDER_S)
    # The newest time read, and it less the window (worked out only when the newest moves).
    newest = cut = datetime.min.replace(tzinfo=UTC)
    add, push, pop = tr.add, heapq.heappush, heapq.heappop
    say_at = every
    for n, fix in enumerate(fixes):
        t = fix.time
        push(held, (t, n, fix))
        if t > newest:
            newest, cut = t, t - window
        # Apply what nothing still to come is likely to precede.
        while held and (held[0][0] < cut or len(held) > REORDER_MAX):
            add(pop(held)[2])
        if n == say_at:
            yield n
            say_at += every
    while held:
        add(pop(held)[2])


def sorted_columns(fixes: Iterable[Fix]) -> FixColumns:
    """`fixes` (nearly in time order) sorted by time, equal times in the order given, as
    columns: no more than the columns and the out-of-order ones are held at once."""
    cols, late = FixColumns(), []
    newest: datetime | None = None
    for fix in fixes:
        if newest is not None and fix.time < newest:
            late.append(fix)  # stable: equal times keep the order given
            continue
        newest = fix.time
        cols.append(fix)
    if not late:
        return cols
    # A fix read in order precedes an out-of-order one of the same time: it was read first
    # (all read after the later fix that made this one late are later than it).
    late.sort(key=lambda f: f.time)
    merged = FixColumns()
    for fix in heapq.merge(cols, late, key=lambda f: f.time):
        merged.append(fix)
    return merged
