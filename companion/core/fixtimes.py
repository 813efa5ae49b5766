"""The times of the fixes a tracker holds, read from the fixes themselves (issue 11, MEM).

The tracker bisects its fixes by time (where a late entry goes, the fix at a time, when a km
was reached). Held in a column of their own beside the fixes' columns (core/fixcolumns.py),
they were the same microseconds twice: 7 MB for a day of 10 Hz. This view reads them from the
fixes' columns, and those of a head not read back from the log (core/deferred.py) from the
saved state's array, so no time is held twice and no row is read to answer one.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from datetime import datetime
from typing import overload

from companion.core.deferred import Deferred
from companion.core.fixcolumns import FixColumns
from companion.core.models import Fix
from companion.core.runstate import from_us, to_us


class FixTimes(Sequence[datetime]):
    """`[f.time for f in fixes]` without building a fix or holding a time."""

    __slots__ = ("_fixes", "_head_us")

    def __init__(self, fixes: Sequence[Fix], head_us: array[int]) -> None:
        self._fixes = fixes
        self._head_us = head_us  # the times of a Deferred's head (the saved state's)

    @property
    def head_len(self) -> int:
        """How many leading fixes are not read back from the log yet (their times are known)."""
        fixes = self._fixes
        return fixes.head_len if isinstance(fixes, Deferred) else 0

    def __len__(self) -> int:
        return len(self._fixes)

    @overload
    def __getitem__(self, i: int) -> datetime: ...
    @overload
    def __getitem__(self, i: slice) -> list[datetime]: ...
    def __getitem__(self, i: int | slice) -> datetime | list[datetime]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        fixes = self._fixes
        n = len(fixes)
        j = n + i if i < 0 else i
        if not 0 <= j < n:
            raise IndexError("FixTimes index out of range")
        if isinstance(fixes, Deferred):
            head = fixes.head_len
            if j < head:
                return from_us(self._head_us[j])
            j -= head
            fixes = fixes.held
        if isinstance(fixes, FixColumns):
            return fixes.time_at(j)
        return fixes[j].time

    def micros(self, copy: bool = True) -> array[int]:
        """Every time as microseconds since the epoch: a copy, unless `copy` is False and the
        fixes are all in columns (then the columns' own array: not to be changed or kept)."""
        fixes = self._fixes
        if isinstance(fixes, FixColumns):
            return fixes.micros(copy)
        if not isinstance(fixes, Deferred):
            return array("q", [to_us(f.time) for f in fixes])
        out = self._head_us[: fixes.head_len]
        held = fixes.held
        if isinstance(held, FixColumns):
            out.extend(held.micros(copy=False))
        else:
            out.extend(to_us(f.time) for f in held)
        return out
