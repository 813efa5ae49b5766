"""`follow` lets go of the fixes it committed long ago (companion/headspill.py, issue 11 MEM).

Real parts: the Audax ride's points at 10 Hz as a GPS feed, real SQLite logs, EventSession fed
as `follow` feeds it (flushed every 5,000 fixes here, the head let go of after each flush; KEEP
and EVERY made small so a short ride shows it). The reference is the same feed into a session
that holds every fix. What is asserted: the fixes held stay bounded (counted, not timed), and
every answer is the reference's: km, day totals, progress with its ETAs, the fixes themselves
(read back from the log), and a late fix sent from within the head, placed and replayed.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from helpers.real_tracks import AUDAX_150K, RealTrack, fixes, load_real_track

from companion import headspill
from companion.core.deferred import Deferred
from companion.core.models import Fix
from companion.service import EventSession

MINUTES = 40  # of the ride at 10 Hz: 24,000 fixes
FLUSH = 5_000


@pytest.fixture(scope="module")
def feed(shared_dir: Path) -> list[Fix]:
    track = load_real_track(shared_dir / AUDAX_150K)
    idx = np.flatnonzero(track.seconds() <= MINUTES * 60)
    part = RealTrack(track.path, [track.times[i] for i in idx], track.lats[idx], track.lons[idx],
                     None)  # fmt: skip
    return fixes(part, hz=10.0, receiver_speed=True, source="nmea")


def _event(tmp: Path, shared_dir: Path) -> Path:
    path = tmp / "audax.toml"
    path.write_text(
        f'name = "Audax"\nathlete = "A"\nroute = "{shared_dir / AUDAX_150K}"\n'
        'timezone = "Australia/Melbourne"\nplanned_kmh = 25\nday_hours = "06:00-20:00"\n'
    )
    return path


def _feed(s: EventSession, feed: list[Fix], spill: headspill.HeadSpill | None) -> None:
    for i, f in enumerate(feed):
        s.add_feed_fix(f)
        if i % FLUSH == FLUSH - 1:
            s.flush()
            if spill is not None:
                spill(s)
    s.flush()


def test_follow_holds_only_the_newest_fixes_and_answers_the_same(
    tmp_path: Path, shared_dir: Path, feed: list[Fix], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(headspill, "KEEP", 3_000)
    monkeypatch.setattr(headspill, "EVERY", 5_000)
    event = _event(tmp_path, shared_dir)
    spill = headspill.HeadSpill()
    with (
        EventSession.open(event, tmp_path / "spilled.sqlite") as s,
        EventSession.open(event, tmp_path / "whole.sqlite") as ref,
    ):
        _feed(s, feed, spill)
        _feed(ref, feed, None)
        assert spill.done >= 3
        held = s.tracker.fixes_seen
        assert isinstance(held, Deferred) and not held.fetched
        assert len(held.held) <= 3_000 + FLUSH  # the newest only: not the 24,000
        assert len(held) == len(feed)
        now = feed[-1].time + timedelta(seconds=30)
        assert s.tracker.km == ref.tracker.km > 3.0
        assert s.tracker.day_totals() == ref.tracker.day_totals()
        assert s.tracker.progress(now) == ref.tracker.progress(now)
        assert s.tracker.km_at(feed[100].time) == ref.tracker.km_at(feed[100].time)
        assert not held.fetched  # none of that read the log
        # A fix sent late from within the head: placed, replayed, from the log read back.
        late = feed[2_000]
        late = Fix(late.time + timedelta(milliseconds=50), late.lat, late.lon, "nmea")
        assert s.add_feed_fix(late, prefiltered=True).accepted
        assert ref.add_feed_fix(late, prefiltered=True).accepted
        s.flush()
        ref.flush()
        assert held.fetched
        assert s.tracker.progress(now) == ref.tracker.progress(now)
        assert s.tracker.fixes == ref.tracker.fixes
    # Closed (its state saved from the times and kms it kept), reopened: as the reference.
    with (
        EventSession.open(event, tmp_path / "spilled.sqlite", readonly=True) as s,
        EventSession.open(event, tmp_path / "whole.sqlite", readonly=True) as ref,
    ):
        assert s.tracker.progress(now) == ref.tracker.progress(now)
        assert s.tracker.day_totals() == ref.tracker.day_totals()


def test_another_writer_keeps_the_fixes_held(
    tmp_path: Path, shared_dir: Path, feed: list[Fix], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(headspill, "KEEP", 3_000)
    monkeypatch.setattr(headspill, "EVERY", 5_000)
    event, db = _event(tmp_path, shared_dir), tmp_path / "log.sqlite"
    spill = headspill.HeadSpill()
    with EventSession.open(event, db) as s:
        _feed(s, feed[:5_000], spill)
        with EventSession.open(event, db) as other:  # a checkpoint typed at the console
            other.checkpoint("km 3", None, feed[4_999].time + timedelta(seconds=1), force=True)
        _feed(s, feed[5_000:], spill)
        assert spill.done == 0  # the log holds a fix the tracker does not: nothing let go
        assert not isinstance(s.tracker.fixes_seen, Deferred)
