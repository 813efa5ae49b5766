"""Pilot tests: press the crew's keys and check the screen and the database."""

from __future__ import annotations

from typing import Any

from companion_fixtures import Setup, manual_entries, screen_text
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Label

from companion.app.screens.checkpoint import CheckpointScreen
from companion.app.screens.confirm import ConfirmScreen
from companion.app.screens.dashboard import DashboardScreen
from companion.app.screens.days import DaysScreen
from companion.app.screens.edit_time import EditTimeScreen
from companion.app.screens.log import LogScreen
from companion.app.screens.towns import TownsScreen
from companion.logrows import LogEntry
from companion.service import EventSession

SIZE = (80, 24)


def _fix_count(session: EventSession) -> int:
    return sum(1 for e in session.logbook.entries() if e.kind == "fix")


async def _back_on(pilot: Pilot[Any], app: App[Any], screen: type[Screen[Any]]) -> bool:
    """Whether `screen` is up once the app has taken the keys in hand: a form's dismiss pops
    it when the app gets to it, which on a loaded machine can be after one pause (a bounded
    wait for the state, not a timing)."""
    for _ in range(100):
        await pilot.pause()
        if isinstance(app.screen, screen):
            return True
        await pilot.pause(0.02)
    return False


async def test_main_screen_at_80x24(setup: Setup, session: EventSession) -> None:
    app = setup.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
    for expected in (
        "Test Run",
        "Test Athlete",
        "Thu 19 Aug 06:40",
        "Day 2",
        "KM TODAY",
        "KM TOTAL of 115",
        "KM TO GO",
        "NEXT",
        "Valsad",
        "Surat (finish)",
        "! STALE",
        "FEED",
        "c Checkpoint",
    ):
        assert expected in text, expected


async def test_checkpoint_saves_and_shows(setup: Setup, session: EventSession) -> None:
    app = setup.app(session)
    before = _fix_count(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        assert isinstance(app.screen, CheckpointScreen)
        await pilot.press(*"Valsad", "enter")
        assert await _back_on(pilot, app, DashboardScreen)
        text = screen_text(app)
        # Valsad is reached: the next town is Chikhli, and the log says so in a toast.
        assert "NEXT  Chikhli" in text
        assert "Valsad" in text
        progress = app.dashboard.progress
        assert progress is not None and progress.km_total == 40.0
    assert _fix_count(session) == before + 1
    assert next(manual_entries(session)) == ("Valsad (km 40.0)", False)


async def test_completion_ignores_case_and_accents(setup: Setup, session: EventSession) -> None:
    app = setup.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c", *"CHÍk")
        await pilot.pause()
        where = app.screen.query_one("#where", Input)
        assert where._suggestion == "Chikhli"
        assert "Chikhli" in str(app.screen.query_one("#matches", Label).content)
        await pilot.press("right", "enter")  # → takes the suggestion
        await pilot.pause()
        # 24.5 km on in 20 minutes is no runner's pace: the form asks before saving it.
        assert isinstance(app.screen, CheckpointScreen)
        error = str(app.screen.query_one("#error", Label).content)
        assert "Chikhli is 24.5 km on from the last position (km 37.5 at 06:20)" in error
        assert "Enter again to save it anyway" in error
        assert next(manual_entries(session))[0] != "Chikhli (km 62.0)"
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, CheckpointScreen)
    assert next(manual_entries(session))[0] == "Chikhli (km 62.0)"


