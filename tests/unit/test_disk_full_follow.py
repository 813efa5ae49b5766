"""Issue 10 F3 for `companion follow`: a real subprocess fed 10 fixes a second by a real NMEA peer
on 127.0.0.1, its log on a real small filesystem (a tmpfs) that the test fills up.

It used to exit on the full disk, and could not start again on it. Now it keeps running and says
NOT SAVING, counts only what the log holds, resumes by itself when there is room again, and a
restart on the full disk waits for room instead of dying; nothing committed is damaged.
"""

from __future__ import annotations

import re
import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.storage import Nmea10Hz, Running, fill, route_event, small_disk


@pytest.fixture
def peer() -> Iterator[Nmea10Hz]:
    p = Nmea10Hz()
    yield p
    p.close()


def saved_times(db: Path) -> list[str]:
    """The feed fixes' times as stored, read by plain sqlite3 (not by our code)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT time FROM events WHERE kind = 'fix' AND source != 'manual'")
        return [r[0] for r in rows]
    finally:
        conn.close()


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def wait_rows(db: Path, more_than: int, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while (n := len(saved_times(db))) <= more_than:
        assert time.monotonic() < deadline, f"the log stayed at {n} fixes"
        time.sleep(0.1)
    return n


def logged_count(line: str) -> int:
    m = re.search(r"; (\d+) fixes logged", line)
    assert m, line
    return int(m.group(1))


def test_follow_says_not_saving_keeps_going_and_resumes(tmp_path: Path, peer: Nmea10Hz) -> None:
    event = route_event(tmp_path)
    with small_disk(tmp_path / "disk") as disk:
        db = disk / "ride.sqlite"
        args = ("follow", str(event), "--db", str(db), "--feed", peer.url, "--every", "0.5")
        follow = Running(*args, data=tmp_path)
        try:
            follow.wait_for("feed connected")
            wait_rows(db, 20)
            ballast = fill(disk)
            full_at = follow.wait_for("NOT SAVING: disk full")
            # The status line says so too, and the km it shows are those of the log.
            follow.wait_for("NOT SAVING: disk full:", after=full_at + 1)
            kept = saved_times(db)
            time.sleep(1.0)  # ten more fixes come in, and find no room
            assert follow.proc.poll() is None, "follow ended on the full disk"
            ballast.unlink()
            follow.wait_for("saving again", after=full_at)
            wait_rows(db, len(kept) + 10)
            assert follow.stop(signal.SIGTERM) == 0
        finally:
            if follow.proc.poll() is None:
                follow.proc.kill()
                follow.proc.wait()
        assert integrity(db) == "ok"
        after = saved_times(db)
        assert set(kept) <= set(after)  # nothing committed was lost or damaged
        # The last line counts what the log holds: what the disk refused is not "logged".
        assert logged_count(follow.lines[-1]) == len(after)

        # A restart on the full disk: the log cannot even be opened (SQLite needs room for its
        # shared-memory file), so it waits, saying so, instead of exiting.
        ballast = fill(disk)
        again = Running(*args, data=tmp_path)
        try:
            again.wait_for("NOT SAVING")
            time.sleep(1.0)
            assert again.proc.poll() is None, "follow ended on the full disk"
            ballast.unlink()
            again.wait_for("feed connected")
            wait_rows(db, len(after) + 10)
            assert again.stop(signal.SIGTERM) == 0
        finally:
            if again.proc.poll() is None:
                again.proc.kill()
                again.proc.wait()
        assert integrity(db) == "ok"
        assert set(after) <= set(saved_times(db))
