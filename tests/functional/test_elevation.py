"""The elevation profile appears for a route with heights, with the athlete's position marked."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from companion_fixtures import FrozenClock, screen_text

from companion.app.app import make_app
from companion.app.widgets.elevation import Elevation
from companion.event import Event, write_event
from companion.service import EventSession


async def test_profile_shows_heights_and_position(
    tmp_path: Path, shared_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path))
    gpx = shared_dir / "data" / "gpx" / "strava_route_example.gpx"  # 113 points with <ele>
    ev = write_event(
        Event("Hill test", "A", os.path.relpath(gpx, tmp_path), "Europe/London", 10.0),
        tmp_path / "ev.toml",
    )
    now = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    session = EventSession.open(ev.path, tmp_path / "ev.sqlite")
    try:
        session.checkpoint("km 2", "2024-05-01T09:50", now, force=True)
        app = make_app(session, FrozenClock(now), cursor_blink=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert app.screen.query(Elevation)
            text = screen_text(app)
    finally:
        session.close()
    assert re.search(r"\d+ to \d+ m", text)
    assert "▲ 2.0 km" in text
    assert any(ch in text for ch in "▁▂▃▄▅▆▇█")
