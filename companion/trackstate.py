"""The tracker's running state saved with the log, so reopening replays only what came after it.

Reopening a day of 10 Hz fixes replayed every one of them through the tracker (~25 us each: 20 s
for 864,000). `save` stores, in the log's own SQLite file, the state after the fixes applied so
far (`Tracker.running_state`), with what it depends on; `load` hands it back only if it still
fits the log, and the session replays the fixes after it (companion/reopen.py).

The state is a cache: the log stays the truth, and correctness never depends on the state. It is
discarded (the log replayed in full, as before) when anything it was built from may have changed:

- the code of the core or this format (a digest of companion/core/*.py and STATE_VERSION), the
  tracker's settings (planned speed, timezone, day rule, ...) or the route;
- the log: an undo or an edit since (they re-place from an earlier point), a fix that sorts in
  among those applied (a checkpoint typed in late: the session checks the tail it reads), or
  rows it covered changed or deleted by hand;
- the blob itself: unreadable, or holding anything but the tracker's plain data.

Checking all this must not read the log it covers (issue 11: reopening costs the tail, not the
log), so it trusts, rather than recounts: Companion only ever appends rows (an undo or an edit
is a row of its own), so the rows up to the state's last one are as they were unless someone
changed them by hand, and any UPDATE or DELETE on `events`, by any SQLite client, fires a
trigger saved with the state that deletes it. What the checks cannot see: a tool that drops
the triggers first or rewrites the file's bytes. Then the state's own checks remain (the row it
ended on is still a fix; the head, when read, must be as long and end on the same fix).

The blob is a pickle read by an unpickler that only builds the plain-data classes of the core,
datetimes, zones, deques and arrays (pickle's "restricting globals"): a log file from elsewhere
cannot make it run anything.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import sqlite3
import sys
from array import array
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from companion.core.runstate import RunningState, to_us
from companion.core.tracker import Tracker
from companion.statecheck import well_typed

# Bump when the table or what the blob holds changes shape.
STATE_VERSION = 2
# Saving a state for a short log is not worth its bytes: its replay is quick.
MIN_FIXES = 2000

# max_id: the newest fix row it covers; last_id: the newest row of the log then (the head is
# the log up to it; any undo or edit after it is newer than the state).
_TABLE = """
CREATE TABLE IF NOT EXISTS tracker_state2 (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    saved_at TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    max_id INTEGER NOT NULL,
    last_id INTEGER NOT NULL,
    blob BLOB NOT NULL
)
"""
# A row changed or deleted by hand: the state no longer describes the log.
_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS tracker_state_on_update AFTER UPDATE ON events "
    "BEGIN DELETE FROM tracker_state2; END",
    "CREATE TRIGGER IF NOT EXISTS tracker_state_on_delete AFTER DELETE ON events "
    "BEGIN DELETE FROM tracker_state2; END",
)
_OLD_TABLE = "DROP TABLE IF EXISTS tracker_state"  # STATE_VERSION 1's, read by nothing now
# Undos and edits since (a range of the rowid: the rows after the state only).
_CHANGED_SINCE = "SELECT 1 FROM events WHERE id > ? AND kind IN ('undo', 'edit') LIMIT 1"
_IS_FIX = "SELECT 1 FROM events WHERE id = ? AND kind = 'fix'"
_LAST_ID = "SELECT max(id) FROM events"
_ROWS_SINCE = (
    "SELECT max(id), sum(kind = 'fix'), sum(kind IN ('undo', 'edit')) FROM events WHERE id > ?"
)
_FIX_ROWS = "SELECT max(id), count(*) FROM events WHERE kind = 'fix'"
# The newest fix row up to a row id: the rowid walked down from there (the first fix stops it).
_LAST_FIX_UPTO = (
    "SELECT max(id) FROM (SELECT id FROM events WHERE id <= ? AND kind = 'fix' "
    "ORDER BY id DESC LIMIT 1)"
)
# The fixes undone: the undo rows found by the ref index, each one's fix by its rowid. (As
# `ref IN (SELECT id ... kind = 'fix')`, whose list SQLite built by reading every row: ~0.25 s
# of a day of 10 Hz, at each close; a NULL ref is in neither.)
_UNDONE = (
    "SELECT count(DISTINCT u.ref) FROM events u WHERE u.ref IS NOT NULL AND u.kind = 'undo' "
    "AND EXISTS (SELECT 1 FROM events f WHERE f.id = u.ref AND f.kind = 'fix')"
)
_READ = "SELECT fingerprint, max_id, last_id, blob FROM tracker_state2 WHERE id = 1"

# The globals a state's pickle may name: plain data, nothing that does IO.
_ALLOWED = {
    ("builtins", "set"), ("builtins", "frozenset"), ("collections", "deque"),
    ("array", "_array_reconstructor"), ("array", "array"), ("datetime", "datetime"),
    ("datetime", "date"), ("datetime", "time"), ("datetime", "timedelta"),
    ("datetime", "timezone"),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Saved:
    """A state read back that fits the log: resume the tracker from it."""

    state: RunningState
    max_id: int  # the newest fix row it covers: the tail is the fix rows after it
    last_id: int  # the newest row of the log when it was saved: the head is the log up to it


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj: Any) -> Any:
        # A zone by its name (its own pickle goes through getattr, which no state may name).
        return ("zone", obj.key) if isinstance(obj, ZoneInfo) else None

    def reducer_override(self, obj: Any) -> Any:
        # An array as array(typecode, its own bytes), written from its buffer: pickle's own way
        # makes a `bytes` copy of each, and keeps it (the memo) until the whole state is written.
        if type(obj) is array:
            return array, (obj.typecode, pickle.PickleBuffer(obj))
        return NotImplemented


class _Restricted(pickle.Unpickler):
    def persistent_load(self, pid: Any) -> Any:
        if not (isinstance(pid, tuple) and len(pid) == 2 and pid[0] == "zone"):
            raise pickle.UnpicklingError("not a zone")
        return ZoneInfo(str(pid[1]))  # an IANA name; ZoneInfo refuses paths

    def find_class(self, module: str, name: str) -> Any:
        core_class = module.startswith("companion.core.") and "." not in name
        if (module, name) not in _ALLOWED and not core_class:
            raise pickle.UnpicklingError(f"{module}.{name} is not tracker state")
        value = super().find_class(module, name)
        if core_class and not isinstance(value, type):
            raise pickle.UnpicklingError(f"{module}.{name} is not a class")
        return value


@cache
def _code_digest() -> str:
    """The core's source: a change of the rules makes every saved state stale."""
    h = hashlib.sha256(f"state {STATE_VERSION} {sys.version_info[:2]}".encode())
    core = Path(__file__).resolve().parent / "core"
    for path in sorted(core.glob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def fingerprint(tracker: Tracker) -> str:
    """What a state depends on besides the log: the code, the tracker's settings, the route."""
    r = tracker.route
    settings = (
        str(tracker.tz), tracker.planned_kmh, tracker.start, tracker.max_kmh, tracker.stop_mps,
        tracker.window_s, tracker.off_route_m, tracker.days_rule, tracker.day_window,
        r.name, r.source, len(r.lats), r.length_km, float(r.lats[0]), float(r.lons[0]),
        float(r.lats[-1]), float(r.lons[-1]), [(t.name, t.km, t.cutoff) for t in r.towns],
    )  # fmt: skip
    h = hashlib.sha256(_code_digest().encode())
    h.update(repr(settings).encode())
    return h.hexdigest()


def covering_id(
    conn: sqlite3.Connection, applied: int, since: tuple[int, int] | None = None
) -> int | None:
    """The id of the log's newest row when its fixes not undone are `applied` in number (a
    tracker holding that many, all from this log, holds every one of them), else None.
    `since`: (a row id, the fixes up to it) known so: only the rows after it are counted."""
    if since is not None:
        after, before = since
        newest, fixes, changes = conn.execute(_ROWS_SINCE, (after,)).fetchone()
        if not changes:  # appends only since: no undo or edit to count
            return (newest or after) if before + (fixes or 0) == applied else None
    max_id, rows = conn.execute(_FIX_ROWS).fetchone()
    undone = int(conn.execute(_UNDONE).fetchone()[0])
    if max_id is None or rows - undone != applied:
        return None
    return int(conn.execute(_LAST_ID).fetchone()[0])


def save(
    conn: sqlite3.Connection, tracker: Tracker, unreadable: int, covered: int | None = None
) -> bool:
    """Store the state of `tracker`, which holds every fix of the log not undone except the
    `unreadable` ones its replay set aside; False when not worth it, or when the log holds
    fixes the tracker does not (another process logged since), or unreadable rows (their
    alert comes from a full replay). `covered`: the log's newest row id, already found by
    `covering_id` to hold the tracker's fixes (counting every fix row again takes seconds on
    a day of 10 Hz). Runs in the caller's write transaction; sqlite3 errors pass through."""
    state = tracker.running_state(copy=False)  # pickled at once: the tracker waits
    if state.applied < MIN_FIXES or unreadable:
        return False
    if covered is not None:
        last_id = covered
        (max_id,) = conn.execute(_LAST_FIX_UPTO, (covered,)).fetchone()
    else:
        max_id, rows = conn.execute(_FIX_ROWS).fetchone()
        undone = int(conn.execute(_UNDONE).fetchone()[0])
        if max_id is None or rows - undone != state.applied:
            return False
        last_id = int(conn.execute(_LAST_ID).fetchone()[0])
    if max_id is None:
        return False
    conn.execute(_OLD_TABLE)
    conn.execute(_TABLE)
    for trigger in _TRIGGERS:
        conn.execute(trigger)
    # The pickle is written straight into the row (SQLite's incremental blob I/O), sized by a
    # first pass that only counts: a day of 10 Hz fixes' state is ~14 MB, and building it as
    # bytes first held it three or four times over at the close (follow 864k: +48 MB peak).
    size = _Size()
    try:
        _Pickler(size, protocol=5).dump(state)
    except (pickle.PicklingError, TypeError, AttributeError):
        return False  # something in the state that does not pickle: no state, a full replay
    conn.execute(
        "INSERT OR REPLACE INTO tracker_state2 VALUES (1, ?, ?, ?, ?, zeroblob(?))",
        (datetime.now(UTC).isoformat(), fingerprint(tracker), max_id, last_id, size.n),
    )  # fmt: skip
    with conn.blobopen("tracker_state2", "blob", 1) as blob:  # the row of id 1 (its rowid)
        try:
            _Pickler(blob, protocol=5).dump(state)
            fits = blob.tell() == size.n
        except ValueError:  # longer than the blob: not the pickle the first pass counted
            fits = False
    if fits:
        return True
    conn.execute("DELETE FROM tracker_state2")  # a pickle not its own size again: none saved
    return False


class _Size:
    """A file that only counts what is written to it."""

    def __init__(self) -> None:
        self.n = 0

    def write(self, data: bytes | memoryview) -> int:
        n = memoryview(data).nbytes
        self.n += n
        return n


def load(conn: sqlite3.Connection, tracker: Tracker) -> Saved | None:
    """The saved state if it still fits the log up to the rows it covers; else None. Reads no
    row of what it covers: the caller reads the fix rows after `max_id` and checks none sorts
    before the fix the state ended on."""
    try:
        row = conn.execute(_READ).fetchone()
    except sqlite3.OperationalError:
        return None  # no table: nothing was saved (or a log from before states)
    if row is None:
        return None
    print_, max_id, last_id, blob = row
    try:
        if print_ != fingerprint(tracker) or not isinstance(max_id, int):
            return None
        if not isinstance(last_id, int) or last_id < max_id:
            return None
        if conn.execute(_CHANGED_SINCE, (last_id,)).fetchone() is not None:
            return None
        if conn.execute(_IS_FIX, (max_id,)).fetchone() is None:
            return None
        state = _Restricted(io.BytesIO(blob)).load()
    except Exception:  # a damaged blob of any kind: the log is replayed in full
        return None
    if not isinstance(state, RunningState) or not well_typed(state):
        return None  # a field of the wrong type: a damaged or crafted state
    if state.applied <= 0 or state.state.last is None:
        return None
    if len(state.kms) != state.applied or len(state.times_us) != state.applied:
        return None
    if state.times_us[-1] != to_us(state.state.last.time):
        return None
    return Saved(state, max_id, last_id)
