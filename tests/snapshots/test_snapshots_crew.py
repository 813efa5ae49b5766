"""The crew's lines and screens as they look (issue 13): the tag picker under the big numbers
after `s`, the feeding timers beside the freshness line, the stops screen and the handover
card. Same frozen event and clock as test_snapshots.py (day 2, 06:40 IST, km 37.5 by GPS).

Generated once with `pytest tests/snapshots/test_snapshots_crew.py --snapshot-update` and read.
"""

from __future__ import annotations

from typing import Any

from companion_fixtures import Setup
from textual.pilot import Pilot

from companion.service import EventSession


def _with_feeding(setup: Setup) -> EventSession:
    with setup.event_path.open("a", encoding="utf-8") as f:
        f.write("\n[feeding]\neat_every_min = 45\ndrink_every_min = 20\n")
    return setup.open()


async def _stopped(pilot: Pilot[Any]) -> None:
    await pilot.press("s")
    await pilot.pause()


async def _ate(pilot: Pilot[Any]) -> None:
    await pilot.press("f", *"poha", "enter")
    await pilot.pause()


async def _stops_screen(pilot: Pilot[Any]) -> None:
    await pilot.press("s", "1", "S", "n", *"dal rice", "enter")
    await pilot.pause()


async def _handover(pilot: Pilot[Any]) -> None:
    await pilot.press("s", "2", "f", *"poha", "enter", "h")
    await pilot.pause()


def test_tag_picker_after_s_80x24(snap_compare: Any, setup: Setup, session: EventSession) -> None:
    assert snap_compare(setup.app(session), terminal_size=(80, 24), run_before=_stopped)


def test_feeding_timers_120x40(snap_compare: Any, setup: Setup) -> None:
    with _with_feeding(setup) as session:
        assert snap_compare(setup.app(session), terminal_size=(120, 40), run_before=_ate)


def test_stops_screen_80x24(snap_compare: Any, setup: Setup, session: EventSession) -> None:
    assert snap_compare(setup.app(session), terminal_size=(80, 24), run_before=_stops_screen)


def test_handover_120x40(snap_compare: Any, setup: Setup) -> None:
    with _with_feeding(setup) as session:
        assert snap_compare(setup.app(session), terminal_size=(120, 40), run_before=_handover)
