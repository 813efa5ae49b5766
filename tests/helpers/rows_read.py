"""Counting the log's fix rows read into Fix objects (companion/logreads.py), so a test can say
"reopening read only the tail" by counting, never by timing; and the rows a log holds.

Use from a fixture: `count = count_rows_read(monkeypatch)`; `count[0]` grows with each row read.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from companion import logreads
from companion.core.models import Fix


def count_rows_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    count = [0]
    plain, full = getattr(logreads, "plain_fix"), getattr(logreads, "fix_from_row")  # noqa: B009

    def counting_plain(row: Any) -> Fix | None:
        count[0] += 1
        return plain(row)

    def counting_full(row: Any) -> Fix:
        count[0] += 1
        return full(row)

    monkeypatch.setattr(logreads, "plain_fix", counting_plain)
    monkeypatch.setattr(logreads, "fix_from_row", counting_full)
    return count


def event_rows(db: Path) -> list[tuple[object, ...]]:
    """Every row of the log as written (id, kind, payload, time, lat, lon, km, source): two logs
    written two ways compare equal row for row."""
    conn = sqlite3.connect(db)
    try:
        q = "SELECT id, kind, payload, time, lat, lon, km, source FROM events ORDER BY id"
        return conn.execute(q).fetchall()
    finally:
        conn.close()


def without_saved_state(db: Path, tmp: Path) -> Path:
    """A copy of the log with no saved tracker state: opening it is the full replay a saved
    state must equal."""
    copy = tmp / "full.sqlite"
    src, dst = sqlite3.connect(db), sqlite3.connect(copy)
    src.backup(dst)
    src.close()
    with dst:
        dst.execute("DELETE FROM tracker_state2")
    dst.close()
    return copy
