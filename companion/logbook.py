"""The event log: every fix, undo, edit and feed status change, in one SQLite file per event.

The `events` table is append-only. An undo or an edit is a new row whose `ref` points at the fix it
changes, so nothing is ever deleted and reopening a database replays it into exactly the state it
had: `effective_fixes()` is what a Tracker is rebuilt from.

Durability: the database is in WAL mode with `synchronous=FULL`, so a committed row survives a
crash of the program and of the machine. Manual entries (and undos, edits, feed and note events) are
committed before the call returns. A fast GPS feed may pass `commit=False`: its fixes then wait in
an open transaction that is committed as soon as the oldest of them is `batch_max_age_s` (1 s) old,
checked on every append, and by `flush()`, which the caller runs from a timer at least once a
second. So a crash loses at most about one second of batched GPS fixes, never a manual entry.

Two processes may write the same database: SQLite serialises them and a writer waits up to
`BUSY_TIMEOUT_S` for the other's transaction to end. `readonly=True` opens it for reading only.

A Logbook, like its sqlite3 connection, is used from the thread that opened it.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self
from urllib.parse import quote

from companion.core.models import CompanionError, Fix
from companion.core.times import time_problem
from companion.logrows import (
    ENTRIES_QUERY,
    FIX_COLUMNS,
    LogEntry,
    RowError,
    SetAside,
    fix_from_row,
    fix_payload,
    from_iso,
    read_entry,
    stored_fix_time,
    to_iso,
)

__all__ = [
    "BATCH_MAX_AGE_S",
    "SCHEMA_VERSION",
    "LogEntry",
    "Logbook",
    "LogbookError",
    "SetAside",
    "from_iso",
    "to_iso",
]

SCHEMA_VERSION = 1
# How long a second writer waits for the first one's transaction before giving up. A batched
# transaction lasts at most about a second, so this is generous even for a slow SD card.
BUSY_TIMEOUT_S = 30.0
BATCH_MAX_AGE_S = 1.0
KINDS = ("fix", "undo", "edit", "feed", "note")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    logged_at TEXT NOT NULL,
    time TEXT,
    lat REAL,
    lon REAL,
    km REAL,
    source TEXT,
    ref INTEGER REFERENCES events(id),
    payload TEXT
);
-- "is this fix undone / edited?" and "the latest manual fix" must not scan a day of 1 Hz fixes.
CREATE INDEX IF NOT EXISTS events_ref ON events(ref) WHERE ref IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_manual ON events(id) WHERE kind = 'fix' AND source = 'manual';
"""

_LAST_MANUAL = """
SELECT id FROM events AS e
WHERE kind = 'fix' AND source = 'manual'
  AND NOT EXISTS (SELECT 1 FROM events AS u WHERE u.kind = 'undo' AND u.ref = e.id)
ORDER BY id DESC
"""

_IS_UNDONE = "SELECT 1 FROM events WHERE kind = 'undo' AND ref = ? LIMIT 1"
_EDITS = "SELECT time FROM events WHERE kind = 'edit' AND ref = ? ORDER BY id DESC"


