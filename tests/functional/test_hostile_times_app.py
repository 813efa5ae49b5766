"""Pilot: the dashboard on a log with a damaged row opens, says SET ASIDE in its alerts and shows
the row in the log view; a year-999 time typed in the form is refused there (issue 10, F1)."""

from __future__ import annotations

import sqlite3

from companion_fixtures import Setup, screen_text
from textual.widgets import Input, Label

from companion.app.screens.checkpoint import CheckpointScreen
from companion.app.screens.dashboard import DashboardScreen
from companion.app.screens.log import LogScreen
from companion.service import EventSession

SIZE = (120, 40)


def _damage(setup: Setup) -> int:
    """One fix row as the old to_iso wrote a year-999 time; returns its id."""
    with sqlite3.connect(setup.db_path) as conn:
        cur = conn.execute(
            "INSERT INTO events (kind, logged_at, time, lat, lon, km, source, payload) VALUES "
            "('fix', '2021-08-19T00:30:00.000000+00:00', '999-06-01T10:00:00.000000+00:00', "
            "20.6, 72.93, 40.0, 'manual', '{\"label\": \"Valsad\"}')"
        )
        row_id = cur.lastrowid
    conn.close()
    assert row_id is not None
    return row_id


async def test_a_damaged_row_is_an_alert_and_a_row_of_the_log_not_a_crash(setup: Setup) -> None:
    row_id = _damage(setup)
    with setup.open() as session:
        km_before = session.tracker.km
        app = setup.app(session)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            text = screen_text(app)
            assert "SET ASIDE" in text and f"#{row_id}" in text
            assert "OK: no alerts" not in text
            await pilot.press("l")
            assert isinstance(app.screen, LogScreen)
            assert f"row #{row_id} set aside" in screen_text(app)
        assert session.tracker.km == km_before  # the damaged km 40 did not count


async def test_a_year_999_time_typed_in_the_form_is_refused(setup: Setup) -> None:
    with setup.open() as session:
        before = len(session.logbook.entries())
        app = setup.app(session)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("c", *"Valsad")
            app.screen.query_one("#when", Input).value = "0999-06-01T10:00+00:00"
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, CheckpointScreen)
            error = str(app.screen.query_one("#error", Label).content)
            assert "before 2000" in error
            # Enter again (the form's "log it anyway" for an implausible speed) is no way round.
            await pilot.press("enter")
            await pilot.pause()
            assert not isinstance(app.screen, DashboardScreen)
        assert len(session.logbook.entries()) == before
    with setup.open() as reopened:
        assert reopened.logbook.set_aside == []


def test_the_session_alert_is_in_status_too(session: EventSession, setup: Setup) -> None:
    row_id = _damage(setup)
    session.replay()
    alerts = session.progress(setup.clock()).alerts
    assert any(a.startswith(f"SET ASIDE: log row #{row_id} (fix)") for a in alerts), alerts
