"""The feed status line follows a real NMEA-over-TCP peer on 127.0.0.1: connected, lost (the
phone's app stops sharing), connected again; the fixes of both connections are logged."""

from __future__ import annotations

import asyncio
import functools
from datetime import UTC, datetime, timedelta

from companion_fixtures import Setup, screen_text

from companion.app.app import make_app
from companion.core.route import Route
from companion.service import EventSession
from companion.sources.base import open_source


def rmc(t: datetime, lat: float, lon: float, knots: float = 4.0) -> bytes:
    """One $GPRMC sentence with its checksum (written here, not by the code under test)."""
    la, lo = abs(lat), abs(lon)
    ns, ew = "N" if lat >= 0 else "S", "E" if lon >= 0 else "W"
    body = (
        f"GPRMC,{t:%H%M%S}.00,A,{int(la):02d}{(la - int(la)) * 60:07.4f},{ns},"
        f"{int(lo):03d}{(lo - int(lo)) * 60:07.4f},{ew},{knots:.1f},0.0,{t:%d%m%y},,,A"
    )
    checksum = functools.reduce(lambda a, c: a ^ ord(c), body, 0)
    return f"${body}*{checksum:02X}\r\n".encode()


def sentences(route: Route, start: datetime, kms: list[float]) -> list[bytes]:
    out = []
    for i, k in enumerate(kms):
        p = route.point_at(k)
        out.append(rmc(start + timedelta(seconds=10 * i), p.lat, p.lon))
    return out


async def until(predicate: object, pilot: object, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():  # type: ignore[operator]
        assert loop.time() < deadline, "timed out"
        await pilot.pause(0.1)  # type: ignore[attr-defined]


async def test_status_line_connects_drops_and_comes_back(
    setup: Setup, session: EventSession
) -> None:
    first = sentences(session.route, datetime(2021, 8, 19, 1, 5, tzinfo=UTC), [38.0, 38.03])
    second = sentences(session.route, datetime(2021, 8, 19, 1, 8, tzinfo=UTC), [38.5, 38.53])
    batches = [first, second]

    async def serve(_r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        for line in batches.pop(0):
            w.write(line)
            await w.drain()
        # The first connection ends (the phone app stops sharing); the second stays open.
        await asyncio.sleep(0.3 if batches else 30.0)
        w.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    source = open_source(
        f"nmea+tcp://127.0.0.1:{port}", max_kmh=30.0, backoff_initial=0.5, clock=setup.clock
    )
    app = make_app(session, setup.clock, source, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: "CONNECTED" in screen_text(app), pilot)
        await until(lambda: "LOST" in screen_text(app), pilot)
        lost = screen_text(app)
        server.close()
        await server.wait_closed()
        await pilot.pause(1.0)  # reconnect attempts are refused while nobody listens
        assert "LOST" in screen_text(app) or "RECONNECTING" in screen_text(app)
        server = await asyncio.start_server(serve, "127.0.0.1", port)
        await until(
            lambda: app.dashboard.progress is not None and app.dashboard.progress.km_total > 38.5,
            pilot,
        )
        back = screen_text(app)
        server.close()
    assert "! FEED LOST since" in lost
    assert "FEED LOST" not in back and "CONNECTED" in back
    session.flush()  # the feed's last fixes may still wait in the batch (at most a second)
    gps = [e for e in session.logbook.entries() if e.kind == "fix" and e.source != "manual"]
    assert len(gps) == 1 + 4  # the fixture's fix and both connections' two
    states = [e.summary for e in session.logbook.entries() if e.kind == "feed"]
    assert any("lost" in s for s in states) and any("connected" in s for s in states)
