"""Reopening an event from the tracker state saved with its log (companion/trackstate.py, issue
11): only the fixes after the state are replayed, the result is the full replay's, and a state
that does not fit the log (damaged, stale, hostile) is ignored.

Real parts: the real Audax ride's GPX as the route and its points at 10 Hz as a GPS feed, a real
SQLite log, EventSession as the CLI and dashboard use it. "Replayed" is counted, never timed:
the number of fixes Tracker._apply is called for. The reference for "the same state" is a fresh
Tracker rebuilt from every fix of the log.
"""

from __future__ import annotations

import io
import pickle
import sqlite3
from array import array
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from helpers.real_tracks import AUDAX_150K, RealTrack, fixes, load_real_track

from companion import trackstate
from companion.core import heldfixes
from companion.core.models import Fix
from companion.core.runstate import RunningState
from companion.core.tracker import Tracker
from companion.service import EventSession

MINUTES = 12  # of the ride at 10 Hz: 7,200 fixes


@pytest.fixture(scope="module")
def feed(shared_dir: Path) -> list[Fix]:
    track = load_real_track(shared_dir / AUDAX_150K)
    secs = track.seconds()
    idx = np.flatnonzero(secs <= MINUTES * 60 + 60)
    part = RealTrack(track.path, [track.times[i] for i in idx], track.lats[idx], track.lons[idx],
                     None)  # fmt: skip
    return fixes(part, hz=10.0, source="nmea")


def _event(tmp: Path, shared_dir: Path, planned: int = 25) -> Path:
    path = tmp / "audax.toml"
    path.write_text(
        f'name = "Audax"\nathlete = "A"\nroute = "{shared_dir / AUDAX_150K}"\n'
        f'timezone = "Australia/Melbourne"\nplanned_kmh = {planned}\n'
    )
    return path


