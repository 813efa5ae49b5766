"""The sharing tables in the event's SQLite log: the log is the outbox.

- `share_cursor`: per broker, the id of the last row it acknowledged. After each (re)connect the
  publisher sends the rows after it, in order; nothing waits in memory only.
- `share_peer_rows`: per (unit, remote id), the local row a peer's entry was merged into, so a
  row received twice (QoS 1 is at least once; a bridge resends after a restart) is merged once,
  and a peer's undo or edit finds the fix it refers to.

A peer's rows join the `events` table as ordinary rows, their source marked with the unit
("manual@car2"), so reopening the event replays them like any other; they are never published
again. This module has its own connection to the log (WAL: the Logbook's readers and writers
are not blocked); like a Logbook it is used from the thread that opened it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from companion.core.models import Fix
from companion.core.times import shown
from companion.logrows import RowError, fix_from_row, from_iso, stored_fix_time, to_iso
from companion.logschema import BUSY_TIMEOUT_S, LogbookError

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS share_cursor (broker TEXT PRIMARY KEY, last_id INTEGER NOT NULL)",
    """CREATE TABLE IF NOT EXISTS share_peer_rows (
        unit TEXT NOT NULL, remote_id INTEGER NOT NULL, local_id INTEGER,
        PRIMARY KEY (unit, remote_id))""",
    "CREATE INDEX IF NOT EXISTS share_peer_local ON share_peer_rows(local_id)",
)
# What is shared: the crew's entries, their undos and edits, and the feed's fixes (thinned by the
# publisher). Feed status and notes stay in the car.
_OWN_ROWS = """
SELECT id, kind, time, lat, lon, km, source, ref, payload FROM events
WHERE id > ? AND id <= ? AND kind IN ('fix', 'undo', 'edit')
  AND NOT EXISTS (SELECT 1 FROM share_peer_rows AS p WHERE p.local_id = events.id)
ORDER BY id LIMIT ?
"""
PEER_MARK = "@"  # "manual@car2": a peer's entry, with the unit it came from
# A peer's fix (or edit) may be stamped this far ahead of this car's clock (clocks differ a
# little); further, its phone's clock is wrong and it would be "the latest position" for hours.
PEER_AHEAD = timedelta(minutes=5)


class AheadOfClock(RowError):
    """A peer's row stamped too far ahead of this car's clock (refused, with the unit named)."""


def peer_source(source: str, unit: str) -> str:
    return f"{source}{PEER_MARK}{unit}"


def is_peer_source(source: str | None) -> bool:
    return source is not None and PEER_MARK in source


@dataclass(frozen=True, slots=True)
class OwnRow:
    """A row of this car's log, as it is published."""

    id: int
    kind: str  # "fix", "undo", "edit"
    time: str | None
    lat: float | None
    lon: float | None
    km: float | None
    source: str | None
    ref: int | None
    payload: dict[str, Any] | None

    @property
    def is_gps(self) -> bool:
        return self.kind == "fix" and self.source != "manual"


@dataclass(frozen=True, slots=True)
class Merged:
    """A peer's row now in this log: a fix (as the tracker takes it), an undo or an edit."""

    kind: str
    fix: Fix | None


@dataclass(frozen=True, slots=True)
class PeerRow:
    """A row of a peer's log as received (checked by `messages.parse_log`)."""

    unit: str
    id: int
    kind: str
    time: str | None
    lat: float | None
    lon: float | None
    km: float | None
    source: str | None
    ref: int | None
    payload: dict[str, Any] | None


