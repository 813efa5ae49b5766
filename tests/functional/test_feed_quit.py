"""Issue 10 F2/F10 on the dashboard: a quit keeps the epoch the feed holds (a real NMEA peer on
127.0.0.1), a feed whose worker dies is an alert and never "OK", a long feed URL leaves the state
on the FEED line."""

from __future__ import annotations

import asyncio
import functools
from datetime import UTC, datetime, timedelta

from companion_fixtures import Setup, screen_text

from companion.app.app import make_app
from companion.app.values import FeedView
from companion.app.widgets.alerts import Alerts
from companion.logbook import Logbook
from companion.service import EventSession
from companion.sources.base import FixCallback, Source, StatusCallback, open_source
from companion.sources.stream import StreamSource

T0 = datetime(2021, 8, 19, 1, 5, tzinfo=UTC)  # 25 min before the fixture's frozen clock


def rmc(t: datetime, lat: float, lon: float) -> bytes:
    """One $GPRMC sentence with its checksum (written here, not by the code under test)."""
    body = (
        f"GPRMC,{t:%H%M%S}.00,A,{int(lat):02d}{(lat - int(lat)) * 60:07.4f},N,"
        f"{int(lon):03d}{(lon - int(lon)) * 60:07.4f},E,4.0,0.0,{t:%d%m%y},,,A"
    )
    checksum = functools.reduce(lambda a, c: a ^ ord(c), body, 0)
    return f"${body}*{checksum:02X}\r\n".encode()


def gps_fixes(book: Logbook) -> list[datetime]:
    return sorted(f.time for _i, f in book.effective_fixes() if not f.is_manual)


async def test_q_keeps_the_epoch_the_feed_holds(setup: Setup, session: EventSession) -> None:
    points = [session.route.point_at(km) for km in (38.0, 38.01)]
    times = [T0, T0 + timedelta(seconds=10)]

    async def serve(_r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        w.write(b"".join(rmc(t, p.lat, p.lon) for t, p in zip(times, points, strict=True)))
        await w.drain()
        await asyncio.sleep(60)  # open and silent: the second epoch waits for a pause

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    source = open_source(f"nmea+tcp://127.0.0.1:{port}", max_kmh=30.0, clock=setup.clock)
    assert isinstance(source, StreamSource)
    source.pause_s = 3600.0  # no pause comes in this test: only the quit can hand it on
    before = gps_fixes(session.logbook)
    app = make_app(session, setup.clock, source, cursor_blink=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(100):
                if len(gps_fixes(session.logbook)) > len(before):
                    break
                await pilot.pause(0.05)
            assert gps_fixes(session.logbook) == [*before, T0]
            await pilot.press("q")
    finally:
        server.close()
    session.close()  # as `companion run` does once the app has returned
    with Logbook.open(setup.db_path, readonly=True) as book:
        assert gps_fixes(book) == sorted([*before, *times])


class Dies(Source):
    """A feed whose run itself fails (a bug outside any message): the worker ends in ERROR."""

    async def _session(self) -> None:  # pragma: no cover - run is replaced
        raise AssertionError

    async def run(self, on_fix: FixCallback, on_status: StatusCallback) -> None:
        await asyncio.sleep(0)
        raise RuntimeError("boom")


async def test_a_feed_that_dies_is_an_alert_not_ok(setup: Setup, session: EventSession) -> None:
    app = make_app(session, setup.clock, Dies("gpsd://127.0.0.1:2947"), cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(100):
            if "FAILED" in screen_text(app):
                break
            await pilot.pause(0.05)
        text = screen_text(app)
        alerts = str(app.dashboard.query_one(Alerts).render())
    assert "FAILED (RuntimeError)" in text
    assert "! FEED LOST since 06:40: failed (RuntimeError)" in alerts.splitlines()
    assert "OK: no alerts" not in text


async def test_a_long_feed_url_leaves_the_state_on_the_feed_line(
    setup: Setup, session: EventSession
) -> None:
    url = "https://tracker.example.org/api/0/last?user=crew&device=" + "phone" * 30
    app = make_app(session, setup.clock, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.dashboard.feed = FeedView(url, "reconnecting", "attempt 3")
        await pilot.pause(0.1)
        line = next(r for r in screen_text(app).splitlines() if "FEED " in r and "·" in r)
    assert "RECONNECTING" in line
    assert url[:12] in line and "…" in line