@pytest.fixture
def applied(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many fixes the trackers applied (Tracker._apply calls), since the last reset."""
    count = [0]
    real = Tracker._apply

    def counting(self: Tracker, fix: Fix, at: int, km_beside: float | None = None) -> object:
        count[0] += 1
        return real(self, fix, at, km_beside)

    monkeypatch.setattr(Tracker, "_apply", counting)
    yield count


def _log(event: Path, db: Path, fixes_: list[Fix]) -> EventSession:
    s = EventSession.open(event, db)
    for f in fixes_:
        s.add_feed_fix(f)
    s.flush()
    return s


def _full_replay(s: EventSession) -> Tracker:
    fresh = Tracker(s.route, s.event.zone, s.event.planned_kmh, start=s.event.start,
                    max_kmh=s.event.max_kmh, days=s.event.days)  # fmt: skip
    fresh.rebuild([f for _i, f in s.logbook.effective_fixes()])
    return fresh


def _same_as_full_replay(s: EventSession, now_fix: Fix) -> None:
    now = now_fix.time + timedelta(seconds=1)
    fresh = _full_replay(s)
    assert s.tracker.progress(now) == fresh.progress(now)
    assert s.tracker.day_totals() == fresh.day_totals()
    assert s.tracker.fixes == fresh.fixes


def test_reopening_replays_only_the_fixes_after_the_saved_state(
    tmp_path: Path, shared_dir: Path, feed: list[Fix], applied: list[int]
) -> None:
    event, db = _event(tmp_path, shared_dir), tmp_path / "log.sqlite"
    head, tail = feed[:6000], feed[6000:]
    _log(event, db, head).close()  # closing saves the state
    applied[0] = 0
    with EventSession.open(event, db, readonly=True) as s:  # what `status` does
        assert applied[0] == 0
        assert len(s.tracker.fixes) == len(head)
        _same_as_full_replay(s, head[-1])
    # More fixes, then the process dies (no close: no new state): the tail alone is replayed.
    s = _log(event, db, tail)
    s.logbook.close()
    applied[0] = 0
    with EventSession.open(event, db, readonly=True) as s:
        assert applied[0] == len(tail)
        _same_as_full_replay(s, tail[-1])


def _reopened_in_full(event: Path, db: Path, applied: list[int], last: Fix) -> None:
    applied[0] = 0
    with EventSession.open(event, db, readonly=True) as s:
        n = len(s.tracker.fixes)
        assert applied[0] == n > 0  # every fix replayed: the state was not used
        _same_as_full_replay(s, last)


def test_a_damaged_or_hostile_state_is_ignored(
    tmp_path: Path, shared_dir: Path, feed: list[Fix], applied: list[int]
) -> None:
    event, db = _event(tmp_path, shared_dir), tmp_path / "log.sqlite"
    _log(event, db, feed[:3000]).close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM tracker_state2").fetchone()[0] == 1
        good = conn.execute("SELECT blob FROM tracker_state2").fetchone()[0]
        conn.execute("UPDATE tracker_state2 SET blob = ?", (good[: len(good) // 2],))
    _reopened_in_full(event, db, applied, feed[2999])
    # A pickle that would run a command when loaded: refused, never run.
    marker = tmp_path / "ran"
    evil = pickle.dumps(_Evil(str(marker)))
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE tracker_state2 SET blob = ?", (evil,))
    _reopened_in_full(event, db, applied, feed[2999])
    assert not marker.exists()


class _Evil:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str]]:
        import os

        return os.system, (f"touch {self.path}",)


def test_a_state_the_log_or_the_event_no_longer_fits_is_ignored(
    tmp_path: Path, shared_dir: Path, feed: list[Fix], applied: list[int]
) -> None:
    event, db = _event(tmp_path, shared_dir), tmp_path / "log.sqlite"
    s = _log(event, db, feed[:3000])
    when = feed[1500].time.astimezone(s.event.zone).strftime("%H:%M")
    s.close()
    # The event's planned speed changed: the ETAs the state holds are not this event's.
    _reopened_in_full(_event(tmp_path, shared_dir, planned=30), db, applied, feed[2999])
    # A row changed by hand (its km): the state no longer describes the log.
    _log(_event(tmp_path, shared_dir), db, []).close()  # a fresh state
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE events SET km = km + 1 WHERE id = 100")
    _reopened_in_full(event, db, applied, feed[2999])
    # A checkpoint typed in late (it sorts in among the fixes applied), then undone.
    s = _log(event, db, [])
    s.close()
    s = EventSession.open(event, db)
    s.checkpoint("km 1", when, feed[2999].time)
    s.logbook.close()  # no new state: the one saved sorts before the checkpoint's place
    _reopened_in_full(event, db, applied, feed[2999])
    s = EventSession.open(event, db)
    s.close()  # saved with the checkpoint in it
    s = EventSession.open(event, db)
    assert s.undo() is not None
    s.logbook.close()
    _reopened_in_full(event, db, applied, feed[2999])


def test_a_short_log_saves_no_state(tmp_path: Path, shared_dir: Path, feed: list[Fix]) -> None:
    event, db = _event(tmp_path, shared_dir), tmp_path / "log.sqlite"
    _log(event, db, feed[: trackstate.MIN_FIXES - 1]).close()
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "tracker_state2" not in tables


def _rewrite_state(db: Path, change: Callable[[RunningState], None]) -> None:
    """The saved state, read back, changed by `change` and saved again as it was (a crafted
    log file: its fingerprint still fits, only its contents lie)."""
    with sqlite3.connect(db) as conn:
        blob = conn.execute("SELECT blob FROM tracker_state2").fetchone()[0]
        state = trackstate._Restricted(io.BytesIO(blob)).load()
        change(state)
        out = io.BytesIO()
        trackstate._Pickler(out, protocol=5).dump(state)
        conn.execute("UPDATE tracker_state2 SET blob = ?", (out.getvalue(),))


_set = object.__setattr__  # as a crafted pickle sets them: frozen or not


@pytest.mark.parametrize(
    "change",
    [
        lambda s: _set(s.state.pace, "moving_s", "3600"),  # a dataclass field: statecheck
        lambda s: _set(s.state, "km", None),
        lambda s: _set(s.state.last, "lat", "52.1"),
        lambda s: _set(s, "kms", array("b", [0] * len(s.kms))),
        lambda s: _set(s.state.motion, "moving_s_total", "x"),  # unannotated: the trial use
        lambda s: _set(s.state.days, "_days", {"x": 1}),  # a rider-days ledger
    ],
    ids=["pace-str", "km-none", "fix-lat-str", "kms-bytes", "motion-str", "days-dict"],
)
def test_a_state_with_fields_of_the_wrong_type_is_ignored(
    tmp_path: Path,
    shared_dir: Path,
    feed: list[Fix],
    applied: list[int],
    change: Callable[[RunningState], None],
) -> None:
    """A crafted state whose types lie is a damaged state: the log is replayed in full and the
    result is the full replay's, never a TypeError later in front of the crew."""
    event, db = _event(tmp_path, shared_dir), tmp_path / "log.sqlite"
    _log(event, db, feed[:3000]).close()
    _rewrite_state(db, change)
    _reopened_in_full(event, db, applied, feed[2999])


def test_an_undo_or_a_late_entry_after_a_reopening_replays_from_the_state_s_back_snapshot(
    tmp_path: Path, shared_dir: Path, feed: list[Fix], applied: list[int]
) -> None:
    """A checkpoint typed, the laptop restarted (or a CLI command: each opens the log anew),
    then the checkpoint undone, or one typed late a few minutes back: the saved state carries a
    snapshot from before the last few thousand fixes and those fixes, so only they are replayed
    (an undo of the state's own last fix replayed all of them: 14-19 s a day of 10 Hz)."""
    event, db = _event(tmp_path, shared_dir), tmp_path / "log.sqlite"
    s = _log(event, db, feed[:7000])
    s.checkpoint("km 5", None, feed[6999].time + timedelta(seconds=2), force=True)
    s.close()  # the state ends on the checkpoint
    applied[0] = 0
    with EventSession.open(event, db) as s:
        assert applied[0] == 0
        assert s.undo() is not None
        assert 0 < applied[0] <= heldfixes.BACK_FIXES  # from the back snapshot, not from 0
        assert s.tracker._fixes.head_len > 0  # nothing of the head read
        _same_as_full_replay(s, feed[6999])
    applied[0] = 0
    with EventSession.open(event, db) as s:  # a late entry 3 minutes back, typed after a restart
        at = feed[7000 - 1800].time.astimezone(s.event.zone).strftime("%Y-%m-%dT%H:%M:%S")
        s.checkpoint("km 4", at, feed[6999].time + timedelta(seconds=5), force=True)
        assert 0 < applied[0] <= heldfixes.BACK_FIXES
        assert s.tracker._fixes.head_len > 0
        _same_as_full_replay(s, feed[6999])


@pytest.mark.parametrize(
    "change",
    [
        lambda s: _set(s, "back_fixes", _cut(s.back_fixes)),  # columns of unequal lengths
        lambda s: _set(s, "back", s.back - 1),  # the fixes do not reach the state's last
        lambda s: _set(s.back_fixes, "_src", array("B", [7] * len(s.back_fixes))),  # no source 7
    ],
    ids=["columns-cut", "back-off-by-one", "source-code"],
)
def test_back_fixes_that_do_not_fit_are_left_out(
    tmp_path: Path, shared_dir: Path, feed: list[Fix], applied: list[int],
    change: Callable[[RunningState], None],
) -> None:
    """A crafted or damaged state's back fixes that do not fit it are not trusted: the state
    is used without them (the head read if an undo needs it), and answers as a full replay."""
    event, db = _event(tmp_path, shared_dir), tmp_path / "log.sqlite"
    s = _log(event, db, feed[:7000])
    s.checkpoint("km 5", None, feed[6999].time + timedelta(seconds=2), force=True)
    s.close()
    _rewrite_state(db, change)
    with EventSession.open(event, db) as s:
        assert s.resumed_at is not None and s.tracker._fixes.head_len == 7000  # the last held
        assert s.undo() is not None
        _same_as_full_replay(s, feed[6999])


def _cut(cols: object) -> object:
    cols._lat = cols._lat[:-1]  # type: ignore[attr-defined]
    return cols
