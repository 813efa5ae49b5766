"""A fault of ours while the numbers are worked out (a crew check, 2026-12-03: an ETA past year
9999 raised ValueError in the day clock and the dashboard died with a traceback, in the car, and
again at each restart). Now the screen stays up: the last numbers stay, a red alert says they
are frozen and since when, typed entries are still committed, and the numbers come back by
themselves once they can be worked out again.

The fault is injected (Tracker.progress made to raise): the real one is fixed
(tests/unit/test_start_before_first_fix.py), and no input is known that still makes one.
"""

from __future__ import annotations

import logging
from datetime import datetime

import pytest
from companion_fixtures import FrozenClock, screen_text, state_at
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen

from companion.app.app import make_app
from companion.app.screens.checkpoint import CheckpointScreen
from companion.app.screens.dashboard import DashboardScreen
from companion.app.widgets.alerts import Alerts
from companion.core.tracker import Tracker
from companion.logbook import Logbook
from companion.service import EventSession


async def test_a_fault_in_the_numbers_freezes_them_loudly_and_the_log_goes_on(
    state_session: EventSession, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    session = state_session
    clock = FrozenClock(state_at(9, 0))
    app = make_app(session, clock, cursor_blink=False)
    real = Tracker.progress

    def broken(self: Tracker, now: datetime) -> object:
        raise ValueError("year 96704 is out of range")

    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "KM TOTAL" in screen_text(app) and "OK: no alerts" in screen_text(app)
        monkeypatch.setattr(Tracker, "progress", broken)
        clock.advance(60)
        with caplog.at_level(logging.ERROR, logger="companion.app"):
            # The next tick (each second) works the numbers out again, and fails.
            assert await shows(pilot, app, "NUMBERS FROZEN")
        text = screen_text(app)
        assert "NUMBERS FROZEN since 09:01: internal error (ValueError)" in text
        assert app.dashboard.query_one(Alerts).has_class("-alert")
        assert app.is_running and app.return_code is None
        assert any("year 96704" in r.getMessage() or (r.exc_info and "96704" in str(r.exc_info[1]))
                   for r in caplog.records)  # fmt: skip
        assert "16.0" in text  # the last numbers stay, flagged
        # A checkpoint typed now is committed all the same.
        await pilot.press("c")
        assert isinstance(app.screen, CheckpointScreen)
        await pilot.press(*"km 22", "enter")
        assert await shows(pilot, app, "", DashboardScreen)
        with Logbook.open(session.logbook.path, readonly=True) as book:
            assert [f.km for _i, f in book.effective_fixes()][-1] == 22.0
        assert "NUMBERS FROZEN since 09:01" in screen_text(app)  # still the first time
        # The fault gone, the next tick brings the numbers back, the typed km in them.
        monkeypatch.setattr(Tracker, "progress", real)
        clock.advance(60)
        assert await shows(pilot, app, "OK: no alerts")
        text = screen_text(app)
        assert "NUMBERS FROZEN" not in text
        assert "22.0" in text


async def shows(
    pilot: Pilot[None], app: App[None], text: str, screen: type[Screen[None]] = DashboardScreen
) -> bool:
    """Whether `screen` is up with `text` on it once the app got to it: a bounded wait for the
    state (up to ~20 s on a loaded machine), not a timing."""
    for _ in range(400):
        await pilot.pause(0.05)
        if isinstance(app.screen, screen) and text in screen_text(app):
            return True
    return False
