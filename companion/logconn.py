"""An open log database: its connection, the batch of feed fixes waiting in memory, and the write
transaction every write runs in (the batch first, then the write, one commit).

The machinery under `Logbook` (companion/logbook.py), which says what is written; the rules of
durability and of a failed write are in logbook.py's docstring.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Self

from companion.core.times import time_problem
from companion.logbatch import FixBatch
from companion.logrows import SetAside, to_iso
from companion.logschema import BUSY_TIMEOUT_S, LogbookError, NotSaved, storage_problem


class LogConnection:
    """The connection of one open log and its write transactions; `Logbook` builds on it."""

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
        self._batch = FixBatch(batch_max_age_s, monotonic)
        self._batch_ids: list[int] = []  # ids the batch got in the open write transaction
        self._after_commit: list[Callable[[], None]] = []  # see when_committed
        self._closed = False
        # Rows the last replay could not read, so left out: the caller shows them (issue 10).
        self.set_aside: list[SetAside] = []

    # -- the batch, and closing -------------------------------------------------------------

    @property
    def pending_count(self) -> int:
        """Batched fixes appended but not yet written."""
        return len(self._batch)

    def flush(self) -> list[int]:
        """Write the batched fixes, if any, in one short transaction; return their ids.

        Run at least once a second while a feed batches.

        Raises:
            NotSaved: the write failed; the batch is dropped and handed back in the error.
        """
        if self.readonly or not self._batch:
            return []
        with self._write("save the feed's fixes"):
            ids = self._batch_ids
            self._commit()
        return ids

    def when_committed(self, callback: Callable[[], None]) -> None:
        """Call `callback` once every fix appended so far is written: at once if none waits in
        the batch, else just after the batch's commit, or its failed write (the fixes lost, as
        `NotSaved` says). An MQTT feed acknowledges its messages so: a process killed before
        that gets them again from the broker; a full disk does not stop the feed."""
        if self._batch:
            self._after_commit.append(callback)
        else:
            callback()

    @property
    def closed(self) -> bool:
        return self._closed

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
        """Turn sqlite3 errors of a read into a LogbookError naming the file."""
        try:
            yield
        except sqlite3.Error as e:
            raise LogbookError(f"{self.path}: cannot {what}: {_detail(e)}") from e

    @contextmanager
    def _write(self, what: str) -> Iterator[None]:
        """Check we may write, then run the body in a write transaction that starts with the
        batch; the body commits. A failed write is rolled back whole and raises NotSaved."""
        self._check_writable(what)
        try:
            # IMMEDIATE takes the write lock now, so a second writer waits here (busy timeout)
            # rather than failing halfway through a read-then-write.
            self._conn.execute("BEGIN IMMEDIATE")
            # The batch first, in the same transaction: ids stay in the order of the appends, and
            # a checkpoint saves the feed's fixes from before it with it.
            self._batch_ids = self._batch.write(self._conn)
            yield
        except sqlite3.Error as e:
            self._rollback()
            unsaved = self._batch.unsaved()  # it was in the transaction rolled back
            self._batch.clear()
            # Lost, and said: their acks go too. Held back, 20 unacknowledged messages (the
            # broker's window in flight) would stop the feed until a reconnect.
            self._written()
            message = f"{self.path}: cannot {what}: {_detail(e)}"
            raise NotSaved(message, storage_problem(e, self.path), unsaved) from e
        except BaseException:
            self._rollback()  # the batch is still in memory, written with the next write
            raise

    def _rollback(self) -> None:
        self._batch_ids = []
        if self._conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):  # SQLite may have rolled back already
                self._conn.execute("ROLLBACK")

    def _commit(self) -> None:
        self._conn.execute("COMMIT")
        self._batch.clear()
        self._batch_ids = []
        self._written()

    def _written(self) -> None:
        done, self._after_commit = self._after_commit, []
        for callback in done:
            callback()

    def _insert(self, kind: str, payload: dict[str, Any] | None, **cols: object) -> int:
        names = ["kind", "logged_at", "payload", *cols]
        text = payload_json(payload)
        values = [kind, to_iso(self._clock()), text]
        sql = f"INSERT INTO events ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
        cursor = self._conn.execute(sql, [*values, *cols.values()])
        assert cursor.lastrowid is not None  # always set after an INSERT
        return cursor.lastrowid

    def _storable(self, when: datetime) -> str:
        """`when` as stored, or LogbookError when it is outside the window every time must be in
        (the doors refuse such times first; this keeps the log readable whatever calls it)."""
        problem = time_problem(when) if when.utcoffset() is not None else None  # naive: to_iso
        if problem is not None:
            raise LogbookError(f"{self.path}: cannot log it: {problem}")
        return to_iso(when)


def _detail(e: sqlite3.Error) -> str:
    if isinstance(e, sqlite3.OperationalError) and "locked" in str(e):
        return f"another process kept the database locked for over {BUSY_TIMEOUT_S:g} s"
    return str(e)


def payload_json(payload: dict[str, Any] | None) -> str | None:
    return None if payload is None else json.dumps(payload, ensure_ascii=False)
