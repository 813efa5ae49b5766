"""The event log: every fix, undo, edit and feed status change, in one SQLite file per event.

The `events` table is append-only. An undo or an edit is a new row whose `ref` points at the fix it
changes, so nothing is ever deleted and reopening a database replays it into exactly the state it
had: `effective_fixes()` is what a Tracker is rebuilt from.

Durability: the database is in WAL mode with `synchronous=FULL`, so a committed row survives a
crash of the program and of the machine. Manual entries (and undos, edits, feed and note events) are
committed before the call returns. A fast GPS feed may pass `commit=False`: its fixes then wait in
memory (`logbatch.FixBatch`) and are written in one short transaction as soon as the oldest of them
is `batch_max_age_s` (1 s) old, checked on every append, and by `flush()`, which the caller runs
from a timer at least once a second, and with any other write. So a crash loses at most about one
second of batched GPS fixes, never a manual entry; and the write lock is held for milliseconds, so
another process's checkpoint never waits behind a batch (issue 10 F5). Batched fixes are not in the
database until then: reads see only what is written.

A write that fails (disk full, I/O error) raises `NotSaved`: nothing of it was saved, and the
batched fixes written with it are dropped and handed back in it (issue 10 F3). Nothing committed
is touched: SQLite rolls the transaction back.

Two processes may write the same database: SQLite serialises them and a writer waits up to
`BUSY_TIMEOUT_S` for the other's transaction to end. `readonly=True` opens it for reading only.

A Logbook, like its sqlite3 connection, is used from the thread that opened it. The connection, the
batch and the write transaction are logconn.py's; this module says what is written and read.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from companion import logreads
from companion.core.models import Fix
from companion.logbatch import INSERT_FIX, FixRow, plain_payload, plain_row
from companion.logconn import LogConnection, payload_json
from companion.logrows import (
    ENTRIES_QUERY,
    LogEntry,
    RowError,
    SetAside,
    fix_from_row,
    fix_payload,
    from_iso,
    read_entry,
    to_iso,
    utc_now_iso,
)
from companion.logschema import SCHEMA_VERSION, LogbookError, NotSaved, connect

if TYPE_CHECKING:  # the tracker (numpy, pyproj) only for the methods that take one
    from companion.core.fixcolumns import FixColumns
    from companion.core.tracker import Tracker
    from companion.trackstate import Saved

__all__ = [
    "BATCH_MAX_AGE_S",
    "SCHEMA_VERSION",
    "LogEntry",
    "Logbook",
    "LogbookError",
    "NotSaved",
    "SetAside",
    "from_iso",
    "to_iso",
]

BATCH_MAX_AGE_S = 1.0
KINDS = ("fix", "undo", "edit", "feed", "note")

def _utc_now() -> datetime:
    return datetime.now(UTC)


class Logbook(LogConnection):
    """The SQLite log of one event. Create with `Logbook.open`."""

    # (row id, fixes up to it) of the last `covering_id` that found the log to hold them: the
    # close's state save counts from there (counting every row of a day of 10 Hz: ~0.15 s).
    _covered: tuple[int, int] | None = None

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
        conn, name = connect(path, readonly, event_name)
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

    def append_fix(self, fix: Fix, commit: bool = True) -> int | None:
        """Log one fix; return its id, or None while it waits in the batch.

        Args:
            fix: the fix; its time must be aware. Manual fixes are always committed at once.
            commit: false for a fast feed: the fix joins the batch in memory, written once the
                oldest batched fix is `batch_max_age_s` old (checked here and in `flush()`, and
                with any other write). The append that writes the batch returns the fix's id.

        Raises:
            NotSaved: the write failed (disk full, I/O error): neither this fix nor the batch
                written with it was saved.
            LogbookError: opened read-only, or a fix the replay could not read back.
        """
        self._check_writable("log a fix")
        # The usual clock's text without a datetime (once a fix at 10 Hz).
        logged_at = utc_now_iso() if self._clock is _utc_now else to_iso(self._clock())
        row = plain_row(fix, logged_at)  # a feed's usual fix: surely readable, built in one go
        if row is None:
            when = self._storable(fix.time)
            plain, text = plain_payload(fix)
            if not plain:
                text = payload_json(fix_payload(fix))
                try:  # never store what the replay could not read back
                    fix_from_row((0, "fix", when, fix.lat, fix.lon, fix.km, fix.source, None, text))
                except RowError as e:
                    raise LogbookError(f"{self.path}: cannot log a fix: {e}") from None
            row = (logged_at, text, when, fix.lat, fix.lon, fix.km, fix.source)
        if commit or fix.is_manual:
            with self._write("log a fix"):
                cursor = self._conn.execute(INSERT_FIX, row)
                self._commit()
            assert cursor.lastrowid is not None  # always set after an INSERT
            return cursor.lastrowid
        self._batch.add(fix, row)
        return self.flush()[-1] if self._batch.due() else None

    def feed_logged_at(self) -> str:
        """The `logged_at` of a feed fix appended now: one reading serves a block of them."""
        return utc_now_iso() if self._clock is _utc_now else to_iso(self._clock())

    def batch_rows(self, fixes: Sequence[Fix], rows: Sequence[FixRow]) -> None:
        """Feed fixes (none manual) with their `logbatch.plain_row` rows into the batch, as
        `append_fix(fix, commit=False)` puts each, but not written here even if due: the caller
        calls `flush_if_due` after (feedblock.py: once a block)."""
        self._check_writable("log a fix")
        self._batch.extend(fixes, rows)

    def flush_if_due(self) -> list[int]:
        """`flush()` once the oldest batched fix has waited its time, else nothing."""
        return self.flush() if self._batch.due() else []

    def undo_last_manual(self) -> Fix | None:
        """Undo the latest manual fix not already undone, by logging an "undo" event.

        Returns:
            The fix undone (with any edit applied), or None when there is nothing to undo.
        """
        # Look up and undo in one write transaction, so two processes cannot undo the same fix.
        with self._write("undo"):
            found = logreads.last_manual_id(self._conn)
            if found is None:
                self._commit()
                return None
            fix = logreads.effective_fix(self._conn, found)
            self._insert("undo", None, time=to_iso(fix.time), ref=found)
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
            undone = self._conn.execute(logreads.IS_UNDONE, (fix_id,)).fetchone() is not None
            if row is None or row[0] != "fix" or undone:
                self._commit()  # the batch that may be pending is still good
                why = "was undone" if undone else "does not exist"
                raise LogbookError(f"{self.path}: cannot edit fix #{fix_id}: it {why}")
            try:
                logreads.effective_fix(self._conn, fix_id)
            except RowError as e:
                self._commit()
                raise LogbookError(f"{self.path}: cannot edit fix #{fix_id}: {e}") from None
            self._insert("edit", {"time": iso}, time=iso, ref=fix_id)
            fix = logreads.effective_fix(self._conn, fix_id)
            self._commit()
        return fix

    def last_manual_fix(self) -> tuple[int, Fix] | None:
        """The latest manual fix not undone, as it now counts (edits applied), with its id."""
        with self._sql_errors("read the log"):
            found = logreads.last_manual_id(self._conn)
            return None if found is None else (found, logreads.effective_fix(self._conn, found))

    def edit_last_manual_time(self, new_time: datetime) -> Fix | None:
        """Change the time of the latest manual fix not undone; None when there is none."""
        self._check_writable("edit a fix")
        with self._sql_errors("read the log"):
            found = logreads.last_manual_id(self._conn)
        return None if found is None else self.edit_time(found, new_time)

    def log_feed_status(self, status: str, detail: str = "", source: str | None = None) -> int:
        """Log a feed status change ("connected", "lost", ...). Redact URLs in `detail` first."""
        with self._write("log the feed status"):
            entry_id = self._insert("feed", {"status": status, "detail": detail}, source=source)
            self._commit()
        return entry_id

    def last_feed_status(self) -> tuple[datetime, str, str, str | None] | None:
        """The newest feed status logged: (when, status, detail, source); None if none was."""
        with self._sql_errors("read the log"):
            return logreads.last_feed_status(self._conn)

    def append_note(self, text: str) -> int:
        """Log a free-text note from the crew."""
        with self._write("log a note"):
            entry_id = self._insert("note", {"text": text})
            self._commit()
        return entry_id

    def append_crew(self, payload: dict[str, Any], when: datetime) -> int:
        """Log a crew entry at `when`: a stop's tag, a meal, a handover (companion/crewlog.py)."""
        iso = self._storable(when)
        with self._write("log a crew entry"):
            entry_id = self._insert("crew", payload, time=iso)
            self._commit()
        return entry_id

    def undo_crew(self, entry_id: int) -> bool:
        """Take back a crew entry (an "undo" row refers to it); False: none such, or undone."""
        with self._write("undo a crew entry"):
            found = self._conn.execute(logreads.CREW_ROW, (entry_id,)).fetchone() is not None
            if found:
                self._insert("undo", None, ref=entry_id)
            self._commit()
        return found

    def crew_rows(self) -> list[tuple[int, str, str | None]]:
        """Every crew entry not undone, oldest first: (id, time, payload JSON)."""
        with self._sql_errors("read the log"):
            return list(self._conn.execute(logreads.CREW_ROWS).fetchall())

    # -- reading ---------------------------------------------------------------------------

    def effective_fixes(self) -> list[tuple[int, Fix]]:
        """Every fix not undone, with edits applied, sorted by fix time then id.

        This is a replay of the whole log, so it equals the live state at any moment, and is what
        a Tracker is rebuilt from when an event is reopened.
        """
        with self._sql_errors("read the log"):
            result, self.set_aside = logreads.effective_fixes(self._conn)
        return result

    def fix_stream(self) -> Generator[Fix, None, None]:
        """`effective_fixes` one at a time in row order (nearly time order: Tracker.rebuild
        sorts them as they pass), without holding every Fix of the log at once (issue 11).
        `set_aside` is the rows left out once the stream is read to its end."""
        set_aside: list[SetAside] = []
        with self._sql_errors("read the log"):
            for _id, fix in logreads.fix_stream(self._conn, set_aside):
                yield fix
        self.set_aside = set_aside

    def fix_columns(self, upto: int) -> FixColumns:
        """`effective_fixes` of the rows up to id `upto`, held as columns: a head read back
        (core/deferred.py) without every Fix of it at once (a day of 10 Hz: 600 -> ~150 MB)."""
        from companion.core.rebuild import sorted_columns

        with self._sql_errors("read the log"):
            return sorted_columns(f for _id, f in logreads.fix_stream(self._conn, [], 0, upto))

    def fixes_between(self, after: int, upto: int) -> tuple[list[tuple[int, Fix]], list[SetAside]]:
        """`effective_fixes` of the rows with `after` < id <= `upto` only, and the rows of them
        that could not be read: the tail or the head of a log with a saved tracker state."""
        with self._sql_errors("read the log"):
            return logreads.effective_fixes(self._conn, after, upto)

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
            found = logreads.last_manual_id(self._conn)  # readable rows only
        if found is None:
            return None
        for limit in (50, None):
            for e in self.entries(limit, manual_only=True):
                if e.id == found:
                    return e
        return None  # pragma: no cover - the row was found a moment ago in the same log

    def saved_state(self, tracker: Tracker) -> Saved | None:
        """The tracker state saved with the log, if it still fits the rows it covers (the
        caller checks the rows after it: companion/trackstate.py)."""
        from companion import trackstate

        with self._sql_errors("read the log"):
            return trackstate.load(self._conn, tracker)

    def covering_id(self, applied: int, since: tuple[int, int] | None = None) -> int | None:
        """The newest row's id when the log's fixes not undone are `applied` in number and none
        was set aside, else None (companion/headspill.py: a tracker holding that many from
        this log holds them all, so they can be read back from it; `since`: trackstate's)."""
        from companion import trackstate

        if self.set_aside:
            return None
        with self._sql_errors("read the log"):
            found = trackstate.covering_id(self._conn, applied, since)
        if found is not None:
            self._covered = (found, applied)
        return found

    def save_state(self, tracker: Tracker, covered: int | None = None) -> bool:
        """Save `tracker`'s running state with the log (it holds every fix the log does), so
        a reopening replays only what comes after; False when it was not saved. A cache: a
        failure to write it raises NotSaved, and loses nothing of the log. `covered`: as
        `trackstate.save`'s (from `covering_id`); None: found here, from the rows since the
        last `covering_id` found (the whole log's count only if none did, or it fails)."""
        from companion import trackstate

        if self.readonly:
            return False
        if covered is None and self._covered is not None and not self._batch:
            # (With rows batched, the write below puts them in first: the whole count, in it.)
            covered = self.covering_id(len(tracker.fixes_seen), self._covered)
        with self._write("save the tracker's state"):
            saved = trackstate.save(self._conn, tracker, len(self.set_aside), covered)
            self._commit()
        return saved

    def meta(self) -> dict[str, str]:
        """The `meta` table: schema_version, event_name, created_at."""
        with self._sql_errors("read the log"):
            return dict(self._conn.execute("SELECT key, value FROM meta").fetchall())

    def integrity_check(self) -> str:
        """`PRAGMA integrity_check`: "ok", or SQLite's list of problems."""
        with self._sql_errors("check the database"):
            rows = self._conn.execute("PRAGMA integrity_check").fetchall()
        return "\n".join(str(r[0]) for r in rows)
