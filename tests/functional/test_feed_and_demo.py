"""The feed worker (fixes logged before they are shown, status line, worker errors) and the demo."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from companion_fixtures import IST, Setup, screen_text

from companion.app.app import make_app
from companion.core.models import Fix
from companion.demo import DAY4_START, build_demo
from companion.service import EventSession
from companion.sources.base import FeedLost, Source


class ListSource(Source):
    """Delivers the given fixes at once, then ends (or loses the connection when told)."""

    kind = "gps"

    def __init__(self, fixes: list[Fix], setup: Setup, *, lose: bool = False) -> None:
        super().__init__("test://feed?token=SECRET", clock=setup.clock)
        self.fixes = fixes
        self.lose = lose

    async def _session(self) -> None:
        self._connected("test feed")
        for fix in self.fixes:
            self._deliver(fix)
        if self.lose:
            self.fixes = []
            raise FeedLost("cable pulled")
        self._finished = True


def _fixes(session: EventSession, kms: list[float]) -> list[Fix]:
    out = []
    for i, k in enumerate(kms):
        pos = session.route.point_at(k)
        t = datetime(2021, 8, 19, 6, 30, 10 * i, tzinfo=IST).astimezone(UTC)
        out.append(Fix(t, pos.lat, pos.lon, source="gps", speed_mps=2.0))
    return out


async def test_feed_fixes_are_logged_and_shown(setup: Setup, session: EventSession) -> None:
    source = ListSource(_fixes(session, [38.5, 38.52, 38.54]), setup)
    app = make_app(session, setup.clock, source, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.5)
        progress = app.dashboard.progress
        text = screen_text(app)
    gps = [e for e in session.logbook.entries() if e.kind == "fix" and e.source == "gps"]
    assert len(gps) == 4  # the one in the fixture and three from the feed
    assert progress is not None and progress.km_total == pytest.approx(38.54, abs=0.01)
    assert "FEED  test://feed?token=***" in text and "SECRET" not in text
    feed_rows = [e.summary for e in session.logbook.entries() if e.kind == "feed"]
    assert any("connected" in s for s in feed_rows)


async def test_lost_feed_raises_an_alert(setup: Setup, session: EventSession) -> None:
    source = ListSource(_fixes(session, [38.5]), setup, lose=True)
    source.backoff_initial = 60.0  # stay lost for the test
    app = make_app(session, setup.clock, source, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.5)
        text = screen_text(app)
    assert "! FEED LOST since 06:40" in text
    assert "LOST" in text


async def test_demo_plays_day_4(tmp_path: Path) -> None:
    demo = build_demo(speed=600.0, folder=tmp_path)
    session = demo.open_session()
    try:
        first = session.progress(demo.clock())
        assert first.day_number == 4
        assert [d.date.day for d in first.days] == [15, 16, 17, 18]
        assert first.days[2].last_km == demo.start_km
        app = make_app(session, demo.clock, demo.source(session.event.max_kmh))
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause(1.5)
            progress = app.dashboard.progress
            text = screen_text(app)
        assert progress is not None and progress.km_today > 0.3
        assert "Day 4" in text and "CONNECTED" in text
        assert progress.now > DAY4_START
    finally:
        session.close()
