"""Issue 11: a refresh whose Progress changes nothing a widget shows does not repaint it; one that
changes a cell does, and the screen shows the new cell (counts, never times)."""

from __future__ import annotations

from collections import Counter

import pytest
from companion_fixtures import Setup, screen_text
from rich.table import Table
from rich.text import Text

from companion.app.widgets.bound import ShowsChanges, fingerprint
from companion.app.widgets.towns_ahead import TownsAhead
from companion.service import EventSession

SIZE = (120, 40)


def test_fingerprints_compare_what_is_shown() -> None:
    def table(eta: str) -> Table:
        t = Table(box=None)
        t.add_column("town")
        t.add_column("ETA", justify="right")
        t.add_row("Valsad", eta)
        return t

    assert fingerprint(table("07:10")) == fingerprint(table("07:10"))
    assert fingerprint(table("07:10")) != fingerprint(table("07:11"))
    assert fingerprint(Text("a", style="bold")) != fingerprint(Text("a", style="dim"))
    assert fingerprint(object()) is None  # unknown: always repainted


async def test_an_unchanged_widget_is_not_repainted(
    setup: Setup, session: EventSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    refreshed: Counter[str] = Counter()
    original = ShowsChanges.refresh

    def counting(self: ShowsChanges, *args: object, **kwargs: object) -> object:
        refreshed[type(self).__name__] += 1
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ShowsChanges, "refresh", counting)
    # The fixture's GPS fix is 20 min old: a silent feed, whose ETAs count from now and so move
    # with the clock (core/states.py is_silent). Here the minutes shown must stand still.
    session.tracker.stale_s = 24 * 3600.0
    app = setup.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        dashboard = app.dashboard
        # The first Progress came before the first layout (no size yet): one repaint each now.
        setup.clock.advance(1)
        dashboard.refresh_progress()
        await pilot.pause()
        before = screen_text(app)
        refreshed.clear()
        for _ in range(5):  # a new Progress each second (its `now`), the same minutes shown
            setup.clock.advance(1)
            dashboard.refresh_progress()
            await pilot.pause()
        assert refreshed["TownsAhead"] == 0, refreshed
        assert refreshed["DayTotals"] == 0, refreshed
        assert screen_text(app) == before

        # 30 min later the ETAs' "in ..." and the fix's age change: the towns are repainted
        # once, and the screen says what a fresh render of the new Progress says.
        setup.clock.advance(30 * 60)
        dashboard.refresh_progress()
        await pilot.pause()
        assert refreshed["TownsAhead"] == 1, refreshed
        towns = app.screen.query_one(TownsAhead)
        fresh = towns.render()
        assert isinstance(fresh, Table)
        in_column = [str(c) for c in fresh.columns[4]._cells]
        text = screen_text(app)
        assert all(cell in text for cell in in_column), (in_column, text)
        assert text != before
