"""Opening a logbook's SQLite file (the connection, its pragmas, the schema and its version),
and the logbook's errors. Kept apart from `logbook` (the reads and writes) and `logbatch` (the
batched feed fixes).
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from companion.core.models import CompanionError, Fix
from companion.logrows import to_iso

SCHEMA_VERSION = 1
# How long a second writer waits for the first one's transaction before giving up. A transaction
# lasts milliseconds (a feed's batch is written in one executemany), so this is generous even
# for a slow SD card.
BUSY_TIMEOUT_S = 30.0
# Less free space than this beside the database, and an I/O error is a full disk.
_FULL_BELOW_BYTES = 64 * 1024

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
CREATE INDEX IF NOT EXISTS events_crew ON events(id) WHERE kind = 'crew';
"""


# The crew's entries are read whole each second by the dashboard: not a scan of every fix.
CREW_INDEX = "CREATE INDEX IF NOT EXISTS events_crew ON events(id) WHERE kind = 'crew'"


class LogbookError(CompanionError):
    """A logbook that cannot be opened or written (the message names the file)."""


class NotSaved(LogbookError):
    """A write that failed: nothing of it was saved, nor the batched fixes written with it.

    `reason` is short, for an alert ("disk full"); `unsaved` are the batched feed fixes that were
    lost with it, so whoever showed them can take them back.
    """

    def __init__(self, message: str, reason: str, unsaved: tuple[Fix, ...]) -> None:
        super().__init__(message)
        self.reason = reason
        self.unsaved = unsaved


def storage_problem(e: sqlite3.Error, path: Path) -> str:
    """A few words for why SQLite could not write `path`: what the crew can act on."""
    code = getattr(e, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary == sqlite3.SQLITE_FULL:
        return "disk full"
    if primary == sqlite3.SQLITE_IOERR:
        # Growing the shared-memory file on a full disk is an I/O error to SQLite.
        with contextlib.suppress(OSError):
            if shutil.disk_usage(path.parent).free < _FULL_BELOW_BYTES:
                return "disk full"
        return "disk I/O error"
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in str(e):
        return "database locked by another process"
    if primary == sqlite3.SQLITE_READONLY:
        return "database is read-only"
    return str(e)


def connect(
    path: Path, readonly: bool, event_name: str | None
) -> tuple[sqlite3.Connection, str | None]:
    """Open (and, unless read-only, create) the database; return it and the stored event name.

    Raises:
        LogbookError: see `Logbook.open`.
    """
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
    # Opening races another process creating or recovering the same file: some of SQLite's
    # locks on the way (the switch to WAL, the shared memory's set-up) answer "database is
    # locked" at once, without the busy timeout. The preparation is all or nothing (its writes
    # are one transaction), so it is tried again, for as long as a busy write would wait.
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    pause = 0.01
    try:
        while True:
            try:
                name = _prepare(conn, path, readonly=readonly, event_name=event_name)
                break
            except _Busy:
                if time.monotonic() + pause > deadline:
                    raise
                if conn.in_transaction:
                    conn.rollback()
                time.sleep(pause)
                pause = min(pause * 2, 0.5)
    except BaseException:
        conn.close()
        raise
    return conn, name


class _Busy(LogbookError):
    """Another connection held a lock that SQLite did not wait for."""


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
        elif not readonly:  # a log from before the crew's entries: their index (crewlog.py)
            conn.execute(CREW_INDEX)
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        if conn.in_transaction:
            conn.execute("COMMIT")
    except sqlite3.DatabaseError as e:
        if "not a database" in str(e) or "malformed" in str(e):
            raise LogbookError(f"{path}: not a SQLite database ({e})") from None
        if "database is locked" in str(e):
            raise _Busy(f"{path}: cannot open the logbook: {e}") from None
        problem = storage_problem(e, path)
        if problem == "disk full" or problem == "disk I/O error":  # may pass: a caller retries
            raise NotSaved(f"{path}: cannot open the logbook: {problem}", problem, ()) from None
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
