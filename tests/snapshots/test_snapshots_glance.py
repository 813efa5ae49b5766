"""The 2-second glance (issue 13) as it looks: a notice after a checkpoint (on its own line, not
over the ETAs), a long feed URL cut by its middle beside its state and age, and the terminal-too-
small screen. Same frozen event and clock as test_snapshots.py.

Generated once with `pytest tests/snapshots/test_snapshots_glance.py --snapshot-update` and read.
"""

from __future__ import annotations

from typing import Any

from companion_fixtures import Setup
from textual.pilot import Pilot

from companion.app.values import FeedView
from companion.service import EventSession

LONG_URL = "https://crew:***@tracker.example.org:8443/api/v1/devices/" + "a1b2c3d4" * 8


async def _settle(pilot: Pilot[Any]) -> None:
    await pilot.pause()


async def _checkpoint_km(pilot: Pilot[Any]) -> None:
    await pilot.press("c", *"km 38", "enter")
    await pilot.pause()


async def _long_feed(pilot: Pilot[Any]) -> None:
    pilot.app.dashboard.feed = FeedView(LONG_URL, "reconnecting", "connection refused", rejected=2)  # type: ignore[attr-defined]
    await pilot.pause()


def test_notice_after_a_checkpoint_80x24(
    snap_compare: Any, setup: Setup, session: EventSession
) -> None:
    app = setup.app(session)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_checkpoint_km)


def test_notice_after_a_checkpoint_120x40(
    snap_compare: Any, setup: Setup, session: EventSession
) -> None:
    app = setup.app(session)
    assert snap_compare(app, terminal_size=(120, 40), run_before=_checkpoint_km)


def test_long_feed_url_80x24(snap_compare: Any, setup: Setup, session: EventSession) -> None:
    app = setup.app(session)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_long_feed)


def test_terminal_too_small_50x16(snap_compare: Any, setup: Setup, session: EventSession) -> None:
    app = setup.app(session)
    assert snap_compare(app, terminal_size=(50, 16), run_before=_settle)
