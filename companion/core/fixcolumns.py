"""The fixes a tracker has applied, held as columns of numbers rather than as objects (issue 11).

A week of 10 Hz GPS is millions of fixes, and a Fix object with its datetime and its floats
costs ~420 bytes: a day of them (864,000) held 360 MB. Here a plain feed fix is ~70 bytes in
arrays (its time in microseconds, its numbers as doubles, its source as an index into a short
list) and is built again, equal field for field, when something reads it (a late entry's replay,
an undo, an export: rare). A fix the columns could not give back exactly (a label or a mark, a
NaN, an int where a float was, a time not in UTC) is held as itself, beside them.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, MutableSequence
from datetime import UTC, datetime, timedelta
from typing import cast, overload

from companion.core.models import Fix, fix_of, with_km
from companion.core.riderdays import to_us

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def from_us(us: int) -> datetime:
    """The aware UTC datetime `us` microseconds after the epoch (exact: `to_us`'s inverse)."""
    return _EPOCH + timedelta(microseconds=us)


_NONE = math.nan  # an optional number that is None (a NaN itself is held as an odd fix)
_NO_SATS = -1
_MAX_SOURCES = 250  # more distinct sources than this (never seen): the rest are held as odd


def _nones(n: int) -> array[float]:
    return array("d", [_NONE]) * n


def _column(value: float | None) -> float | None:
    """`value` as stored in a column of doubles, or None when the column cannot hold it."""
    if value is None:
        return _NONE
    if type(value) is not float or value != value:  # an int, a bool, a NaN: not given back as is
        return None
    return value


class FixColumns(MutableSequence[Fix]):
    """A list of fixes (in the caller's order) holding each plain one as a row of numbers."""

    __slots__ = ("_lat", "_lon", "_odd", "_opt", "_sats", "_sources", "_src", "_us")

    def __init__(self, fixes: Iterable[Fix] = ()) -> None:
        self._clear()
        for fix in fixes:
            self.append(fix)

    def _clear(self) -> None:
        self._us: array[int] = array("q")
        self._lat: array[float] = array("d")
        self._lon: array[float] = array("d")
        self._src: array[int] = array("B")
        # km, speed, course, altitude, accuracy (NaN for None) and satellites (-1): each column
        # is empty while every fix so far had None there (an RMC has no altitude), else full.
        self._opt: tuple[array[float], ...] = tuple(array("d") for _ in range(5))
        self._sats: array[int] = array("h")
        self._sources: list[str] = []
        self._odd: dict[int, Fix] = {}  # index -> a fix the columns cannot hold exactly

    @property
    def odd_count(self) -> int:
        """How many fixes are held as objects (the rest are numbers only)."""
        return len(self._odd)

    def __len__(self) -> int:
        return len(self._us)

    def _row(self, fix: Fix) -> tuple[int, float, float, int, tuple[float, ...], int] | None:
        """The columns' values for `fix`, or None when it must be held as itself."""
        t, lat, lon = fix.time, fix.lat, fix.lon
        if t.tzinfo is not UTC or fix.label or fix.mark or type(lat) is not float:
            return None
        if type(lon) is not float or lat != lat or lon != lon:
            return None
        opt = (
            _column(fix.km), _column(fix.speed_mps), _column(fix.course_deg), _column(fix.alt_m),
            _column(fix.accuracy_m),
        )  # fmt: skip
        if None in opt:
            return None
        sats = fix.sats
        if sats is None:
            sats = _NO_SATS
        elif type(sats) is not int or not 0 <= sats < 32768:
            return None
        try:
            src = self._sources.index(fix.source)
        except ValueError:
            if len(self._sources) >= _MAX_SOURCES or type(fix.source) is not str:
                return None
            src = len(self._sources)
            self._sources.append(fix.source)
        return to_us(t), lat, lon, src, cast("tuple[float, ...]", opt), sats

    def append(self, fix: Fix, km_beside: float | None = None) -> None:
        """Hold `fix`; with `km_beside`, as `with_km(fix, km_beside)` (a feed's block path: the
        km it fell at beside it, no second Fix built). None: the fix's own km."""
        # The usual feed fix, as the next row without `_row`'s calls (every fix at 10 Hz; written
        # out per column, as a loop over them cost as much again): a known source, and each
        # number (the satellites too) one for a column already held, or None. Anything else (a
        # column's first number, an odd fix) goes the general way below.
        t, lat, lon, source, sats = fix.time, fix.lat, fix.lon, fix.source, fix.sats
        km = fix.km if km_beside is None else km_beside
        sp, co, al, ac = fix.speed_mps, fix.course_deg, fix.alt_m, fix.accuracy_m
        ck, cs, cc, ca, cx = self._opt
        sources, sats_col = self._sources, self._sats
        if (
            t.tzinfo is UTC and not fix.label and not fix.mark and type(lat) is float
            and type(lon) is float and lat == lat and lon == lon and source in sources
            and (km is None or (type(km) is float and km == km and ck))
            and (sp is None or (type(sp) is float and sp == sp and cs))
            and (co is None or (type(co) is float and co == co and cc))
            and (al is None or (type(al) is float and al == al and ca))
            and (ac is None or (type(ac) is float and ac == ac and cx))
            and (
                (sats is None and not sats_col)
                or (sats_col and (sats is None or (type(sats) is int and 0 <= sats < 32768)))
            )
        ):  # fmt: skip
            self._us.append(to_us(t))
            self._lat.append(lat)
            self._lon.append(lon)
            self._src.append(sources.index(source))
            # A None is a NaN in a column held, nothing in one not (yet) held.
            if km is not None:
                ck.append(km)
            elif ck:
                ck.append(_NONE)
            if sp is not None:
                cs.append(sp)
            elif cs:
                cs.append(_NONE)
            if co is not None:
                cc.append(co)
            elif cc:
                cc.append(_NONE)
            if al is not None:
                ca.append(al)
            elif ca:
                ca.append(_NONE)
            if ac is not None:
                cx.append(ac)
            elif cx:
                cx.append(_NONE)
            if sats_col:
                sats_col.append(_NO_SATS if sats is None else sats)
            return
        if km_beside is not None:
            fix = with_km(fix, km_beside)  # rare here (a column's first number, an odd fix)
        row = self._row(fix)
        if row is None:
            self.insert(len(self._us), fix)
            return
        us, lat, lon, src, opt, sats = row
        n = len(self._us)
        self._us.append(us)
        self._lat.append(lat)
        self._lon.append(lon)
        self._src.append(src)
        for col, value in zip(self._opt, opt, strict=True):
            if value == value:
                if not col and n:
                    col.extend(_nones(n))
                col.append(value)
            elif col:
                col.append(_NONE)
        if sats != _NO_SATS or self._sats:
            if not self._sats and n:
                self._sats.extend(array("h", [_NO_SATS]) * n)
            self._sats.append(sats)

    def insert(self, index: int, fix: Fix) -> None:
        n = len(self._us)
        i = max(0, min(n + index if index < 0 else index, n))
        row = self._row(fix)
        if i < n and self._odd:  # the odd ones after it move up one place
            self._odd = {(k + 1 if k >= i else k): f for k, f in self._odd.items()}
        if row is None:
            self._odd[i] = fix
            row = (0, 0.0, 0.0, 0, (_NONE,) * 5, _NO_SATS)
        us, lat, lon, src, opt, sats = row
        self._us.insert(i, us)
        self._lat.insert(i, lat)
        self._lon.insert(i, lon)
        self._src.insert(i, src)
        for col, value in zip(self._opt, opt, strict=True):
            if value == value:  # a number: the column is filled in up to here if need be
                if not col and n:
                    col.extend(_nones(n))
                col.insert(i, value)
            elif col:
                col.insert(i, _NONE)
        if sats != _NO_SATS or self._sats:
            if not self._sats and n:
                self._sats.extend(array("h", [_NO_SATS]) * n)
            self._sats.insert(i, sats)

    def _get(self, i: int) -> Fix:
        odd = self._odd.get(i)
        if odd is not None:
            return odd
        km, speed, course, alt, acc = (col[i] if col else _NONE for col in self._opt)
        sats = self._sats[i] if self._sats else _NO_SATS
        return fix_of(
            from_us(self._us[i]), self._lat[i], self._lon[i], self._sources[self._src[i]],
            None if km != km else km, None if speed != speed else speed,
            None if course != course else course, None if alt != alt else alt,
            None if acc != acc else acc, None if sats == _NO_SATS else sats, "", "",
        )  # fmt: skip

    def _index(self, i: int) -> int:
        n = len(self._us)
        j = n + i if i < 0 else i
        if not 0 <= j < n:
            raise IndexError("FixColumns index out of range")
        return j

    @overload
    def __getitem__(self, i: int) -> Fix: ...
    @overload
    def __getitem__(self, i: slice) -> list[Fix]: ...
    def __getitem__(self, i: int | slice) -> Fix | list[Fix]:
        if isinstance(i, slice):
            return [self._get(j) for j in range(*i.indices(len(self._us)))]
        return self._get(self._index(i))

    @overload
    def __setitem__(self, i: int, value: Fix) -> None: ...
    @overload
    def __setitem__(self, i: slice, value: Iterable[Fix]) -> None: ...
    def __setitem__(self, i: int | slice, value: Fix | Iterable[Fix]) -> None:
        if isinstance(i, slice):  # rare (a Deferred putting its head in front): rebuilt whole
            fixes = list(self)
            fixes[i] = value  # type: ignore[assignment]
            self._clear()
            for fix in fixes:
                self.append(fix)
            return
        assert isinstance(value, Fix)
        j = self._index(i)
        del self[j]
        self.insert(j, value)

    def __delitem__(self, i: int | slice) -> None:
        if isinstance(i, slice):
            fixes = list(self)
            del fixes[i]
            self._clear()
            for fix in fixes:
                self.append(fix)
            return
        j = self._index(i)
        del self._us[j], self._lat[j], self._lon[j], self._src[j]
        if self._sats:
            del self._sats[j]
        for col in self._opt:
            if col:
                del col[j]
        if self._odd:  # the odd ones after it move down one place
            self._odd.pop(j, None)
            self._odd = {(k - 1 if k > j else k): f for k, f in self._odd.items()}

    def time_at(self, i: int) -> datetime:
        """The time of fix `i` without building the fix."""
        j = self._index(i)
        odd = self._odd.get(j)
        return odd.time if odd is not None else from_us(self._us[j])

    def suffix(self, i: int) -> FixColumns:
        """The fixes from index `i` on, as columns of their own (no fix built)."""
        out = FixColumns()
        out._us, out._lat, out._lon = self._us[i:], self._lat[i:], self._lon[i:]
        out._src = self._src[i:]
        out._opt = tuple(col[i:] for col in self._opt)
        out._sats = self._sats[i:]
        out._sources = self._sources.copy()
        out._odd = {k - i: f for k, f in self._odd.items() if k >= i}
        return out

    def well_formed(self) -> bool:
        """Every column of the fixes' length (an optional one may be empty: none had it), each
        source code one of its sources, each fix held as itself at an index of the columns:
        what a state read back must hold (a crafted one could pass the type check and break
        at a read in front of the crew)."""
        n = len(self._us)
        optional: tuple[array[float] | array[int], ...] = (self._sats, *self._opt)
        return (
            len(self._lat) == len(self._lon) == len(self._src) == n and len(self._opt) == 5
            and all(len(c) in (0, n) for c in optional)
            and (not self._src or max(self._src) < len(self._sources))
            and all(type(k) is int and 0 <= k < n for k in self._odd)
        )  # fmt: skip

    def truncate(self, k: int) -> None:
        """Keep the first `k` fixes only (no fix built: `del self[k:]` builds them all)."""
        del self._us[k:], self._lat[k:], self._lon[k:], self._src[k:]
        for col in self._opt:
            del col[k:]
        del self._sats[k:]
        if self._odd:
            self._odd = {i: f for i, f in self._odd.items() if i < k}

    def micros(self, copy: bool = True) -> array[int]:
        """Every fix's time as microseconds since the epoch: a copy, unless `copy` is False and
        every fix is in the columns (then the column itself: not to be changed or kept)."""
        if not copy and not self._odd:
            return self._us
        us = self._us[:]
        for i, fix in self._odd.items():  # held as themselves: their place holds no time
            us[i] = to_us(fix.time)
        return us
