"""A log read again from its first fix (no saved state fits it: the first opening after an
upgrade, a log copied from another laptop) is read in pieces between the screen's turns: the
first frame counts the fixes read, q quits part way, and nothing is saved from the part read;
read to the end, the dashboard holds what one replay in a go gives.

Before, the whole replay ran in one call on the event loop: ~40 s a day of 10 Hz fixes with the
screen frozen, q and resizes waiting. Real parts: the Audax ride's GPX as the route, its points
at 10 Hz as the feed, a real SQLite log, Textual's Pilot. The pieces are made small here (20
fixes, 5 where q must come first) so that a short log has many; nothing is timed.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from companion_fixtures import screen_text
from helpers.real_tracks import audax_10hz, audax_event
from helpers.rows_read import without_saved_state

from companion.app import app as app_module
from companion.app.app import CompanionApp
from companion.app.starting import Opening, StartingScreen
from companion.core.models import Fix
from companion.service import EventSession

SIZE = (120, 40)
FIXES = 9_000  # the ride's first 15 minutes at 10 Hz


@pytest.fixture(scope="module")
def feed(shared_dir: Path) -> list[Fix]:
    return audax_10hz(shared_dir, 16)[:FIXES]


@pytest.fixture
def logged(tmp_path: Path, shared_dir: Path, feed: list[Fix]) -> tuple[Path, Path]:
    """The event and a copy of its log with no saved state (a full replay to open)."""
    event, db = audax_event(tmp_path, shared_dir), tmp_path / "log.sqlite"
    with EventSession.open(event, db) as s:
        for f in feed:
            s.add_feed_fix(f, prefiltered=True)
        s.flush()
    return event, without_saved_state(db, tmp_path)


def _saved_states(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM tracker_state2").fetchone()[0])


async def _until(pilot: object, done: Callable[[], bool], tries: int = 400) -> bool:
    for _ in range(tries):
        if done():
            return True
        await pilot.pause(0.01)  # type: ignore[attr-defined]
    return done()


def _clock(feed: list[Fix]) -> Callable[[], datetime]:
    end = feed[-1].time + timedelta(minutes=1)
    return lambda: end


async def test_the_first_frame_counts_the_fixes_read_and_q_quits_part_way(
    logged: tuple[Path, Path], feed: list[Fix], monkeypatch: pytest.MonkeyPatch
) -> None:
    event, db = logged
    # Pieces of 5: 1,800 turns of the screen before the log is read, so q comes well before.
    monkeypatch.setattr(app_module, "REPLAY_PIECE", 5)
    opening = Opening(event, str(db), None, _clock(feed))
    app = CompanionApp(opening, _clock(feed), cursor_blink=False)
    try:
        async with app.run_test(size=SIZE) as pilot:
            assert await _until(pilot, lambda: "fixes read" in screen_text(app))
            reading = screen_text(app)
            assert isinstance(app.screen, StartingScreen)
            await pilot.press("q")  # taken between two pieces, not after the whole log
            await _until(pilot, lambda: not app.is_running)
    finally:
        opening.close()
    assert "reading the log… " in reading and "KM" not in reading  # no number before it is real
    session = opening.session
    assert session is not None and not session.replayed
    shown = re.search(r"reading the log… ([\d,]+) fixes read", reading)
    assert shown is not None and 0 < int(shown[1].replace(",", "")) < FIXES  # part way
    assert _saved_states(db) == 0  # nothing saved from the part read


async def test_read_to_the_end_in_pieces_the_dashboard_holds_the_whole_replay(
    logged: tuple[Path, Path], feed: list[Fix], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    event, db = logged
    monkeypatch.setattr(app_module, "REPLAY_PIECE", 20)
    said: list[str] = []
    opening = Opening(event, str(db), None, _clock(feed))
    app = CompanionApp(opening, _clock(feed), cursor_blink=False)
    try:
        async with app.run_test(size=SIZE) as pilot:

            def read() -> bool:
                text = screen_text(app)
                if "fixes read" in text:
                    said.append(text)
                return opening.session is not None and opening.session.replayed

            assert await _until(pilot, read, tries=3000)
            await pilot.pause()
            shown = screen_text(app)
            session = opening.session
            assert session is not None
            km, n = session.tracker.km, len(session.tracker.fixes_seen)
    finally:
        opening.close()
    assert len(said) >= 2  # the count went up piece by piece on the first frame
    assert "KM TOTAL" in shown and "reading the log" not in shown
    copy = tmp_path / "again"
    copy.mkdir()
    with EventSession.open(event, without_saved_state(db, copy), readonly=True) as whole:
        assert whole.resumed_at is None  # one replay in a go, the reference
        assert (km, n) == (whole.tracker.km, len(whole.tracker.fixes_seen)) == (km, FIXES)
    assert _saved_states(db) == 1  # read whole, its state saved at the close: fast next time