async def test_bad_entry_is_refused_in_the_form(setup: Setup, session: EventSession) -> None:
    app = setup.app(session)
    before = _fix_count(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c", *"Valsd", "enter")
        await pilot.pause()
        assert isinstance(app.screen, CheckpointScreen)
        error = str(app.screen.query_one("#error", Label).content)
        assert "Did you mean" in error and "Valsad" in error
        assert app.screen.query_one("#where", Input).value == "Valsd"  # nothing typed is lost
        assert "Did you mean" in screen_text(app)
    assert _fix_count(session) == before


async def test_time_can_be_changed_and_bad_time_refused(
    setup: Setup, session: EventSession
) -> None:
    app = setup.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c", *"Valsad")
        when = app.screen.query_one("#when", Input)
        assert when.value == "06:40"  # defaults to now
        when.value = "2021-08-19T07:30"  # in the future (07:30 alone is yesterday's)
        await pilot.press("enter")
        await pilot.pause()
        assert "in the future" in str(app.screen.query_one("#error", Label).content)
        when.value = "06:35"
        await pilot.press("enter")
        assert await _back_on(pilot, app, DashboardScreen)
    fix = session.tracker.last_fix
    assert fix is not None and fix.label == "Valsad"
    assert fix.time.astimezone(setup.clock.now.tzinfo).isoformat() == "2021-08-19T01:05:00+00:00"


async def test_escape_cancels_and_changes_nothing(setup: Setup, session: EventSession) -> None:
    app = setup.app(session)
    before = _fix_count(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c", *"Valsad", "escape")
        assert await _back_on(pilot, app, DashboardScreen)
    assert _fix_count(session) == before


async def test_undo_asks_then_undoes(setup: Setup, session: EventSession) -> None:
    app = setup.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u")
        assert isinstance(app.screen, ConfirmScreen)
        assert "km 36" in screen_text(app)  # it says what it will undo
        await pilot.press("n")
        assert await _back_on(pilot, app, DashboardScreen)
        assert next(manual_entries(session)) == ("km 36 (km 36.0)", False)
        await pilot.press("u", "y")
        assert await _back_on(pilot, app, DashboardScreen)
    # The morning entry of day 2 is undone (kept in the log, marked).
    assert next(manual_entries(session)) == ("km 36 (km 36.0)", True)


async def test_edit_time_of_last_entry(setup: Setup, session: EventSession) -> None:
    app = setup.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        assert isinstance(app.screen, EditTimeScreen)
        when = app.screen.query_one("#when", Input)
        assert when.value == "06:00"
        when.value = "05:45"
        await pilot.press("enter")
        assert await _back_on(pilot, app, DashboardScreen)
    edits = [e for e in session.logbook.entries() if e.kind == "edit"]
    assert len(edits) == 1 and edits[0].time is not None
    assert edits[0].time.isoformat() == "2021-08-19T00:15:00+00:00"


async def test_detail_views_open_and_close(setup: Setup, session: EventSession) -> None:
    app = setup.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        assert isinstance(app.screen, DaysScreen)
        text = screen_text(app)
        assert "DAILY TOTALS" in text and "Wed 18 Aug" in text and "◀ today" in text
        await pilot.press("escape", "t")
        assert isinstance(app.screen, TownsScreen)
        text = screen_text(app)
        assert "TOWNS AHEAD" in text and "Navsari" in text and "Surat (finish)" in text
        await pilot.press("escape", "l")
        assert isinstance(app.screen, LogScreen)
        text = screen_text(app)
        assert "LOG" in text and "Pardi (km 30.0)" in text and "without GPS fixes" in text
        rows = [line for line in text.splitlines() if line.rstrip().endswith("gps")]
        assert not rows  # the feed's fixes are left out until g
        await pilot.press("g")
        await pilot.pause()
        text = screen_text(app)
        assert "with GPS fixes" in text
        assert [line for line in text.splitlines() if line.rstrip().endswith("gps")]
        await pilot.press("escape", "question_mark")
        assert "KEYS" in screen_text(app)
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_command_palette_lists_every_action(setup: Setup, session: EventSession) -> None:
    app = setup.app(session)
    async with app.run_test(size=SIZE):
        titles = {c.title for c in app.get_system_commands(app.screen)}
    assert {"Checkpoint", "Undo", "Edit time", "Days", "Towns", "Log", "Help", "Quit"} <= titles


async def test_quit_and_reopen_shows_the_same_state(setup: Setup) -> None:
    session = setup.open()
    try:
        app = setup.app(session)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("c", *"Valsad", "enter")
            await pilot.pause()
            first = app.dashboard.progress
            await pilot.press("q")
            await pilot.pause()
        assert not app.is_running
    finally:
        session.close()
    again = setup.open()
    try:
        app2 = setup.app(again)
        async with app2.run_test(size=SIZE) as pilot:
            await pilot.pause()
            second = app2.dashboard.progress
            text = screen_text(app2)
    finally:
        again.close()
    assert first is not None and second is not None
    assert (second.km_total, second.km_today, second.days) == (
        first.km_total,
        first.km_today,
        first.days,
    )
    assert "NEXT  Chikhli" in text


async def test_log_panel_at_120x40(setup: Setup, session: EventSession) -> None:
    app = setup.app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c", *"Valsad", "enter")
        await pilot.pause()
        text = screen_text(app)
        entries: tuple[LogEntry, ...] = app.dashboard.entries
    assert entries[0].summary == "Valsad (km 40.0)"
    assert "Days" in text and "Log" in text and "Valsad (km 40.0)" in text
    assert "Thu 19 Aug" in text and "◀ today" in text
