"""The SQLite logbook, always on a real database file in tmp_path."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from companion.core.models import Fix
from companion.logbook import SCHEMA_VERSION, Logbook, LogbookError

HELPER = Path(__file__).resolve().parents[1] / "helpers" / "append_fixes.py"
T0 = datetime(2021, 1, 10, 0, 30, tzinfo=UTC)


def gps(seconds: float, lat: float = 20.0, **kw: object) -> Fix:
    return Fix(time=T0 + timedelta(seconds=seconds), lat=lat, lon=72.9, source="gpsd", **kw)  # type: ignore[arg-type]


def manual(seconds: float, label: str, km: float) -> Fix:
    return Fix(time=T0 + timedelta(seconds=seconds), lat=20.1, lon=72.8, km=km, label=label)


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def rows(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])


def test_new_database_is_wal_with_schema_version(tmp_path: Path) -> None:
    db = tmp_path / "deep" / "er" / "event.sqlite"
    with Logbook.open(db, event_name="Unity Run") as book:
        assert book.meta()["schema_version"] == str(SCHEMA_VERSION)
        assert book.event_name == "Unity Run"
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_fix_round_trip_keeps_every_field(tmp_path: Path) -> None:
    db = tmp_path / "e.sqlite"
    india = timezone(timedelta(hours=5, minutes=30))
    full = Fix(
        time=datetime(2021, 1, 10, 6, 0, 0, 123456, tzinfo=india),
        lat=19.076090123456789,
        lon=72.877426987654321,
        source="gpsd",
        km=12.3456789,
        speed_mps=2.25,
        course_deg=359.9,
        alt_m=-3.5,
        accuracy_m=4.0,
        sats=9,
        label='Bandra — bridge "north"',
    )
    bare = gps(60)
    with Logbook.open(db) as book:
        full_id = book.append_fix(full)
        bare_id = book.append_fix(bare)
    with Logbook.open(db) as book:
        got = dict(book.effective_fixes())
    assert got[full_id] == full  # same instant, exact floats, all optional fields
    assert got[full_id].time.utcoffset() == timedelta(0)
    assert got[full_id].time.tzinfo is UTC
    assert got[bare_id] == bare
    assert got[bare_id].speed_mps is None and got[bare_id].label == ""


def test_naive_time_is_refused(tmp_path: Path) -> None:
    with Logbook.open(tmp_path / "e.sqlite") as book, pytest.raises(ValueError, match="naive"):
        book.append_fix(Fix(time=datetime(2021, 1, 10, 6, 0), lat=0.0, lon=0.0))


def test_effective_fixes_sorted_by_time_then_id(tmp_path: Path) -> None:
    with Logbook.open(tmp_path / "e.sqlite") as book:
        late = book.append_fix(gps(30))
        early = book.append_fix(gps(10))
        same_a = book.append_fix(gps(20, lat=1.0))
        same_b = book.append_fix(gps(20, lat=2.0))
        assert [i for i, _ in book.effective_fixes()] == [early, same_a, same_b, late]


def test_undo_twice_undoes_two_manual_entries_and_then_nothing(tmp_path: Path) -> None:
    db = tmp_path / "e.sqlite"
    with Logbook.open(db) as book:
        assert book.undo_last_manual() is None  # nothing to undo in an empty log
        g1 = book.append_fix(gps(0))
        m1 = book.append_fix(manual(100, "Valsad", 171.0))
        g2 = book.append_fix(gps(200))
        m2 = book.append_fix(manual(300, "km 180", 180.0))
        g3 = book.append_fix(gps(400))

        assert book.undo_last_manual() == manual(300, "km 180", 180.0)
        assert book.undo_last_manual() == manual(100, "Valsad", 171.0)
        assert book.undo_last_manual() is None  # GPS fixes are not undone
        assert [i for i, _ in book.effective_fixes()] == [g1, g2, g3]

        entries = book.entries()
        assert [e.kind for e in entries[:2]] == ["undo", "undo"]
        assert entries[0].ref == m1 and "Valsad" in entries[0].summary
        undone = {e.id for e in entries if e.undone}
        assert undone == {m1, m2}
    assert rows(db) == 7  # nothing deleted: 5 fixes + 2 undos


def test_edit_time_reorders_and_latest_edit_wins(tmp_path: Path) -> None:
    with Logbook.open(tmp_path / "e.sqlite") as book:
        a = book.append_fix(gps(10))
        b = book.append_fix(manual(20, "Surat", 100.0))
        c = book.append_fix(gps(30))
        edited = book.edit_time(b, T0 + timedelta(seconds=5))
        assert edited == manual(5, "Surat", 100.0)
        assert [i for i, _ in book.effective_fixes()] == [b, a, c]
        book.edit_time(b, T0 + timedelta(seconds=40))
        fixes = book.effective_fixes()
        assert [i for i, _ in fixes] == [a, c, b]
        assert fixes[-1][1].time == T0 + timedelta(seconds=40)
        assert book.entries(limit=1)[0].kind == "edit"


def test_edit_last_manual_and_refusals(tmp_path: Path) -> None:
    with Logbook.open(tmp_path / "e.sqlite") as book:
        assert book.edit_last_manual_time(T0) is None
        g = book.append_fix(gps(10))
        m = book.append_fix(manual(20, "Surat", 100.0))
        new = book.edit_last_manual_time(T0 + timedelta(seconds=1))
        assert new is not None and new.time == T0 + timedelta(seconds=1)
        assert book.undo_last_manual() == new  # undo returns the fix as it counted, edited
        with pytest.raises(LogbookError, match=f"#{m}.*undone"):
            book.edit_time(m, T0)
        with pytest.raises(LogbookError, match="#999"):
            book.edit_time(999, T0)
        fid = book.log_feed_status("connected")
        with pytest.raises(LogbookError, match=f"#{fid}"):
            book.edit_time(fid, T0)  # not a fix
        assert [i for i, _ in book.effective_fixes()] == [g]


def test_replay_equals_live_state(tmp_path: Path) -> None:
    """An independent model of what should count, against the live log and a reopened one."""
    db = tmp_path / "e.sqlite"
    # Keyed by the id, or by the append for a batched fix (its id comes with the batch's write).
    expected: dict[int | str, Fix] = {}
    manual_ids: list[int] = []
    with Logbook.open(db) as book:
        for i in range(60):
            if i % 7 == 3:
                fix = manual(i * 10 + 5, f"town {i}", float(i))
                fid = book.append_fix(fix)
                assert fid is not None  # a manual entry is committed at once
                manual_ids.append(fid)
            else:
                fix = gps(i * 10, lat=20 + i / 1000, speed_mps=1.5)
                fid = book.append_fix(fix, commit=i % 2 == 0)
            expected[f"batched {i}" if fid is None else fid] = fix
            if i == 30:
                undone = book.undo_last_manual()
                assert undone == expected.pop(manual_ids.pop())
            if i == 45:
                target = manual_ids[0]
                moved = T0 + timedelta(seconds=1000)
                book.edit_time(target, moved)
                expected[target] = replace(expected[target], time=moved)
        book.log_feed_status("lost", "no data for 10 s")
        live = book.effective_fixes()
    # Every fix time here is distinct, so the order by time alone is the replay's order.
    assert [f for _i, f in live] == sorted(expected.values(), key=lambda f: f.time)
    assert len({i for i, _f in live}) == len(live)
    with Logbook.open(db) as reopened:
        assert reopened.effective_fixes() == live
    with Logbook.open(db, readonly=True) as ro:
        assert ro.effective_fixes() == live


def test_batched_fixes_commit_when_oldest_is_a_second_old(tmp_path: Path) -> None:
    db = tmp_path / "e.sqlite"
    clock = FakeMonotonic()
    book = Logbook.open(db, monotonic=clock)
    reader = Logbook.open(db, readonly=True)
    try:
        book.append_fix(gps(0), commit=False)
        clock.now += 0.5
        book.append_fix(gps(1), commit=False)
        assert book.pending_count == 2
        assert reader.effective_fixes() == []  # not committed: another process cannot see them
        clock.now += 0.5  # the oldest is now 1 s old: this append commits all three
        book.append_fix(gps(2), commit=False)
        assert book.pending_count == 0
        assert len(reader.effective_fixes()) == 3

        book.append_fix(gps(3), commit=False)
        book.flush()  # the timer's flush
        assert len(reader.effective_fixes()) == 4

        book.append_fix(gps(4), commit=False)
        book.append_fix(manual(5, "Navsari", 50.0), commit=False)  # manual: committed at once
        assert book.pending_count == 0
        assert len(reader.effective_fixes()) == 6

        book.append_fix(gps(6), commit=False)
    finally:
        book.close()  # close commits the batch
        reader.close()
    assert rows(db) == 7


def test_feed_status_and_notes_are_logged_not_fixes(tmp_path: Path) -> None:
    db = tmp_path / "e.sqlite"
    with Logbook.open(db) as book:
        book.log_feed_status("connected", "gpsd://localhost:2947", source="gpsd")
        book.append_fix(gps(0))
        book.log_feed_status("lost", "no data for 10 s")
        book.append_note("athlete stopped for lunch")
    with Logbook.open(db) as book:
        assert len(book.effective_fixes()) == 1
        entries = book.entries()
        assert [e.kind for e in entries] == ["note", "feed", "fix", "feed"]
        assert entries[1].summary == "feed lost: no data for 10 s"
        assert entries[3].source == "gpsd" and "connected" in entries[3].summary
        assert entries[0].summary == "athlete stopped for lunch"
        assert [e.kind for e in book.entries(limit=2)] == ["note", "feed"]
        assert all(e.logged_at.tzinfo is UTC for e in entries)


def test_newer_schema_is_refused_with_a_message(tmp_path: Path) -> None:
    db = tmp_path / "e.sqlite"
    with Logbook.open(db) as book:
        book.append_fix(gps(0))
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", (SCHEMA_VERSION + 1,)
        )
    for readonly in (False, True):
        with pytest.raises(LogbookError, match=r"newer Companion.*schema version 2") as info:
            Logbook.open(db, readonly=readonly)
        assert str(db) in str(info.value)


@pytest.mark.parametrize(
    "content",
    [b"name = 'not a database'\n" * 20, os.urandom(4096), b"SQLite format 3\x00" + b"\xff" * 200],
)
def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path, content: bytes) -> None:
    db = tmp_path / "event.toml"
    db.write_bytes(content)
    with pytest.raises(LogbookError, match=r"not a SQLite database|not a Companion"):
        Logbook.open(db)
    assert db.read_bytes() == content  # and left alone


def test_another_programs_database_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "other.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE songs (title TEXT)")
    with pytest.raises(LogbookError, match="not a Companion logbook"):
        Logbook.open(db)


def test_readonly_reads_but_cannot_write(tmp_path: Path) -> None:
    db = tmp_path / "e.sqlite"
    with Logbook.open(db) as book:
        book.append_fix(manual(0, "Start", 0.0))
    with Logbook.open(db, readonly=True) as ro:
        assert len(ro.effective_fixes()) == 1
        for attempt in (
            lambda: ro.append_fix(gps(1)),
            ro.undo_last_manual,
            lambda: ro.edit_last_manual_time(T0),
            lambda: ro.log_feed_status("lost"),
        ):
            with pytest.raises(LogbookError, match="read-only"):
                attempt()
    assert rows(db) == 1
    with pytest.raises(LogbookError, match="no logbook"):
        Logbook.open(tmp_path / "missing.sqlite", readonly=True)


def test_a_batch_in_memory_holds_no_lock(tmp_path: Path) -> None:
    # Issue 10 F5: a feed's batch used to be an open write transaction, so another process's
    # checkpoint waited up to a second behind every batch.
    db = tmp_path / "e.sqlite"
    first = Logbook.open(db)
    try:
        assert first.append_fix(gps(0), commit=False) is None  # waiting in the batch
        assert first.pending_count == 1
        # A plain sqlite3 writer with no patience at all gets the lock at once.
        other = sqlite3.connect(db, timeout=0, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        other.close()
        with Logbook.open(db) as second:
            checkpoint = second.append_fix(manual(1, "Surat", 100.0))
        assert first.flush() == [checkpoint + 1]  # written after it, with the next id
        assert first.pending_count == 0
    finally:
        first.close()
    assert rows(db) == 2


def test_a_second_writer_waits_for_the_first(tmp_path: Path) -> None:
    db = tmp_path / "e.sqlite"
    Logbook.open(db).close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer's transaction, held open
    done: list[int | None] = []
    errors: list[BaseException] = []

    def second_writer() -> None:
        try:
            with Logbook.open(db) as second:
                done.append(second.append_fix(manual(1, "Surat", 100.0)))
        except BaseException as e:  # reported to the main thread
            errors.append(e)

    thread = threading.Thread(target=second_writer)
    thread.start()
    time.sleep(0.3)
    assert not done and not errors  # still waiting for the lock
    holder.execute("COMMIT")
    holder.close()
    thread.join(10)
    assert not errors and len(done) == 1
    assert rows(db) == 1


def test_two_processes_append_to_one_database(tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite"  # created by whichever process gets there first
    count = 300
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                str(HELPER),
                str(db),
                "--count",
                str(count),
                "--tag",
                tag,
                "--seed",
                s,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag, s in (("gps-a", "1"), ("gps-b", "2"))
    ]
    reported: list[set[int]] = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        reported.append(
            {int(line.split()[1]) for line in out.splitlines() if line.startswith("logged")}
        )
    assert all(len(ids) == count for ids in reported)
    assert not reported[0] & reported[1]
    with Logbook.open(db, readonly=True) as book:
        assert book.integrity_check() == "ok"
        ids = {i for i, _ in book.effective_fixes()}
        undo_free = {e.id for e in book.entries() if e.kind == "fix"}
    assert undo_free == reported[0] | reported[1]
    assert ids == undo_free


def test_entries_without_gps_and_last_manual(tmp_path: Path) -> None:
    t0 = datetime(2021, 8, 15, 6, tzinfo=UTC)
    with Logbook.open(tmp_path / "ev.sqlite") as book:
        book.append_fix(Fix(t0, 19.0, 72.8, source="manual", km=0.0, label="Start"))
        for i in range(1, 500):  # a feed buries the checkpoint under GPS fixes
            book.append_fix(Fix(t0 + timedelta(seconds=i), 19.0, 72.8, source="gpsd"), commit=False)
        book.flush()
        book.log_feed_status("lost", "gpsd closed the connection")
        panel = book.entries(10, without_gps=True)
        assert [e.kind for e in panel] == ["feed", "fix"] and panel[1].source == "manual"
        last = book.last_manual()
        assert last is not None and last.source == "manual"
        book.undo_last_manual()
        assert book.last_manual() is None
    book.close()  # closing again is harmless
