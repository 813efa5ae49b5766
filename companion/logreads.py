"""The logbook's read queries: the replay of the whole log, one fix as it counts, the latest
manual entry, the latest feed status. Plain functions over an open connection.

Kept apart from `logbook` (the writes and transactions); sqlite3 errors pass through to the
caller, which names the file.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime

from companion.core.models import CompanionError, Fix
from companion.logplain import plain_fix
from companion.logrows import (
    FIX_COLUMNS,
    RowError,
    SetAside,
    fix_from_row,
    from_iso,
    stored_fix_time,
)

LAST_MANUAL = """
SELECT id FROM events AS e
WHERE kind = 'fix' AND source = 'manual'
  AND NOT EXISTS (SELECT 1 FROM events AS u WHERE u.kind = 'undo' AND u.ref = e.id)
ORDER BY id DESC
"""
IS_UNDONE = "SELECT 1 FROM events WHERE kind = 'undo' AND ref = ? LIMIT 1"
# The crew's entries (companion/crewlog.py) still standing: few, so read whole each time.
_CREW_STANDING = (
    "kind = 'crew' AND NOT EXISTS "
    "(SELECT 1 FROM events AS u WHERE u.kind = 'undo' AND u.ref = e.id)"
)
CREW_ROWS = f"SELECT id, time, payload FROM events AS e WHERE {_CREW_STANDING} ORDER BY id"
CREW_ROW = f"SELECT 1 FROM events AS e WHERE id = ? AND {_CREW_STANDING}"
_EDITS = "SELECT time FROM events WHERE kind = 'edit' AND ref = ? ORDER BY id DESC"
_LAST_FEED = (
    "SELECT logged_at, payload, source FROM events WHERE kind = 'feed' ORDER BY id DESC LIMIT 1"
)


def effective_fixes(
    conn: sqlite3.Connection, after: int = 0, upto: int = 2**63 - 1
) -> tuple[list[tuple[int, Fix]], list[SetAside]]:
    """Every fix not undone, with edits applied, sorted by fix time then id; and the rows that
    could not be read, so were left out. Of the rows with `after` < id <= `upto` only (a range
    of the rowid: the tail or the head of the log, issue 11)."""
    set_aside: list[SetAside] = []
    result = list(fix_stream(conn, set_aside, after, upto))
    result.sort(key=lambda item: (item[1].time, item[0]))
    return result, set_aside


def fix_stream(
    conn: sqlite3.Connection, set_aside: list[SetAside], after: int = 0, upto: int = 2**63 - 1
) -> Iterator[tuple[int, Fix]]:
    """`effective_fixes` in row order, one at a time: a whole log is replayed without holding
    every Fix at once (a day of 10 Hz is 864,000). The rows that cannot be read are added to
    `set_aside`, in row order once the stream is read to its end.

    Both passes read up to the log's last row when the stream starts: a row logged meanwhile
    (another process) is not half-seen, an undo without its fix or the reverse.
    """
    (last,) = conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()
    upto = min(upto, last)
    edited: dict[int, tuple[int, datetime]] = {}
    undone: set[int] = set()
    amend = "kind IN ('undo', 'edit') AND id > ? AND id <= ? ORDER BY id"
    for row in conn.execute(f"SELECT {FIX_COLUMNS} FROM events WHERE {amend}", (after, upto)):
        try:  # a row that cannot be read is left out and reported, never fatal
            if row[1] == "undo":
                undone.add(row[7])
            elif row[7] not in edited or row[0] > edited[row[7]][0]:
                edited[row[7]] = (row[0], stored_fix_time(row[2]))  # the latest wins
        except RowError as e:
            set_aside.append(SetAside(row[0], row[1], str(e)))
    fixes = "kind = 'fix' AND id > ? AND id <= ? ORDER BY id"
    for row in conn.execute(f"SELECT {FIX_COLUMNS} FROM events WHERE {fixes}", (after, upto)):
        try:  # a feed's plain row without json (10x the rows of the rest)
            fix = plain_fix(row) or fix_from_row(row)
        except RowError as e:
            set_aside.append(SetAside(row[0], "fix", str(e)))
            continue
        fix_id = row[0]
        if fix_id in undone:
            continue
        yield fix_id, (replace(fix, time=edited[fix_id][1]) if fix_id in edited else fix)
    set_aside.sort(key=lambda r: r.id)  # in the log's order, the first one named first


def effective_fix(conn: sqlite3.Connection, fix_id: int) -> Fix:
    """The fix as it counts: its latest readable edit applied (RowError: it is unreadable)."""
    row = conn.execute(f"SELECT {FIX_COLUMNS} FROM events WHERE id = ?", (fix_id,))
    fix = fix_from_row(row.fetchone())
    for (edit_time,) in conn.execute(_EDITS, (fix_id,)):
        try:
            return replace(fix, time=stored_fix_time(edit_time))
        except RowError:
            continue  # set aside by the replay too: an earlier edit counts
    return fix


def last_manual_id(conn: sqlite3.Connection) -> int | None:
    """The id of the latest manual fix not undone that can be read (undo and edit act on what
    the crew sees; a damaged row is set aside, not acted on)."""
    for (fix_id,) in conn.execute(LAST_MANUAL).fetchall():
        try:
            effective_fix(conn, fix_id)
        except RowError:
            continue
        return int(fix_id)
    return None


def last_feed_status(conn: sqlite3.Connection) -> tuple[datetime, str, str, str | None] | None:
    """The newest feed status logged: (when, status, detail, source); None if none was."""
    row = conn.execute(_LAST_FEED).fetchone()
    if row is None:
        return None
    try:
        data = json.loads(row[1]) if row[1] else {}
        when = from_iso(row[0])
    except (ValueError, CompanionError):  # a damaged row is no state to report
        return None
    data = data if isinstance(data, dict) else {}
    return when, str(data.get("status", "?")), str(data.get("detail") or ""), row[2]