class ShareStore:
    """The sharing tables of one event's log."""

    def __init__(self, path: Path, clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.path = path
        self._clock = clock
        try:
            self._conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            self._conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            tables = {
                r[0]
                for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            if "events" not in tables:
                raise LogbookError(f"{path}: not a Companion logbook (no events table)")
            for statement in _SCHEMA:
                self._conn.execute(statement)
        except sqlite3.Error as e:
            raise LogbookError(f"{path}: cannot open the log for sharing: {e}") from None

    def cursor(self, broker: str) -> int:
        """The id of the last row `broker` acknowledged (0: none yet)."""
        row = self._conn.execute(
            "SELECT last_id FROM share_cursor WHERE broker = ?", (broker,)
        ).fetchone()
        return int(row[0]) if row else 0

    def advance(self, broker: str, last_id: int) -> None:
        """`broker` acknowledged every shared row up to `last_id` (never moves back)."""
        with self._errors("save the sharing cursor"):
            self._conn.execute(
                "INSERT INTO share_cursor (broker, last_id) VALUES (?, ?) ON CONFLICT(broker) "
                "DO UPDATE SET last_id = max(last_id, excluded.last_id)",
                (broker, last_id),
            )

    def rows_after(self, last_id: int, limit: int = 500) -> tuple[list[OwnRow], int]:
        """This car's shareable rows after `last_id`, in order, and the id read up to."""
        with self._errors("read the log"):
            # The top first: a row committed after it waits for the next call, never skipped.
            top = self._conn.execute("SELECT max(id) FROM events").fetchone()[0] or 0
            rows = self._conn.execute(_OWN_ROWS, (last_id, top, limit)).fetchall()
        out = [_own(r) for r in rows]
        # Fewer than `limit`: everything up to the top was read (peer rows are skipped over).
        upto = out[-1].id if len(out) == limit else max(top, last_id)
        return out, upto

    def last_id(self) -> int:
        with self._errors("read the log"):
            return int(self._conn.execute("SELECT max(id) FROM events").fetchone()[0] or 0)

    def merge(self, row: PeerRow) -> Merged | None:
        """Merge a peer's row into the log once; None for a duplicate or an undo/edit of a fix
        this car never got (a thinned GPS fix).

        Raises:
            RowError: a fix this log could not read back (refused, not stored).
        """
        fix = None
        if row.kind == "fix":
            text = json.dumps(row.payload, ensure_ascii=False) if row.payload else None
            source = peer_source(row.source or "?", row.unit)
            fix = fix_from_row((0, "fix", row.time, row.lat, row.lon, row.km, source, None, text))
        elif row.kind == "edit":
            stored_fix_time(row.time)
        if row.kind != "undo":
            self._check_clock(row)
        with self._errors("merge a peer's entry"):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                seen = self._conn.execute(
                    "SELECT 1 FROM share_peer_rows WHERE unit = ? AND remote_id = ?",
                    (row.unit, row.id),
                ).fetchone()
                local = None if seen else self._insert(row)
                if not seen:
                    self._conn.execute(
                        "INSERT INTO share_peer_rows (unit, remote_id, local_id) VALUES (?, ?, ?)",
                        (row.unit, row.id, local),
                    )
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
        return Merged(row.kind, fix) if local is not None else None

    def _check_clock(self, row: PeerRow) -> None:
        """Raises AheadOfClock for a fix or edit more than PEER_AHEAD past this car's clock."""
        when, now = from_iso(row.time), self._clock()
        ahead = when - now
        if ahead > PEER_AHEAD:
            h, m = divmod(int(ahead.total_seconds() // 60), 60)
            raise AheadOfClock(
                f"{row.unit}'s {row.kind} at {shown(when)} is {h} h {m:02d} min ahead of this "
                f"car's clock ({shown(now)}): refused; is {row.unit}'s clock wrong?"
            )

    def _insert(self, row: PeerRow) -> int | None:
        logged = to_iso(self._clock())
        if row.kind == "fix":
            text = json.dumps(row.payload, ensure_ascii=False) if row.payload else None
            cur = self._conn.execute(
                "INSERT INTO events (kind, logged_at, time, lat, lon, km, source, payload) "
                "VALUES ('fix', ?, ?, ?, ?, ?, ?, ?)",
                (
                    logged,
                    row.time,
                    row.lat,
                    row.lon,
                    row.km,
                    peer_source(row.source or "?", row.unit),
                    text,
                ),
            )
            return cur.lastrowid
        ref = self._conn.execute(
            "SELECT local_id FROM share_peer_rows WHERE unit = ? AND remote_id = ?",
            (row.unit, row.ref),
        ).fetchone()
        if ref is None or ref[0] is None:
            return None  # a fix we never got: nothing to undo or edit here
        payload = {"time": row.time} if row.kind == "edit" else None
        cur = self._conn.execute(
            "INSERT INTO events (kind, logged_at, time, source, ref, payload) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (row.kind, logged, row.time, peer_source("peer", row.unit), ref[0],
             json.dumps(payload) if payload else None),
        )  # fmt: skip
        return cur.lastrowid

    def merged_count(self, unit: str) -> int:
        with self._errors("read the log"):
            row = self._conn.execute(
                "SELECT count(*) FROM share_peer_rows WHERE unit = ? AND local_id IS NOT NULL",
                (unit,),
            ).fetchone()
        return int(row[0])

    def close(self) -> None:
        self._conn.close()

    def _errors(self, what: str) -> _Errors:
        return _Errors(self.path, what)


class _Errors:
    """sqlite3 errors as a LogbookError naming the file."""

    def __init__(self, path: Path, what: str) -> None:
        self.path, self.what = path, what

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, e: BaseException | None, tb: object
    ) -> None:
        if isinstance(e, sqlite3.Error):
            raise LogbookError(f"{self.path}: cannot {self.what}: {e}") from e


def _own(r: tuple[Any, ...]) -> OwnRow:
    try:
        payload = json.loads(r[8]) if r[8] else None
    except ValueError:
        payload = None  # a damaged payload: the replay sets the row aside, peers get it bare
    return OwnRow(
        r[0],
        r[1],
        r[2],
        r[3],
        r[4],
        r[5],
        r[6],
        r[7],
        payload if isinstance(payload, dict) else None,
    )


__all__ = [
    "AheadOfClock", "Merged", "OwnRow", "PeerRow", "RowError", "ShareStore", "is_peer_source",
    "peer_source",
]  # fmt: skip
