"""HttpSource against a real HTTP server on 127.0.0.1 that answers, in turn, OwnTracks, Traccar,
500, too slowly, HTML, too much, nothing — and then good JSON again."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from feed_recorder import Recorder

from companion.sources.base import FeedError, FeedState, open_source
from companion.sources.http import HttpSource
from companion.sources.payloads import PayloadError, parse_positions

PASSWORD, TOKEN, ENV_TOKEN = "s3cret-PW", "TOPSECRET123", "envBearer-987"
BASE = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
LAT, LON = 22.3072, 73.1812


def at(seconds: int) -> datetime:
    return BASE + timedelta(seconds=seconds)


def iso(seconds: int) -> str:
    return at(seconds).isoformat().replace("+00:00", "Z")


OWNTRACKS = {
    "_type": "location", "tid": "RD", "tst": int(at(0).timestamp()), "lat": LAT, "lon": LON,
    "acc": 8, "alt": 39, "vel": 25, "cog": 12, "batt": 76,
}  # fmt: skip
TRACCAR = [
    {"deviceId": 1, "latitude": LAT + 0.001, "longitude": LON, "fixTime": iso(10), "speed": 10.0,
     "course": 90.0, "altitude": 40.0, "accuracy": 5.0, "valid": True},
    {"deviceId": 1, "latitude": LAT + 0.002, "longitude": LON, "fixTime": iso(20), "speed": 5.0,
     "course": 91.0, "altitude": 41.0, "accuracy": 0.0, "valid": True},
    {"deviceId": 1, "latitude": 0.0, "longitude": 0.0, "fixTime": iso(25), "speed": 0,
     "valid": False},
]  # fmt: skip
PLAIN = {"lat": LAT + 0.003, "lon": LON, "time": iso(30)}
GEOJSON = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [LON, LAT + 0.004, 42.0]},
    "properties": {"time": iso(40)},
}

Reply = tuple[int, str, bytes, float]  # status, content type, body, delay before answering


def js(obj: Any) -> Reply:
    return 200, "application/json", json.dumps(obj).encode(), 0.0


SCRIPT: list[Reply] = [
    js(OWNTRACKS),
    js(TRACCAR),
    (500, "text/plain", b"Internal Server Error", 0.0),
    (*js(PLAIN)[:3], 1.5),  # slower than the feed's 0.5 s timeout
    (200, "text/html", b"<html><body>Captive portal: please log in</body></html>", 0.0),
    (200, "application/json", b"[" + b" " * 200_000 + b"]", 0.0),  # 200 KB
    (200, "application/json", b"", 0.0),
    js(PLAIN),
    js(GEOJSON),
]


class Server:
    """A real HTTP/1.0 server in a thread, answering SCRIPT in order, then the last entry."""

    def __init__(self, script: list[Reply]) -> None:
        self.script = list(script)
        self.seen: list[dict[str, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.seen.append({"path": self.path, **dict(self.headers.items())})
                reply = outer.script.pop(0) if len(outer.script) > 1 else outer.script[0]
                status, ctype, body, delay = reply
                time.sleep(delay)
                with contextlib.suppress(OSError):  # the client may have given up (timeout)
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server(SCRIPT)
    yield srv
    srv.close()


async def run_until(source: HttpSource, rec: Recorder, done: Callable[[], bool]) -> None:
    task = asyncio.create_task(source.run(rec.on_fix, rec.on_status))
    deadline = time.monotonic() + 30
    try:
        while not done():
            assert time.monotonic() < deadline, "timed out"
            await asyncio.sleep(0.02)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_http_feed_survives_everything_a_server_does(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = f"http://crew:{PASSWORD}@127.0.0.1:{server.port}/api/positions?token={TOKEN}&every=0.05"
    source = open_source(url, backoff_initial=0.05, backoff_max=0.1, env={})
    assert isinstance(source, HttpSource)
    source.timeout_s = 0.5
    rec = Recorder()
    await run_until(source, rec, lambda: len(rec.fixes) >= 4)

    own, traccar, plain, feature = rec.fixes[:4]
    assert (own.time, own.lat, own.lon, own.source) == (at(0), LAT, LON, "http")
    assert own.speed_mps == pytest.approx(25 / 3.6)
    assert (own.accuracy_m, own.alt_m, own.course_deg) == (8, 39, 12)
    # Traccar: the newest valid entry; knots to m/s; accuracy 0 means unknown.
    assert traccar.time == at(20) and traccar.lat == LAT + 0.002
    assert traccar.speed_mps == pytest.approx(5.0 * 1852 / 3600)
    assert traccar.accuracy_m is None
    assert plain.time == at(30)
    assert (feature.time, feature.lat, feature.alt_m) == (at(40), LAT + 0.004, 42.0)

    lost = [s.detail for s in rec.statuses if s.state is FeedState.LOST]
    assert lost == [
        "HTTP 500",
        "no answer within 0.5 s",
        "server answered HTML, not JSON",
        "answer larger than 64 KiB refused",
        "server answered with an empty body",
    ]
    states = [s.state for s in rec.statuses]
    changes = [a for a, b in zip(states, [None, *states], strict=False) if a is not b]
    C, L, R = FeedState.CONNECTED, FeedState.LOST, FeedState.RECONNECTING
    assert changes == [FeedState.CONNECTING, C, L, R, L, R, L, R, L, R, L, R, C, FeedState.STOPPED]
    assert rec.statuses[-1].fixes == 4 and rec.statuses[-1].rejected == 0
    # "lost since HH:MM" holds from the first failure through every retry until connected again.
    first_lost = next(s for s in rec.statuses if s.state is L)
    outage = rec.statuses[rec.statuses.index(first_lost) : states.index(C, states.index(L))]
    assert {s.lost_since for s in outage} == {first_lost.since}
    assert all(s.lost_since is None for s in rec.statuses if s.state is C)

    # Credentials reached the server ...
    auth = base64.b64encode(f"crew:{PASSWORD}".encode()).decode()
    assert server.seen[0]["Authorization"] == f"Basic {auth}"
    assert f"token={TOKEN}" in server.seen[0]["path"] and "every" not in server.seen[0]["path"]
    # ... and nowhere else.
    shown = [repr(s) for s in rec.statuses] + [r.getMessage() for r in caplog.records]
    shown += [source.url_redacted]
    assert any("HTTP Request" in m for m in shown), "httpx's own request log was captured"
    for secret in (PASSWORD, TOKEN, auth):
        assert not [m for m in shown if secret in m]


async def test_bearer_token_from_the_environment_is_sent_and_never_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    srv = Server([js(OWNTRACKS)])
    try:
        url = f"http://127.0.0.1:{srv.port}/last?every=0.05"
        source = open_source(url, env={"COMPANION_FEED_TOKEN": ENV_TOKEN})
        rec = Recorder()
        assert isinstance(source, HttpSource)
        # The same position again is "nothing new", not a rejected fix.
        await run_until(source, rec, lambda: len(srv.seen) >= 3)
    finally:
        srv.close()
    assert srv.seen[0]["Authorization"] == f"Bearer {ENV_TOKEN}"
    assert len(rec.fixes) == 1 and rec.statuses[-2].rejected == 0
    assert "no new position" in rec.statuses[-2].detail
    text = " ".join([repr(s) for s in rec.statuses] + [r.getMessage() for r in caplog.records])
    assert ENV_TOKEN not in text


async def test_connection_refused_is_lost_not_a_crash() -> None:
    srv = Server([js(PLAIN)])
    port = srv.port
    srv.close()
    source = open_source(f"http://127.0.0.1:{port}/?every=0.05", backoff_initial=0.05, env={})
    rec = Recorder()
    await run_until(source, rec, lambda: len(rec.statuses) >= 4)
    assert rec.statuses[1].state is FeedState.LOST
    assert rec.statuses[1].detail == "connection refused"


def test_bad_urls_say_why_without_the_password() -> None:
    with pytest.raises(FeedError) as err:
        open_source("ftp://me:hunter22@example.org/x")
    assert "hunter22" not in str(err.value) and "unknown kind of feed" in str(err.value)
    with pytest.raises(FeedError) as err:
        open_source("https://me:hunter22@example.org/x?every=soon")
    assert "hunter22" not in str(err.value) and "every" in str(err.value)


def test_payload_shapes_and_errors() -> None:
    spot = {
        "response": {
            "feedMessageResponse": {
                "messages": {
                    "message": {"latitude": 41.2244, "longitude": -73.7947, "unixTime": 1464821052}
                }
            }
        }
    }
    (fix,) = parse_positions(spot)
    assert fix.time == datetime(2016, 6, 1, 22, 44, 12, tzinfo=UTC)
    (ms,) = parse_positions({"lat": 1.5, "lon": 2.5, "time": 1736922615000})
    assert ms.time == datetime.fromtimestamp(1736922615, UTC)
    for bad, why in [
        ({"foo": 1}, "lat/lon"),
        ({"lat": 1, "lon": 2}, "time"),
        ([], "empty"),
        ({"lat": 1, "lon": 2, "time": "yesterday"}, "not a time"),
        ({"type": "Feature", "geometry": {"type": "LineString"}}, "Point"),
    ]:
        with pytest.raises(PayloadError, match=why):
            parse_positions(bad)
