"""A fast feed's fixes waiting to be written, and what a failed write means.

Issue 10 F5: the batch used to be an open `BEGIN IMMEDIATE` transaction from its first fix to its
commit, so a checkpoint from another process waited behind it for up to a second at a time, and
often for many batches in a row. Now the batch waits here, in memory, and is written in one short
transaction (multi-row INSERTs) when it is due: the write lock is held for milliseconds. The risk
stays what it was: at most about `max_age_s` of feed fixes that a crash can lose.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC
from itertools import chain
from math import isfinite

from companion.core.models import Fix, with_km
from companion.core.times import EARLIEST, LATEST
from companion.logrows import to_iso

INSERT_FIX = (
    "INSERT INTO events (kind, logged_at, payload, time, lat, lon, km, source) "
    "VALUES ('fix', ?, ?, ?, ?, ?, ?, ?)"
)
# (logged_at, payload, time, lat, lon, km, source): the values of INSERT_FIX.
FixRow = tuple[str, str | None, str, float, float, float | None, str]
# Rows a batch writes per statement: 7 x 64 = 448 values, below SQLite's oldest limit (999).
ROWS_PER_INSERT = 64
_INSERT_MANY = INSERT_FIX.replace(
    "VALUES ('fix', ?, ?, ?, ?, ?, ?, ?)",
    "VALUES " + ", ".join(["('fix', ?, ?, ?, ?, ?, ?, ?)"] * ROWS_PER_INSERT),
)


# The payload's optional numbers, in the order logrows.fix_payload writes them.
_PAYLOAD_FLOATS = ("speed_mps", "course_deg", "alt_m", "accuracy_m")
# The usual payload of an RMC's fix, as json writes it (a float as its repr).
_RMC_PAYLOAD = '{"speed_mps": %s, "course_deg": %s}'
# The reprs of the speeds and courses seen lately (issue 11): a receiver's knots and degrees
# have one or two decimals, so a feed repeats a few hundred values, and a repr is ~0.4 us.
# Zeros are never kept: 0.0 and -0.0 are one key but two texts. Emptied past its bound.
_REPRS: dict[float, str] = {}
_REPRS_KEPT = 1024


def _float_text(value: float) -> str:
    """repr(value) of a finite float, kept unless it is a zero."""
    text = _REPRS.get(value)
    if text is None:
        text = repr(value)
        if value:
            if len(_REPRS) >= _REPRS_KEPT:
                _REPRS.clear()
            _REPRS[value] = text
    return text


def plain_row(fix: Fix, logged_at: str, km_beside: float | None = None) -> FixRow | None:
    """A feed's usual fix as the row `Logbook.append_fix` writes, built in one go: an aware UTC
    time inside the window every stored time must be in (core/times.py), a plain payload. None
    for anything else: the logbook then checks and writes it the slow way. With `km_beside`,
    the row of `with_km(fix, km_beside)` (feedblock.py builds no second Fix)."""
    when = fix.time
    if when.tzinfo is not UTC or not EARLIEST <= when < LATEST:
        return None
    plain, text = plain_payload(fix, km_beside)
    if not plain:
        return None
    km = fix.km if km_beside is None else km_beside
    return (logged_at, text, to_iso(when), fix.lat, fix.lon, km, fix.source)


def plain_payload(fix: Fix, km_beside: float | None = None) -> tuple[bool, str | None]:
    """A plain feed fix's payload JSON, written without building and dumping a dict (of
    `with_km(fix, km_beside)` when that is given: the km is checked, never written here).

    Returns (True, the text `json.dumps(fix_payload(fix))` gives, or None) when the fix is one the
    replay reads back for certain: float coordinates in range, a finite float km or none, finite
    float speeds, an int count of satellites, no label or mark. (False, None) for anything else:
    the logbook then writes it the slow way and reads it back before storing it.
    """
    lat, lon, km = fix.lat, fix.lon, fix.km if km_beside is None else km_beside
    if (
        type(lat) is not float or type(lon) is not float or not -90.0 <= lat <= 90.0
        or not -180.0 <= lon <= 180.0 or type(fix.source) is not str or fix.label or fix.mark
        or (km is not None and (type(km) is not float or not -1e7 <= km <= 1e7))
    ):  # fmt: skip
        return False, None  # (a NaN fails the range tests too)
    speed, course = fix.speed_mps, fix.course_deg
    if (
        type(speed) is float and type(course) is float and isfinite(speed) and isfinite(course)
        and fix.alt_m is None and fix.accuracy_m is None and fix.sats is None
    ):  # fmt: skip
        # An RMC's fix: one format, no loop.
        return True, _RMC_PAYLOAD % (_float_text(speed), _float_text(course))
    parts = []
    for name in _PAYLOAD_FLOATS:
        value = getattr(fix, name)
        if value is None:
            continue
        if type(value) is not float or not math.isfinite(value):
            return False, None
        parts.append(f'"{name}": {value!r}')  # json writes a float as its repr
    sats = fix.sats
    if sats is not None:
        if type(sats) is not int:
            return False, None
        parts.append(f'"sats": {sats!r}')
    return True, "{" + ", ".join(parts) + "}" if parts else None


class FixBatch:
    """Feed fixes not yet written, oldest first, with the monotonic time the oldest arrived."""

    def __init__(self, max_age_s: float, monotonic: Callable[[], float]) -> None:
        self.max_age_s = max_age_s
        self._monotonic = monotonic
        self._rows: list[FixRow] = []
        self._fixes: list[Fix] = []
        self._oldest: float | None = None

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, fix: Fix, row: FixRow) -> None:
        self._rows.append(row)
        self._fixes.append(fix)
        if self._oldest is None:
            self._oldest = self._monotonic()

    def extend(self, fixes: Sequence[Fix], rows: Sequence[FixRow]) -> None:
        """`add` for each fix and its row, in order."""
        if rows:
            self._rows += rows
            self._fixes += fixes
            if self._oldest is None:
                self._oldest = self._monotonic()

    def due(self) -> bool:
        """The oldest fix has waited `max_age_s`: time to write the batch."""
        return self._oldest is not None and self._monotonic() - self._oldest >= self.max_age_s

    def write(self, conn: sqlite3.Connection) -> list[int]:
        """Insert the batch inside the caller's open write transaction; return the new ids.

        The batch stays here until `clear()`: the caller clears it once the commit returned.
        """
        rows = self._rows
        if not rows:
            return []
        # Whole groups of rows as one multi-row INSERT each (a row costs half what it does in
        # executemany, which steps the statement once a row), the rest by executemany.
        whole = len(rows) - len(rows) % ROWS_PER_INSERT
        if whole:
            values = list(chain.from_iterable(rows[:whole]))
            step = ROWS_PER_INSERT * len(rows[0])
            for i in range(0, len(values), step):
                conn.execute(_INSERT_MANY, values[i : i + step])
        conn.executemany(INSERT_FIX, rows[whole:])
        # The write lock is held, so nobody else inserted in between: AUTOINCREMENT gave the
        # rows consecutive ids ending at the last one inserted.
        last = int(conn.execute("SELECT last_insert_rowid()").fetchone()[0])
        return list(range(last - len(self._rows) + 1, last + 1))

    def unsaved(self) -> tuple[Fix, ...]:
        """The batch's fixes as logged, before a `clear()` after a failed write: each with the
        km its row holds (a block's fixes were batched with their km beside them, not in them;
        a fix whose row holds its own km is handed back as itself)."""
        return tuple(
            fix if row[5] is fix.km else with_km(fix, row[5])
            for fix, row in zip(self._fixes, self._rows, strict=True)
        )

    def clear(self) -> tuple[Fix, ...]:
        """Forget the batch (written, or lost with a failed transaction); return its fixes."""
        fixes = tuple(self._fixes)
        self._rows.clear()
        self._fixes.clear()
        self._oldest = None
        return fixes
