"""Reopening reads only the log's tail (issue 11): with the tracker state saved on close, a
reopened session builds a Fix for the rows after the state only, answers `status --json`, the
summary and the crew's lines without reading the rest, and gives what a full replay gives.

Real parts: the real Audax ride's GPX as the route and its points at 10 Hz (with a typed
checkpoint among them) as the log, a real SQLite file, EventSession and the status document
as `companion status --json` builds them. Rows read are counted (every fix row read from the
log goes through logrows' plain_fix or fix_from_row), never timed. The reference is the same
log with its saved state removed: a full replay.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers.real_tracks import AUDAX_150K, RealTrack, fixes, load_real_track
from helpers.rows_read import count_rows_read

from companion import handover, render
from companion.core.models import Fix
from companion.crew import Crew
from companion.service import EventSession
from companion.status_doc import status_document

MINUTES = 12  # of the ride at 10 Hz: 7,200 fixes


@pytest.fixture(scope="module")
def feed(shared_dir: Path) -> list[Fix]:
    track = load_real_track(shared_dir / AUDAX_150K)
    secs = track.seconds()
    idx = np.flatnonzero(secs <= MINUTES * 60 + 60)
    part = RealTrack(track.path, [track.times[i] for i in idx], track.lats[idx], track.lons[idx],
                     None)  # fmt: skip
    return fixes(part, hz=10.0, source="nmea")


@pytest.fixture
def rows_read(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many fix rows were read into Fix objects since the last reset."""
    count = count_rows_read(monkeypatch)
    yield count


def _event(tmp: Path, shared_dir: Path) -> Path:
    path = tmp / "audax.toml"
    path.write_text(
        f'name = "Audax"\nathlete = "A"\nroute = "{shared_dir / AUDAX_150K}"\n'
        'timezone = "Australia/Melbourne"\nplanned_kmh = 25\nday_hours = "06:00-20:00"\n'
    )
    return path


def _without_state(db: Path, tmp: Path) -> Path:
    copy = tmp / f"full-{len(list(tmp.glob('full-*')))}.sqlite"
    src, dst = sqlite3.connect(db), sqlite3.connect(copy)
    src.backup(dst)  # the log with what its WAL holds too
    src.close()
    with dst:
        dst.execute("DROP TABLE tracker_state2")
    dst.close()
    return copy


def _documents(event: Path, db: Path, now_fix: Fix) -> tuple[dict[str, Any], str]:
    now = now_fix.time + timedelta(seconds=5)
    with EventSession.open(event, db, readonly=True) as s:
        return status_document(s, now), render.summary(s.event, s.tracker, now, None)


def test_a_reopened_status_reads_only_the_tail(
    tmp_path: Path, shared_dir: Path, feed: list[Fix], rows_read: list[int]
) -> None:
    event, db = _event(tmp_path, shared_dir), tmp_path / "log.sqlite"
    head, tail = feed[:5000], feed[5000:]
    s = EventSession.open(event, db)
    for f in head[:3000]:
        s.add_feed_fix(f)
    # The crew types a checkpoint among the GPS fixes (a manual row: fix_from_row).
    s.checkpoint("km 2", None, head[2999].time + timedelta(seconds=1), force=True)
    for f in head[3000:]:
        s.add_feed_fix(f)
    s.close()  # saves the state
    rows_read[0] = 0
    with EventSession.open(event, db, readonly=True) as s:
        assert rows_read[0] == 0  # nothing after the state
        doc = status_document(s, head[-1].time + timedelta(seconds=5))
        last = s.filter.last
        assert last is not None and last == s.tracker.last_fix and last.source == "nmea"
        crew = Crew(s)  # as the dashboard holds it: its second look checks the town's fix
        p = s.progress(head[-1].time + timedelta(seconds=5))
        assert crew.freshness(p) == crew.freshness(p)
        assert rows_read[0] == 0  # the status, the crew's block, the freshness: no row read
    # More fixes, then the process dies (no close, no new state).
    s = EventSession.open(event, db)
    for f in tail:
        s.add_feed_fix(f)
    s.flush()
    s.logbook.close()
    rows_read[0] = 0
    got = _documents(event, db, tail[-1])
    assert rows_read[0] == len(tail)  # the tail, and nothing else
    want = _documents(event, _without_state(db, tmp_path), tail[-1])
    assert rows_read[0] > len(feed)  # the reference did read every row
    assert got == want
    assert doc["km_total"] < got[0]["km_total"]  # the tail moved the athlete on


