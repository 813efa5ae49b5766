"""The state saved while a session runs (companion/statekeep.py): after a kill -9 (the session
never closed) a reopening reads only the fixes since the last periodic save, and an undo saves
anew, so the reopening after it is not a full replay either; the state equals a full replay.

Real parts: the Audax ride's GPX as the route and its points at 10 Hz as the feed, a real SQLite
log, EventSession as follow and the dashboard use it, the keeper called after each flush as
they call it. "Read" is counted (fix rows built into Fix objects), never timed. A kill -9 is the
session's connection dropped without its close (which would save a state itself).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from helpers.real_tracks import AUDAX_150K, RealTrack, audax_event, fixes, load_real_track
from helpers.rows_read import count_rows_read, without_saved_state

from companion import statekeep
from companion.core.models import Fix
from companion.service import EventSession
from companion.statekeep import StateKeeper

EVERY = 2500


@pytest.fixture(scope="module")
def feed(shared_dir: Path) -> list[Fix]:
    """The ride's first 11 minutes at 10 Hz: 6,600 fixes."""
    track = load_real_track(shared_dir / AUDAX_150K)
    idx = np.flatnonzero(track.seconds() <= 11 * 60 + 30)
    part = RealTrack(track.path, [track.times[i] for i in idx], track.lats[idx], track.lons[idx],
                     None)  # fmt: skip
    return fixes(part, hz=10.0, source="nmea")[:6600]


