"""How the organiser's board looks with three units (issue 12), on a frozen clock: statuses
written by hand (not the ETA model's output) are handed to the app as the broker would, so the
picture neither waits on a network nor moves with the model."""

from __future__ import annotations

from typing import Any

from helpers.board_units import NOW, fixed_statuses
from textual.pilot import Pilot

from companion.app.board.app import BoardApp


def test_board_three_units(snap_compare: Any) -> None:
    statuses = fixed_statuses()
    app = BoardApp("unity-run-2021-t3st", "mqtt://127.0.0.1:1883", clock=lambda: NOW)

    async def feed(pilot: Pilot[Any]) -> None:
        for unit, doc in statuses:
            app.take(unit, "status", doc)
        app.take("car1", "online", b"online")
        app.take("car2", "online", b"offline")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(110, 12), run_before=feed)