def test_a_reopened_tracker_reads_the_head_when_asked_and_equals_a_full_replay(
    tmp_path: Path, shared_dir: Path, feed: list[Fix], rows_read: list[int]
) -> None:
    event, db = _event(tmp_path, shared_dir), tmp_path / "log.sqlite"
    s = EventSession.open(event, db)
    for f in feed[:4000]:
        s.add_feed_fix(f)
    s.close()
    full = EventSession.open(event, _without_state(db, tmp_path), readonly=True)
    rows_read[0] = 0
    s = EventSession.open(event, db)
    assert rows_read[0] == 0
    km = s.route.towns[0].km if s.route.towns else 1.0
    assert s.tracker.reached_at(km) == full.tracker.reached_at(km)
    assert s.tracker.km_at(feed[1000].time) == full.tracker.km_at(feed[1000].time)
    assert rows_read[0] == 0  # times and km of the head come with the state
    # An entry typed in late, among the fixes the state covers before its back snapshot (at
    # 1,000 fixes: those after it are held with it): the head is read, once.
    late = feed[500].time + timedelta(milliseconds=50)
    when = late.isoformat()
    s.checkpoint("km 5", when, feed[3999].time, force=True)
    full.close()
    assert 0 < rows_read[0] <= 4000
    assert s.tracker.fixes == [f for _i, f in s.logbook.effective_fixes()]
    reference = EventSession.open(event, _without_state(db, tmp_path), readonly=True)
    now = feed[3999].time + timedelta(seconds=1)
    assert s.tracker.progress(now) == reference.tracker.progress(now)
    assert s.tracker.day_totals() == reference.tracker.day_totals()
    s.close()
    reference.close()


def test_a_row_deleted_by_hand_drops_the_state(
    tmp_path: Path, shared_dir: Path, feed: list[Fix], rows_read: list[int]
) -> None:
    """The fit check reads no row it covers: a hand DELETE (or UPDATE) on the log fires the
    trigger saved with the state, which deletes the state; the reopening replays in full."""
    event, db = _event(tmp_path, shared_dir), tmp_path / "log.sqlite"
    s = EventSession.open(event, db)
    for f in feed[:3000]:
        s.add_feed_fix(f)
    s.close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM tracker_state2").fetchone()[0] == 1
        first = "SELECT min(id) FROM events WHERE kind = 'fix'"
        conn.execute(f"DELETE FROM events WHERE id = ({first})")
        assert conn.execute("SELECT count(*) FROM tracker_state2").fetchone()[0] == 0
    conn.close()
    rows_read[0] = 0
    with EventSession.open(event, db, readonly=True) as s:
        assert rows_read[0] == len(s.tracker.fixes) == 2999


@pytest.mark.parametrize("typed", ["checkpoint", "stop", "both"])
def test_a_typed_entry_last_reads_no_row_for_the_feeds_last_gps_fix(
    tmp_path: Path, shared_dir: Path, feed: list[Fix], rows_read: list[int], typed: str
) -> None:
    """The newest fix typed (a checkpoint, a stop: the crew's commonest last entries), the log
    reopened from its state: the plausibility filter's seed, the feed's own last GPS fix, is
    found without reading a row of the head (it read the whole head: ~8 s a day of 10 Hz, for
    `status`, `summary`, `stops`, every command), and it is the full replay's."""
    event, db = _event(tmp_path, shared_dir), tmp_path / "log.sqlite"
    with EventSession.open(event, db) as s:
        for f in feed[:4000]:
            s.add_feed_fix(f)
        after = feed[3999].time + timedelta(seconds=30)
        if typed in ("checkpoint", "both"):
            s.checkpoint("km 2", None, after, force=True)
        if typed in ("stop", "both"):
            s.mark("stop", None, after + timedelta(seconds=5))
    rows_read[0] = 0
    with EventSession.open(event, db, readonly=True) as s:
        assert s.resumed_at is not None
        seed = s.filter.last
        assert rows_read[0] == 0
        assert s.tracker.last_fix is not None and s.tracker.last_fix.is_manual
    with EventSession.open(event, _without_state(db, tmp_path), readonly=True) as full:
        assert full.resumed_at is None
        assert seed is not None and seed == full.filter.last  # with the km it was logged at
        gps = feed[3999]
        assert (seed.time, seed.lat, seed.lon, seed.source) == (gps.time, gps.lat, gps.lon, "nmea")
        assert seed == full.tracker.newest_fix(lambda f: not f.is_manual)


def test_a_handover_after_a_reopening_reads_no_row_of_the_head(
    tmp_path: Path, shared_dir: Path, feed: list[Fix], rows_read: list[int]
) -> None:
    """The shift began among the fixes a reopened log did not read (its head): the card's GPS
    gaps come from the fixes' times less the typed ones', no row read (the head was read whole),
    and the card is the full replay's."""
    event, db = _event(tmp_path, shared_dir), tmp_path / "log.sqlite"
    with EventSession.open(event, db) as s:
        for f in feed[:4000]:
            s.add_feed_fix(f)
        s.checkpoint("km 2", None, feed[3999].time + timedelta(seconds=30), force=True)
    now = feed[3999].time + timedelta(minutes=1)
    since = feed[300].time  # before the state's back snapshot: among the head
    rows_read[0] = 0
    with EventSession.open(event, db, readonly=True) as s:
        card = handover.build(Crew(s), now, since=since)
        assert rows_read[0] == 0
    with EventSession.open(event, _without_state(db, tmp_path), readonly=True) as full:
        assert card == handover.build(Crew(full), now, since=since)