@pytest.fixture
def rows_read(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    count = count_rows_read(monkeypatch)
    monkeypatch.setattr(statekeep, "SAVE_EVERY", EVERY)
    monkeypatch.setattr(statekeep, "SAVE_MIN_S", 0.0)
    yield count


def _killed(s: EventSession) -> None:
    """What a kill -9 leaves: what was committed, and no state saved at a close."""
    s.flush()
    s.logbook.close()


def _reopened_after_kill(
    s: EventSession, event: Path, db: Path, rows_read: list[int]
) -> tuple[int, tuple[object, ...]]:
    """`s` killed, the event opened again: the log rows that opening read, and its state."""
    _killed(s)
    rows_read[0] = 0
    with EventSession.open(event, db, readonly=True) as again:
        return rows_read[0], _state(again)


def _full_replay(event: Path, db: Path, tmp: Path) -> tuple[object, ...]:
    with EventSession.open(event, without_saved_state(db, tmp), readonly=True) as s:
        return _state(s)


def _state(s: EventSession) -> tuple[object, ...]:
    t = s.tracker
    now = t.last_fix.time + timedelta(seconds=5) if t.last_fix else None
    return (list(t.fixes), t.km, t.day_totals(), t.progress(now) if now else None)


def _fed(s: EventSession, fixes_: list[Fix], keep: StateKeeper) -> None:
    for i, f in enumerate(fixes_):
        s.add_feed_fix(f, now=f.time)
        if i % 500 == 499:  # follow's and the dashboard's: a flush, then the keeper
            s.flush()
            keep(s)


def test_after_a_kill_only_the_fixes_since_the_last_save_are_read(
    tmp_path: Path, shared_dir: Path, feed: list[Fix], rows_read: list[int]
) -> None:
    event, db = audax_event(tmp_path, shared_dir), tmp_path / "log.sqlite"
    s = EventSession.open(event, db)
    keep = StateKeeper()
    _fed(s, feed, keep)
    assert keep.saves == 2  # at 2,500 and 5,000 fixes (6,600 fed)
    read, got = _reopened_after_kill(s, event, db, rows_read)
    assert read <= len(feed) - 5000  # the tail since the save at 5,000 fixes
    assert got == _full_replay(event, db, tmp_path)


def test_an_undo_saves_anew_so_the_reopening_after_a_kill_is_no_full_replay(
    tmp_path: Path, shared_dir: Path, feed: list[Fix], rows_read: list[int]
) -> None:
    event, db = audax_event(tmp_path, shared_dir), tmp_path / "log.sqlite"
    s = EventSession.open(event, db)
    keep = StateKeeper()
    _fed(s, feed[:3000], keep)
    zone = s.event.zone
    at = feed[2990].time.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S")
    s.checkpoint("km 2", at, feed[2999].time, force=True)
    _fed(s, feed[3000:3400], keep)
    saves = keep.saves
    assert s.undo() is not None  # the checkpoint, among the fixes the state covers
    keep(s)
    assert keep.saves == saves + 1
    read, got = _reopened_after_kill(s, event, db, rows_read)
    assert read == 0  # the state after the undo covers every fix
    assert got == _full_replay(event, db, tmp_path)


def test_another_writer_means_no_save(
    tmp_path: Path, shared_dir: Path, feed: list[Fix], rows_read: list[int]
) -> None:
    event, db = audax_event(tmp_path, shared_dir), tmp_path / "log.sqlite"
    s = EventSession.open(event, db)
    keep = StateKeeper()
    _fed(s, feed[:2000], keep)
    with EventSession.open(event, db) as other:  # a second car's session on the same file
        for f in feed[2000:2100]:
            other.add_feed_fix(f, now=f.time)
    _fed(s, feed[2100:5000], keep)  # this tracker lacks the other's 100: the counts differ
    assert keep.saves == 0
    s.close()


def test_a_reopened_session_saves_only_after_as_many_more_fixes(
    tmp_path: Path, shared_dir: Path, feed: list[Fix], rows_read: list[int]
) -> None:
    event, db = audax_event(tmp_path, shared_dir), tmp_path / "log.sqlite"
    with EventSession.open(event, db) as s:
        for f in feed[:3000]:
            s.add_feed_fix(f, now=f.time)
    s = EventSession.open(event, db)  # from the state its close saved, 3,000 fixes
    assert s.resumed_at is not None and s.resumed_at[1] == 3000
    keep = StateKeeper()
    _fed(s, feed[3000:5000], keep)
    assert keep.saves == 0  # 2,000 since the state read back
    _fed(s, feed[5000:5500], keep)
    assert keep.saves == 1
    read, got = _reopened_after_kill(s, event, db, rows_read)
    assert read == 0
    assert got == _full_replay(event, db, tmp_path)


def test_fixes_read_at_full_speed_wait_for_the_wall_time(
    tmp_path: Path, shared_dir: Path, feed: list[Fix], rows_read: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A recorded day read as fast as it goes (follow over a file): due by the count, not by
    the clock, no save; the clock past SAVE_MIN_S, the next due one is saved."""
    monkeypatch.setattr(statekeep, "SAVE_MIN_S", 600.0)
    wall = [0.0]
    event, db = audax_event(tmp_path, shared_dir), tmp_path / "log.sqlite"
    with EventSession.open(event, db) as s:
        keep = StateKeeper(clock=lambda: wall[0])
        _fed(s, feed[:5500], keep)  # 5,500 fixes, two saves due by the count, in no wall time
        assert keep.saves == 0
        wall[0] = 601.0
        _fed(s, feed[5500:6000], keep)
        assert keep.saves == 1


def test_an_opening_that_read_the_whole_log_saves_at_once(
    tmp_path: Path, shared_dir: Path, feed: list[Fix], rows_read: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No saved state fits (the first opening after an upgrade): the whole log is read, and the
    keeper's first call saves, though SAVE_MIN_S has not passed; a kill -9 after it costs a
    reopening no second full replay. One that resumed from a state waits as before."""
    monkeypatch.setattr(statekeep, "SAVE_MIN_S", 600.0)
    event, db = audax_event(tmp_path, shared_dir), tmp_path / "log.sqlite"
    with EventSession.open(event, db) as s:
        for f in feed[:3000]:
            s.add_feed_fix(f, now=f.time)
    whole = without_saved_state(db, tmp_path)
    s = EventSession.open(event, whole)
    assert s.resumed_at is None  # the whole log read
    keep = StateKeeper(clock=lambda: 0.0)
    assert keep(s) and keep.saves == 1
    read, got = _reopened_after_kill(s, event, whole, rows_read)
    assert read == 0
    (tmp_path / "again").mkdir()
    assert got == _full_replay(event, whole, tmp_path / "again")
    s = EventSession.open(event, db)  # from its state: nothing due yet
    assert s.resumed_at is not None
    keep = StateKeeper(clock=lambda: 0.0)
    assert not keep(s) and keep.saves == 0
    s.close()
