"""EventSession: a live session and a reopened one (replay of the log) agree after every step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from companion.core.models import Fix
from companion.event import Event, write_event
from companion.service import EventSession

NOW = datetime(2021, 8, 16, 13, 0, tzinfo=UTC)  # 18:30 IST


def test_live_state_equals_replay_after_entries_edits_and_undos(tmp_path: Path) -> None:
    ev = write_event(
        Event(
            "Unity", "A", "unity-run-2021", "Asia/Kolkata", 7.0, start=datetime(2021, 8, 15, 5, 30)
        ),
        tmp_path / "ev.toml",
    )
    db = tmp_path / "ev.sqlite"
    live = EventSession.open(ev.path, db)
    steps = [
        lambda: live.checkpoint("Virar Phata", "2021-08-15T17:00", NOW),
        lambda: live.checkpoint("+3", "2021-08-15T18:00", NOW),
        lambda: live.checkpoint("km 70", "2021-08-16T10:00", NOW),
        lambda: live.checkpoint("Manor", "2021-08-16T08:00", NOW),  # entered late
        # Before the GPS fixes at km 60-66 from 08:30: out of km order, so it must be forced.
        lambda: live.edit_last_time("2021-08-16T07:45", NOW, force=True),
        lambda: live.undo(),
        lambda: live.undo(),
    ]
    # GPS fixes between the entries, through the feed path.
    for i in range(30):
        pos = live.route.point_at(60 + i * 0.2)
        t = datetime(2021, 8, 16, 3, 0, tzinfo=UTC) + timedelta(minutes=2 * i)
        live.add_feed_fix(Fix(t, pos.lat, pos.lon, source="gpsd", speed_mps=1.7), NOW)
    live.flush()
    for step in steps:
        step()
        again = EventSession.open(ev.path, db, readonly=True)
        try:
            assert live.progress(NOW) == again.progress(NOW)
            assert live.tracker.fixes == again.tracker.fixes
        finally:
            again.close()
    live.close()


def test_the_event_sets_when_a_position_is_stale(tmp_path: Path) -> None:
    ev = write_event(
        Event("Unity", "A", "unity-run-2021", "Asia/Kolkata", 7.0, stale_min=3),
        tmp_path / "ev.toml",
    )
    s = EventSession.open(ev.path, tmp_path / "ev.sqlite")
    try:
        pos = s.route.point_at(1.0)
        s.add_feed_fix(Fix(NOW, pos.lat, pos.lon, source="gpsd", speed_mps=2.0), NOW)
        assert not s.progress(NOW + timedelta(minutes=2)).alerts
        assert s.progress(NOW + timedelta(minutes=4)).alerts == (
            "STALE: last GPS position 4 min old",
        )
        # A day on, in hours as every duration is written (not "1608 min").
        assert s.progress(NOW + timedelta(hours=26, minutes=48)).alerts[0] == (
            "STALE: last GPS position 26h48 old"
        )
    finally:
        s.close()
