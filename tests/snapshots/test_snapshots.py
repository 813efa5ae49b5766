"""How the dashboard looks, on a frozen clock and fixed data (cursor blink off).

Update after a deliberate change of the look: `pytest tests/snapshots --snapshot-update`, then
read the SVGs in __snapshots__ before committing them.
"""

from __future__ import annotations

from typing import Any

from companion_fixtures import Setup
from textual.pilot import Pilot

from companion.service import EventSession


async def _settle(pilot: Pilot[Any]) -> None:
    await pilot.pause()


def test_dashboard_80x24(snap_compare: Any, setup: Setup, session: EventSession) -> None:
    app = setup.app(session)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settle)


def test_dashboard_120x40(snap_compare: Any, setup: Setup, session: EventSession) -> None:
    app = setup.app(session)
    assert snap_compare(app, terminal_size=(120, 40), run_before=_settle)


def test_dashboard_120x40_light(snap_compare: Any, setup: Setup, session: EventSession) -> None:
    app = setup.app(session)

    async def light(pilot: Pilot[Any]) -> None:
        await pilot.press("ctrl+t")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=light)


def test_checkpoint_form_with_error(snap_compare: Any, setup: Setup, session: EventSession) -> None:
    app = setup.app(session)
    assert snap_compare(app, terminal_size=(80, 24), press=["c", *"Valsd", "enter"])
