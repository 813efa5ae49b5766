"""Issue 11, cold start: an error that comes after `companion run`'s first frame ends the app with
its one line (exit 2), as one before the screen does, not Textual's traceback (exit 1, locals
on the screen). Here the log: a real SQLite file whose event pages are damaged on disk opens
(its header and schema are whole) and fails only when it is read, once the frame is up."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from companion_fixtures import Setup

from companion.app.app import CompanionApp
from companion.app.starting import Opening
from companion.core.models import CompanionError, Fix
from companion.logbook import LogbookError
from companion.service import EventSession


def _damage_the_fix_pages(setup: Setup) -> None:
    """3000 more fixes in the log, then three of the pages holding its rows overwritten."""
    s = setup.open()
    last = s.tracker.last_fix
    assert last is not None
    for i in range(3000):
        fix = Fix(last.time + timedelta(seconds=i + 1), last.lat, last.lon, "nmea")
        s.logbook.append_fix(fix, commit=False)
    s.flush()
    s.close()
    c = sqlite3.connect(setup.db_path)
    with c:  # a state saved at a close (if any) would let the reopening read only the tail
        if _has_state_table(c):
            c.execute("DELETE FROM tracker_state2")
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # every page in the file, none in the WAL
    # The pages that hold the log's rows, by SQLite's own map of the file (the middle of the
    # file may be a saved state's pages, which a reopening never reads).
    (page,) = c.execute("PRAGMA page_size").fetchone()
    leaves = [n for (n,) in c.execute(
        "SELECT pageno FROM dbstat WHERE name = 'events' AND pagetype = 'leaf' ORDER BY pageno"
    )]  # fmt: skip
    c.close()
    assert len(leaves) > 10
    data = bytearray(setup.db_path.read_bytes())
    middle = len(leaves) // 2
    for p in leaves[middle : middle + 3]:  # page numbers count from 1
        # From the page's type byte on: SQLite refuses the page whenever it loads it (damage
        # past its header may go unseen, a few rows silently missing: no checksums).
        data[(p - 1) * page : (p - 1) * page + 200] = b"\xff" * 200
    setup.db_path.write_bytes(bytes(data))


def _has_state_table(c: sqlite3.Connection) -> bool:
    q = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tracker_state2'"
    return c.execute(q).fetchone() is not None


async def test_a_log_that_cannot_be_read_ends_the_app_with_its_error(setup: Setup) -> None:
    _damage_the_fix_pages(setup)
    with pytest.raises(LogbookError, match="malformed"):  # the damage is real: reading fails
        EventSession.open(setup.event_path, setup.db_path).close()
    opening = Opening(setup.event_path, str(setup.db_path), None, setup.clock)
    app = CompanionApp(opening, setup.clock, cursor_blink=False)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(100):
                await pilot.pause(0.05)
                if opening.failure is not None:
                    break
    finally:
        opening.close()
    assert isinstance(opening.failure, CompanionError)
    assert "malformed" in str(opening.failure) and str(setup.db_path.name) in str(opening.failure)
    assert app.return_code == 2
