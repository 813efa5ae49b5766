"""The `e` form: a time that needs an impossible speed is refused with the reason, Enter again saves
it anyway, and the log then shows the entry at its new time with the logged one noted.

The fixed event (companion_fixtures): the last manual entry is km 36 at 06:00 on Thu 19 Aug, a
GPS fix at km 37.5 at 06:20, the clock at 06:40 IST; max_kmh is 25 (the floor for a 7.5 km/h plan).
"""

from __future__ import annotations

from companion_fixtures import Setup, screen_text
from textual.widgets import Input, Label

from companion.app.screens.dashboard import DashboardScreen
from companion.app.screens.edit_time import EditTimeScreen
from companion.app.screens.log import LogScreen
from companion.service import EventSession

SIZE = (100, 30)


def edits(session: EventSession) -> int:
    return sum(1 for e in session.logbook.entries() if e.kind == "edit")


async def test_impossible_time_is_refused_then_saved_on_enter_again(
    setup: Setup, session: EventSession
) -> None:
    app = setup.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        assert isinstance(app.screen, EditTimeScreen)
        assert "km 36 (km 36.0) at Thu 06:00" in screen_text(app)  # the event's time, not UTC
        when = app.screen.query_one("#when", Input)
        when.value = "06:19"
        await pilot.press("enter")
        await pilot.pause()
        # km 36 at 06:19 then km 37.5 at 06:20: 1.5 km in a minute is 90 km/h.
        assert isinstance(app.screen, EditTimeScreen)
        error = str(app.screen.query_one("#error", Label).content)
        assert "km 36.0 at 06:19 to km 37.5 at 06:20 is 1.5 km in 1 min: 90 km/h" in error
        assert "Enter again to save it anyway" in error
        assert edits(session) == 0
        # Another time is judged afresh: being warned once does not force it.
        when.value = "06:18"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, EditTimeScreen) and edits(session) == 0
        assert "06:18" in str(app.screen.query_one("#error", Label).content)
        await pilot.press("enter")  # the same time again: saved anyway
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert edits(session) == 1
        last = session.tracker.last_fix
        assert last is not None and last.source == "gps"  # the entry now comes before it
        await pilot.press("l")
        assert isinstance(app.screen, LogScreen)
        text = screen_text(app)
    assert "km 36 (km 36.0) · edited, was 06:00" in text
    assert "edit #6 km 36 (km 36.0): time 06:00 → 06:18" in text
    row = next(line for line in text.splitlines() if "edited, was" in line)
    assert row.lstrip().startswith("Thu 06:18")  # listed at its new time


async def test_a_believable_time_is_saved_at_once(setup: Setup, session: EventSession) -> None:
    app = setup.app(session)
    async with app.run_test(size=(120, 40)) as pilot:  # wide enough for the log panel
        await pilot.press("e")
        app.screen.query_one("#when", Input).value = "05:50"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        # The dashboard's own log panel lists it at its new time and says it was edited.
        assert "Thu 05:50  km 36 (km 36.0) · edited" in screen_text(app)
    assert edits(session) == 1
