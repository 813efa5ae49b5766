"""The checkpoint form (Pilot): completion offers the towns nearest ahead first, and HH:MM is its
latest past occurrence, as on the command line."""

from __future__ import annotations

from datetime import UTC, datetime

from companion_fixtures import Setup
from textual.widgets import Input, Label

from companion.app.screens.checkpoint import CheckpointScreen
from companion.app.screens.dashboard import DashboardScreen
from companion.service import EventSession

SIZE = (100, 30)


async def test_completion_offers_the_next_town_before_one_behind(
    setup: Setup, session: EventSession
) -> None:
    # The fixture's athlete is past km 36: Vapi (km 14) is behind, Valsad (km 40) ahead.
    app = setup.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c", "v")
        await pilot.pause()
        assert isinstance(app.screen, CheckpointScreen)
        matches = str(app.screen.query_one("#matches", Label).content)
        assert matches == "towns: Valsad, Vapi, Navsari"  # prefixes first, then "contains"
        await pilot.press("right")  # accept the suggestion: the nearest ahead
        await pilot.pause()
        assert app.screen.query_one("#where", Input).value == "Valsad"


async def test_a_time_later_than_now_typed_as_hh_mm_is_yesterdays(
    setup: Setup, session: EventSession
) -> None:
    app = setup.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c", *"km 36")
        when = app.screen.query_one("#when", Input)
        assert when.value == "06:40"  # the fixture's clock: 19 Aug, 06:40 IST
        when.value = "23:50"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
    # 23:50 on 18 Aug IST is 18:20 UTC.
    times = [f.time for f in session.tracker.fixes if f.label == "km 36"]
    assert datetime(2021, 8, 18, 18, 20, tzinfo=UTC) in times
