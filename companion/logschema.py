"""Opening a logbook's SQLite file: the connection, its pragmas, the schema and its version.

Kept apart from `logbook` (the reads and writes) and `logbatch` (the batched feed fixes).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from companion.core.models import CompanionError
from companion.logrows import to_iso

SCHEMA_VERSION = 1
# How long a second writer waits for the first one's transaction before giving up. A transaction
# lasts milliseconds (a feed's batch is written in one executemany), so this is generous even
# for a slow SD card.
BUSY_TIMEOUT_S = 30.0

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


class LogbookError(CompanionError):
    """A logbook that cannot be opened or written (the message names the file)."""


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
    try:
        name = _prepare(conn, path, readonly=readonly, event_name=event_name)
    except BaseException:
        conn.close()
        raise
    return conn, name


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