class LogbookError(CompanionError):
    """A logbook that cannot be opened or written (the message names the file)."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Logbook:
    """The SQLite log of one event. Create with `Logbook.open`."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path,
        *,
        readonly: bool,
        event_name: str | None,
        clock: Callable[[], datetime],
        monotonic: Callable[[], float],
        batch_max_age_s: float,
    ) -> None:
        self._conn = conn
        self.path = path
        self.readonly = readonly
        self.event_name = event_name
        self.batch_max_age_s = batch_max_age_s
        self._clock = clock
        self._monotonic = monotonic
        self._pending: list[int] = []
        self._closed = False
        # Rows the last replay could not read, so left out: the caller shows them (issue 10).
        self.set_aside: list[SetAside] = []
        self._oldest_pending: float | None = None  # monotonic time of the first uncommitted fix

    @classmethod
    def open(
        cls,
        path: Path | str,
        readonly: bool = False,
        *,
        event_name: str | None = None,
        clock: Callable[[], datetime] = _utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        batch_max_age_s: float = BATCH_MAX_AGE_S,
    ) -> Logbook:
        """Open (and, unless read-only, create) the logbook at `path`.

        Args:
            path: the database file; its directory is created when writable.
            readonly: open for reading only; every write raises LogbookError.
            event_name: stored in a new database's `meta` table, for a person inspecting it.
            clock: wall clock for `logged_at` (tests freeze it).
            monotonic: clock for the batching rule.
            batch_max_age_s: the most time a batched fix may wait uncommitted.

        Raises:
            LogbookError: not a SQLite database, not a Companion logbook, written by a newer
                Companion, missing (read-only), or locked by another writer for too long.
        """
        path = Path(path)
        try:
            if readonly:
                if not path.is_file():
                    raise LogbookError(f"{path}: no logbook there to open read-only")
                uri = f"file:{quote(str(path.absolute()))}?mode=ro"
                conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except (sqlite3.Error, OSError) as e:
            raise LogbookError(f"{path}: cannot open the logbook: {e}") from None
        try:
            name = _prepare(conn, path, readonly=readonly, event_name=event_name)
        except BaseException:
            conn.close()
            raise
        return cls(
            conn,
            path,
            readonly=readonly,
            event_name=name,
            clock=clock,
            monotonic=monotonic,
            batch_max_age_s=batch_max_age_s,
        )

    # -- writing ---------------------------------------------------------------------------

    @property
    def pending_count(self) -> int:
        """Batched fixes appended but not yet committed."""
        return len(self._pending)

    def append_fix(self, fix: Fix, commit: bool = True) -> int:
        """Log one fix and return its id.

        Args:
            fix: the fix; its time must be aware. Manual fixes are always committed at once.
            commit: false for a fast feed: the fix joins a batch committed once the oldest batched
                fix is `batch_max_age_s` old (checked here and in `flush()`).
        """
        cols = {"time": self._storable(fix.time), "lat": fix.lat, "lon": fix.lon, "km": fix.km}
        payload = fix_payload(fix)
        try:  # never store what the replay could not read back
            fix_from_row((0, "fix", *cols.values(), fix.source, None, _json(payload)))
        except RowError as e:
            raise LogbookError(f"{self.path}: cannot log a fix: {e}") from None
        with self._write("log a fix"):
            fix_id = self._insert("fix", payload, source=fix.source, **cols)
            if commit or fix.is_manual:
                self._commit()
            else:
                now = self._monotonic()
                self._pending.append(fix_id)
                if self._oldest_pending is None:
                    self._oldest_pending = now
                if now - self._oldest_pending >= self.batch_max_age_s:
                    self._commit()
        return fix_id

    def flush(self) -> None:
        """Commit the batched fixes, if any. Run at least once a second while a feed batches."""
        if not self.readonly:
            with self._sql_errors("commit the log"):
                self._commit()

    def undo_last_manual(self) -> Fix | None:
        """Undo the latest manual fix not already undone, by logging an "undo" event.

        Returns:
            The fix undone (with any edit applied), or None when there is nothing to undo.
        """
        # Look up and undo in one write transaction, so two processes cannot undo the same fix.
        with self._write("undo"):
            found = self._last_manual_row()
            if found is None:
                self._commit()
                return None
            fix = self._effective_fix(found[0])
            self._insert("undo", None, time=to_iso(fix.time), ref=found[0])
            self._commit()
        return fix

    def edit_time(self, fix_id: int, new_time: datetime) -> Fix:
        """Change the time of a logged fix, by logging an "edit" event that refers to it.

        Returns:
            The fix as it now counts.

        Raises:
            LogbookError: no such fix, or it was undone.
        """
        iso = self._storable(new_time)
        with self._write("edit a fix"):
            row = self._conn.execute("SELECT kind FROM events WHERE id = ?", (fix_id,)).fetchone()
            undone = self._conn.execute(_IS_UNDONE, (fix_id,)).fetchone() is not None
            if row is None or row[0] != "fix" or undone:
                self._commit()  # the batch that may be pending is still good
                why = "was undone" if undone else "does not exist"
                raise LogbookError(f"{self.path}: cannot edit fix #{fix_id}: it {why}")
            try:
                self._effective_fix(fix_id)
            except RowError as e:
                self._commit()
                raise LogbookError(f"{self.path}: cannot edit fix #{fix_id}: {e}") from None
            self._insert("edit", {"time": iso}, time=iso, ref=fix_id)
            fix = self._effective_fix(fix_id)
            self._commit()
        return fix

    def last_manual_fix(self) -> tuple[int, Fix] | None:
        """The latest manual fix not undone, as it now counts (edits applied), with its id."""
        with self._sql_errors("read the log"):
            found = self._last_manual_row()
            return None if found is None else (found[0], self._effective_fix(found[0]))

    def edit_last_manual_time(self, new_time: datetime) -> Fix | None:
        """Change the time of the latest manual fix not undone; None when there is none."""
        self._check_writable("edit a fix")
        with self._sql_errors("read the log"):
            found = self._last_manual_row()
        return None if found is None else self.edit_time(found[0], new_time)

    def log_feed_status(self, status: str, detail: str = "", source: str | None = None) -> int:
        """Log a feed status change ("connected", "lost", ...). Redact URLs in `detail` first."""
        with self._write("log the feed status"):
            entry_id = self._insert("feed", {"status": status, "detail": detail}, source=source)
            self._commit()
        return entry_id

    def last_feed_status(self) -> tuple[datetime, str, str, str | None] | None:
        """The newest feed status logged: (when, status, detail, source); None if none was."""
        query = "SELECT logged_at, payload, source FROM events WHERE kind = 'feed' ORDER BY id DESC"
        with self._sql_errors("read the log"):
            row = self._conn.execute(query + " LIMIT 1").fetchone()
        if row is None:
            return None
        try:
            data = json.loads(row[1]) if row[1] else {}
            when = from_iso(row[0])
        except (ValueError, CompanionError):  # a damaged row is no state to report
            return None
        data = data if isinstance(data, dict) else {}
        return when, str(data.get("status", "?")), str(data.get("detail") or ""), row[2]

    def append_note(self, text: str) -> int:
        """Log a free-text note from the crew."""
        with self._write("log a note"):
            entry_id = self._insert("note", {"text": text})
            self._commit()
        return entry_id

    # -- reading ---------------------------------------------------------------------------

    def effective_fixes(self) -> list[tuple[int, Fix]]:
        """Every fix not undone, with edits applied, sorted by fix time then id.

        This is a replay of the whole log, so it equals the live state at any moment, and is what
        a Tracker is rebuilt from when an event is reopened.
        """
        fixes: dict[int, Fix] = {}
        edited: dict[int, tuple[int, datetime]] = {}
        undone: set[int] = set()
        set_aside: list[SetAside] = []
        kinds = "kind IN ('fix', 'undo', 'edit')"
        with self._sql_errors("read the log"):
            for row in self._conn.execute(f"SELECT {FIX_COLUMNS} FROM events WHERE {kinds}"):
                kind = row[1]
                try:  # a row that cannot be read is left out and reported, never fatal
                    if kind == "fix":
                        fixes[row[0]] = fix_from_row(row)
                    elif kind == "undo":
                        undone.add(row[7])
                    elif row[7] not in edited or row[0] > edited[row[7]][0]:
                        edited[row[7]] = (row[0], stored_fix_time(row[2]))  # the latest wins
                except RowError as e:
                    set_aside.append(SetAside(row[0], kind, str(e)))
        self.set_aside = set_aside
        result = [
            (fix_id, replace(fix, time=edited[fix_id][1]) if fix_id in edited else fix)
            for fix_id, fix in fixes.items()
            if fix_id not in undone
        ]
        result.sort(key=lambda item: (item[1].time, item[0]))
        return result

    def entries(
        self, limit: int | None = None, *, without_gps: bool = False, manual_only: bool = False
    ) -> list[LogEntry]:
        """The raw log, newest first (at most `limit` rows).

        `without_gps` leaves out feed fixes (a day of 1 Hz fixes would bury the checkpoints);
        `manual_only` keeps only the crew's entries.
        """
        args = (int(without_gps), int(manual_only), -1 if limit is None else limit)
        with self._sql_errors("read the log"):
            rows = self._conn.execute(ENTRIES_QUERY, args).fetchall()
        return [read_entry(row) for row in rows]

    def last_manual(self) -> LogEntry | None:
        """The newest manual entry not undone: what undo and edit act on."""
        with self._sql_errors("read the log"):
            found = self._last_manual_row()  # the one undo and edit act on: readable rows only
        if found is None:
            return None
        for limit in (50, None):
            for e in self.entries(limit, manual_only=True):
                if e.id == found[0]:
                    return e
        return None  # pragma: no cover - the row was found a moment ago in the same log

    def meta(self) -> dict[str, str]:
        """The `meta` table: schema_version, event_name, created_at."""
        with self._sql_errors("read the log"):
            return dict(self._conn.execute("SELECT key, value FROM meta").fetchall())

    def integrity_check(self) -> str:
        """`PRAGMA integrity_check`: "ok", or SQLite's list of problems."""
        with self._sql_errors("check the database"):
            rows = self._conn.execute("PRAGMA integrity_check").fetchall()
        return "\n".join(str(r[0]) for r in rows)

    def close(self) -> None:
        """Commit any batched fixes and close the database (again is a no-op)."""
        if self._closed:
            return
        try:
            self.flush()
        finally:
            self._closed = True
            self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------------

    def _check_writable(self, what: str) -> None:
        if self.readonly:
            raise LogbookError(f"{self.path}: opened read-only, so it cannot {what}")

    @contextmanager
    def _sql_errors(self, what: str) -> Iterator[None]:
        """Turn sqlite3 errors into a LogbookError naming the file."""
        try:
            yield
        except sqlite3.Error as e:
            # Some errors (disk full, I/O error) roll the whole transaction back: the batched
            # fixes are then gone and must not be counted as pending any more.
            if not self._conn.in_transaction:
                self._pending.clear()
                self._oldest_pending = None
            if isinstance(e, sqlite3.OperationalError) and "locked" in str(e):
                detail = f"another process kept the database locked for over {BUSY_TIMEOUT_S:g} s"
            else:
                detail = str(e)
            raise LogbookError(f"{self.path}: cannot {what}: {detail}") from e

    @contextmanager
    def _write(self, what: str) -> Iterator[None]:
        """Check we may write, then run the body inside the (possibly already open) transaction."""
        self._check_writable(what)
        with self._sql_errors(what):
            # IMMEDIATE takes the write lock now, so a second writer waits here (busy timeout)
            # rather than failing halfway through a read-then-write.
            if not self._conn.in_transaction:
                self._conn.execute("BEGIN IMMEDIATE")
            yield

    def _commit(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("COMMIT")
        self._pending.clear()
        self._oldest_pending = None

    def _insert(self, kind: str, payload: dict[str, Any] | None, **cols: object) -> int:
        names = ["kind", "logged_at", "payload", *cols]
        text = _json(payload)
        values = [kind, to_iso(self._clock()), text]
        sql = f"INSERT INTO events ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
        cursor = self._conn.execute(sql, [*values, *cols.values()])
        assert cursor.lastrowid is not None  # always set after an INSERT
        return cursor.lastrowid

    def _effective_fix(self, fix_id: int) -> Fix:
        """The fix as it counts: its latest readable edit applied (RowError: it is unreadable)."""
        row = self._conn.execute(f"SELECT {FIX_COLUMNS} FROM events WHERE id = ?", (fix_id,))
        fix = fix_from_row(row.fetchone())
        for (edit_time,) in self._conn.execute(_EDITS, (fix_id,)):
            try:
                return replace(fix, time=stored_fix_time(edit_time))
            except RowError:
                continue  # set aside by the replay too: an earlier edit counts
        return fix

    def _last_manual_row(self) -> tuple[int] | None:
        """The id of the latest manual fix not undone that can be read (undo and edit act on
        what the crew sees; a damaged row is set aside, not acted on)."""
        for (fix_id,) in self._conn.execute(_LAST_MANUAL).fetchall():
            try:
                self._effective_fix(fix_id)
            except RowError:
                continue
            return (fix_id,)
        return None

    def _storable(self, when: datetime) -> str:
        """`when` as stored, or LogbookError when it is outside the window every time must be in
        (the doors refuse such times first; this keeps the log readable whatever calls it)."""
        problem = time_problem(when) if when.utcoffset() is not None else None  # naive: to_iso
        if problem is not None:
            raise LogbookError(f"{self.path}: cannot log it: {problem}")
        return to_iso(when)


def _prepare(
    conn: sqlite3.Connection, path: Path, *, readonly: bool, event_name: str | None
) -> str | None:
    """Set the pragmas, create or check the schema; return the stored event name."""
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        if not readonly:
            # WAL: readers never block the writer, and a commit is one append to the WAL file.
            # FULL: the WAL is synced at each commit, so a committed fix survives a power cut too;
            # batching keeps that to about one sync a second under a fast feed.
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("BEGIN IMMEDIATE")  # two processes creating one database: one at a time
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "meta" not in tables:
            if readonly or tables - {"sqlite_sequence"}:
                raise LogbookError(f"{path}: not a Companion logbook (no meta table)")
            # executescript() would commit the open transaction first, so one statement at a time.
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [
                    ("schema_version", str(SCHEMA_VERSION)),
                    ("event_name", event_name or ""),
                    ("created_at", to_iso(datetime.now(UTC))),
                ],
            )
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        if conn.in_transaction:
            conn.execute("COMMIT")
    except sqlite3.DatabaseError as e:
        if "not a database" in str(e) or "malformed" in str(e):
            raise LogbookError(f"{path}: not a SQLite database ({e})") from None
        raise LogbookError(f"{path}: cannot open the logbook: {e}") from None
    version_text = meta.get("schema_version", "")
    try:
        version = int(version_text)
    except ValueError:
        raise LogbookError(
            f"{path}: not a Companion logbook (schema_version {version_text!r})"
        ) from None
    if version > SCHEMA_VERSION:
        raise LogbookError(
            f"{path}: written by a newer Companion (logbook schema version {version}; this "
            f"version reads up to {SCHEMA_VERSION}). Upgrade Companion to open it."
        )
    return meta.get("event_name") or None


def _json(payload: dict[str, Any] | None) -> str | None:
    return None if payload is None else json.dumps(payload, ensure_ascii=False)
