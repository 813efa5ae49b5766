"""The dashboard's days panel grows with the event (a crew check, 2026-12-03: the Kovner six-day
tour replayed, the panel still showed day 1 alone on day 6; the Days screen, `d`, had all six).
Its height follows its content, and a repaint alone kept the height of the first frame.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from companion_fixtures import IST, FrozenClock, Setup, screen_text, state_run
from textual.pilot import Pilot

from companion.app.app import CompanionApp, make_app
from companion.app.screens.dashboard import DashboardScreen
from companion.service import EventSession


async def test_a_new_day_is_a_new_row_of_the_panel(setup: Setup, session: EventSession) -> None:
    app = setup.app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        panel = panel_text(app)
        assert "Wed 18 Aug" in panel and "Thu 19 Aug" in panel  # the fixture's two days
        assert "Fri 20 Aug" not in panel
        # The next morning the crew types where the athlete is.
        setup.clock.advance(timedelta(days=1).total_seconds())
        await type_entry(pilot, app, "km 45")
        panel = panel_text(app)
        assert all(d in panel for d in ("Wed 18 Aug", "Thu 19 Aug", "Fri 20 Aug")), panel
        # The new day's caption (its moving time estimated) whole, the border below it.
        assert "positions in between)" in panel and panel.splitlines()[-1].startswith("╰")


async def type_entry(pilot: Pilot[None], app: CompanionApp, entry: str) -> None:
    """`c`, the entry, Enter; back on the dashboard (a bounded wait for the state)."""
    await pilot.press("c", *entry, "enter")
    for _ in range(200):
        await pilot.pause(0.05)
        if isinstance(app.screen, DashboardScreen):
            return
    raise AssertionError(f"the form of {entry!r} did not close")


def panel_text(app: CompanionApp) -> str:
    """The screen's lines within the days panel (the Log beside it is not read)."""
    r = app.dashboard.query_one("#days").region
    lines = screen_text(app).splitlines()[r.y : r.y + r.height]
    return "\n".join(line[r.x : r.x + r.width] for line in lines)


async def test_eight_days_and_the_note_fit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The 8-day Mumbai-Unity run at its last day: eight rows and the whole "~ partly estimated"
    note (two lines at this width) inside the panel; with a height limit of 12 the note's second
    line was cut ("... at the planned speed (no")."""
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path / "data"))
    session = state_run(tmp_path)
    for day in range(8):  # 12 km a day, typed at 09:00 and 19:00 (10 h apart: estimated)
        for hour, km in ((9, 12 * day + 16.5), (19, 12 * day + 22.5)):
            at = datetime(2021, 8, 18 + day, hour, 0, tzinfo=IST)
            session.checkpoint(f"km {km:g}", at.isoformat(), at)
    clock = FrozenClock(datetime(2021, 8, 25, 18, 0, tzinfo=IST))
    app = make_app(session, clock, cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        panel = panel_text(app)
        assert all(f"{d} Aug" in panel for d in range(18, 26)), panel
        assert "positions in between)" in panel and panel.splitlines()[-1].startswith("╰"), panel
    session.close()
