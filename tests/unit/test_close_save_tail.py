"""The state saved at a session's close counts only the rows since the last check.

`follow` and the dashboard check the log holds the tracker's fixes as they go (HeadSpill,
StateKeeper: `Logbook.covering_id`, from the rows after the last check). The close then saved
its state after counting every fix row of the log (~0.15 s a day of 10 Hz); it now counts from
the last check that found them. Real parts: the Audax ride at 10 Hz into a real SQLite log through
EventSession, statements seen by SQLite's own trace. Held to: the state saved is the one the
whole count saves (the same rows covered, the same blob), a reopening equals a full replay, and
an undo since, rows batched, or another writer since take the old way or save nothing, as before.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from helpers.real_tracks import audax_10hz, audax_event
from helpers.rows_read import without_saved_state

from companion.core.models import Fix
from companion.service import EventSession

_WHOLE_COUNT = "count(*) FROM events WHERE kind = 'fix'"


@pytest.fixture(scope="module")
def feed(shared_dir: Path) -> list[Fix]:
    return audax_10hz(shared_dir, 6)[:3200]


def _saved(db: Path) -> tuple[object, ...]:
    conn = sqlite3.connect(db)
    row = conn.execute("SELECT max_id, last_id, blob FROM tracker_state2").fetchone()
    conn.close()
    return tuple(row) if row else ()


def _follow(event: Path, db: Path, feed: list[Fix], *, undo: bool = False,
            other: bool = False, batched: bool = False) -> list[str]:  # fmt: skip
    """Feed the session as follow does (a flush and a check every 500 fixes), close it; the
    statements SQLite ran during the close."""
    s = EventSession.open(event, db)
    for i, f in enumerate(feed):
        s.add_feed_fix(f, now=f.time)
        if i == 1700 and undo:
            zone = s.event.zone
            at = feed[1690].time.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S")
            s.checkpoint("km 1", at, feed[1699].time, force=True)
        if i % 500 == 499:
            s.flush()
            assert s.logbook.covering_id(len(s.tracker.fixes_seen), s.logbook._covered) is not None
    s.flush()
    if undo:
        assert s.undo() is not None  # among the fixes the last check covered
    if other:
        with EventSession.open(event, db) as o:  # a second car's session, one fix of its own
            last = feed[-1]
            o.add_feed_fix(Fix(last.time + timedelta(seconds=1), last.lat, last.lon, "gps2"))
    if batched:
        last = feed[-1]
        s.add_feed_fix(Fix(last.time + timedelta(seconds=1), last.lat, last.lon, "nmea"))
    ran: list[str] = []
    s.logbook._conn.set_trace_callback(ran.append)  # type: ignore[attr-defined]
    s.close()
    return ran


def _with_whole_count(event: Path, db: Path, feed: list[Fix], **kw: bool) -> tuple[object, ...]:
    """The same session closed by the old way: nothing remembered, every row counted."""
    s = EventSession.open(event, db)
    for f in feed:
        s.add_feed_fix(f, now=f.time)
    s.flush()
    assert s.logbook._covered is None
    s.close()
    return _saved(db)


def _full_replay(event: Path, db: Path, tmp: Path) -> tuple[object, ...]:
    return _state(event, without_saved_state(db, tmp))


def _state(event: Path, db: Path) -> tuple[object, ...]:
    with EventSession.open(event, db, readonly=True) as s:
        t = s.tracker
        now = t.last_fix.time + timedelta(seconds=5) if t.last_fix else None
        return (list(t.fixes), t.km, t.day_totals(), t.progress(now) if now else None)


def test_the_close_counts_only_the_tail_and_saves_the_same_state(
    tmp_path: Path, shared_dir: Path, feed: list[Fix]
) -> None:
    event = audax_event(tmp_path, shared_dir)
    ran = _follow(event, tmp_path / "new.sqlite", feed)
    assert not any(_WHOLE_COUNT in q for q in ran), ran
    assert any("INSERT OR REPLACE INTO tracker_state2" in q for q in ran)
    old = _with_whole_count(event, tmp_path / "old.sqlite", feed)
    new = _saved(tmp_path / "new.sqlite")
    assert new and new == old  # the same rows covered and the same pickle
    assert _state(event, tmp_path / "new.sqlite") == _full_replay(
        event, tmp_path / "new.sqlite", tmp_path
    )


def test_an_undo_since_counts_the_whole_log_and_the_reopening_is_right(
    tmp_path: Path, shared_dir: Path, feed: list[Fix]
) -> None:
    event, db = audax_event(tmp_path, shared_dir), tmp_path / "log.sqlite"
    ran = _follow(event, db, feed, undo=True)
    assert any(_WHOLE_COUNT in q for q in ran)  # an undo since the check: the old way
    assert _saved(db)
    assert _state(event, db) == _full_replay(event, db, tmp_path)


def test_rows_batched_at_the_close_are_counted_in_its_write(
    tmp_path: Path, shared_dir: Path, feed: list[Fix]
) -> None:
    event, db = audax_event(tmp_path, shared_dir), tmp_path / "log.sqlite"
    ran = _follow(event, db, feed, batched=True)
    assert _saved(db)
    assert _state(event, db) == _full_replay(event, db, tmp_path)
    assert len(_state(event, db)[0]) == len(feed) + 1  # type: ignore[arg-type]
    assert ran


def test_another_writer_since_means_no_state_saved(
    tmp_path: Path, shared_dir: Path, feed: list[Fix]
) -> None:
    event, db = audax_event(tmp_path, shared_dir), tmp_path / "log.sqlite"
    ran = _follow(event, db, feed, other=True)
    # Ours holds 3,200 of the log's 3,201 fixes: no state of ours (the other's close saved its).
    assert not any("INSERT OR REPLACE INTO tracker_state2" in q for q in ran)
    assert _saved(db)[:2] == (3201, 3201)
