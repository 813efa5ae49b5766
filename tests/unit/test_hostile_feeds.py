"""Issue 10, hostile feeds: one odd message never kills a feed (F2), a dripping HTTP server meets a
deadline (F6), a hung gpsd is reported and a quit keeps the epoch in hand (F10), and a cancelled
feed ends even when its read completes at the same moment (the CI flake). Real peers on 127.0.0.1:
an HTTP server in a thread, TCP servers speaking gpsd's JSON and NMEA."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from feed_recorder import Recorder, until

from companion.core.models import Fix
from companion.sources.base import FeedError, FeedState, Source, open_source
from companion.sources.gpsd import GpsdParser, GpsdSource
from companion.sources.http import HttpSource
from companion.sources.nmea_feeds import NmeaTcpSource
from companion.sources.payloads import PayloadError, parse_positions

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
LAT, LON = 22.3072, 73.1812


def iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        async with asyncio.timeout(10):
            await task


# -- F2: the parsers give a fix or a reason, never another exception -------------------------------

HOSTILE_HTTP: list[tuple[str, Any]] = [
    ("superscript digit as time", {"lat": LAT, "lon": LON, "tst": "²"}),
    ("huge integer latitude", {"lat": 10**400, "lon": LON, "tst": int(T0.timestamp())}),
    ("huge integer time", {"lat": LAT, "lon": LON, "tst": 10**400}),
    ("list as time", {"lat": LAT, "lon": LON, "tst": [1]}),
    ("object as coordinates", {"type": "Feature",
                               "geometry": {"type": "Point", "coordinates": [{}, []]}}),
]  # fmt: skip


@pytest.mark.parametrize(("why", "doc"), HOSTILE_HTTP, ids=[h[0] for h in HOSTILE_HTTP])
def test_http_payloads_give_our_error_not_another(why: str, doc: Any) -> None:
    with pytest.raises(PayloadError):
        parse_positions(doc)


GOOD_TPV = {"class": "TPV", "device": "/dev/ttyUSB0", "mode": 3, "lat": LAT, "lon": LON}
HOSTILE_GPSD = [
    json.dumps({**GOOD_TPV, "time": iso(T0), "status": []}),  # TypeError: unhashable
    "[" * 1000,  # RecursionError in json
    '{"class":"TPV","mode":3,"time":"' + iso(T0) + '","lat":' + "1" * 310 + ',"lon":73.1}',
    json.dumps({**GOOD_TPV, "time": iso(T0), "mode": [3]}),
    json.dumps({"class": "SKY", "uSat": True}),
]


def test_gpsd_parser_counts_hostile_lines_and_goes_on() -> None:
    parser = GpsdParser()
    fixes: list[Fix] = []
    for line in HOSTILE_GPSD:
        fixes += parser.feed(line + "\n")
    fixes += parser.feed(json.dumps({**GOOD_TPV, "time": iso(T0)}) + "\n")
    fixes += parser.flush()
    assert [(f.time, f.lat, f.lon) for f in fixes] == [(T0, LAT, LON)]
    assert parser.bad_lines == 3  # status [], the 1000 brackets, the 310-digit latitude
    assert fixes[0].sats is None  # "uSat": true is not a count


# -- real peers: a gpsd-speaking TCP server, an HTTP server ----------------------------------------


class LineServer:
    """A TCP server on 127.0.0.1 that sends `lines` to each client, then stays silent and open."""

    def __init__(self, lines: list[str]) -> None:
        self.payload = "".join(line + "\n" for line in lines).encode()
        self.clients: list[asyncio.StreamWriter] = []
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        async def client(_r: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.clients.append(writer)
            writer.write(self.payload)
            await writer.drain()

        self.server = await asyncio.start_server(client, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        for writer in self.clients:
            writer.close()
        if self.server is not None:
            self.server.close()


def tpvs(n: int) -> tuple[list[str], list[datetime]]:
    times = [T0 + timedelta(seconds=i) for i in range(n)]
    return [json.dumps({**GOOD_TPV, "time": iso(t), "lat": LAT + i * 1e-5})
            for i, t in enumerate(times)], times  # fmt: skip


async def test_gpsd_feed_survives_hostile_lines_from_a_real_peer() -> None:
    good, times = tpvs(4)
    head = ['{"class":"VERSION","release":"3.22"}', '{"class":"DEVICES","devices":[{}]}']
    peer = LineServer([*head, good[0], *HOSTILE_GPSD, *good[1:]])
    port = await peer.start()
    source = open_source(f"gpsd://127.0.0.1:{port}", backoff_initial=0.05)
    rec = Recorder()
    task = asyncio.create_task(source.run(rec.on_fix, rec.on_status))
    try:
        await until(lambda: len(rec.fixes) >= 4, 10, "the good fixes around the hostile lines")
    finally:
        await stop(task)
        await peer.close()
    assert [f.time for f in rec.fixes] == times
    assert not rec.saw(FeedState.LOST)
    assert rec.statuses[-1].bad_lines == 3


class HttpPeer:
    """A real HTTP server in a thread answering `bodies` in turn (then the last one again).

    A body of None drips one byte every 0.1 s for as long as the client listens.
    """

    def __init__(self, bodies: list[bytes | None]) -> None:
        self.bodies = list(bodies)
        self.hits = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.hits += 1
                body = outer.bodies.pop(0) if len(outer.bodies) > 1 else outer.bodies[0]
                with contextlib.suppress(OSError):
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    if body is None:
                        self.send_header("Content-Length", "600")  # 60 s of dripping
                        self.end_headers()
                        for _ in range(600):
                            self.wfile.write(b" ")
                            self.wfile.flush()
                            time.sleep(0.1)
                        return
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def http_peer(request: pytest.FixtureRequest) -> Iterator[HttpPeer]:
    peer = HttpPeer(request.param)
    yield peer
    peer.close()


def position(i: int) -> bytes:
    t = T0 + timedelta(seconds=10 * i)
    return json.dumps({"lat": LAT + i * 1e-4, "lon": LON, "time": iso(t)}).encode()


HOSTILE_BODIES: list[bytes | None] = [
    position(0),
    *(json.dumps(doc).encode() for _why, doc in HOSTILE_HTTP),
    b"[" * 60_000,  # RecursionError in json, under the 64 KiB limit
    position(1),
]


@pytest.mark.parametrize("http_peer", [HOSTILE_BODIES], indirect=True)
async def test_http_feed_survives_hostile_messages(http_peer: HttpPeer) -> None:
    source = open_source(f"http://127.0.0.1:{http_peer.port}/?every=0.02", backoff_initial=0.02,
                         backoff_max=0.05, env={})  # fmt: skip
    rec = Recorder()
    task = asyncio.create_task(source.run(rec.on_fix, rec.on_status))
    try:
        await until(lambda: len(rec.fixes) >= 2, 20, "the good position after the hostile ones")
    finally:
        await stop(task)
    assert [f.time for f in rec.fixes] == [T0, T0 + timedelta(seconds=10)]
    final = rec.statuses[-1]
    assert final.state is FeedState.STOPPED  # stopped by us, not by a message
    # Each message without a usable position is counted and its reason kept.
    assert final.rejected == len(HOSTILE_HTTP)
    assert final.last_rejection
    lost = [s.detail for s in rec.statuses if s.state is FeedState.LOST]
    assert lost == ["server answered something that is not JSON"]


# -- F6: a deadline for a whole HTTP poll ----------------------------------------------------------


@pytest.mark.parametrize("http_peer", [[None, position(0)]], indirect=True)
async def test_a_dripping_http_server_meets_the_poll_deadline(http_peer: HttpPeer) -> None:
    source = open_source(f"http://127.0.0.1:{http_peer.port}/?every=0.05", backoff_initial=0.05,
                         env={})  # fmt: skip
    assert isinstance(source, HttpSource)
    source.timeout_s = 1.0  # a byte comes every 0.1 s: this per-read timeout never trips
    source.deadline_s = 1.5
    rec = Recorder()
    task = asyncio.create_task(source.run(rec.on_fix, rec.on_status))
    try:
        await until(lambda: len(rec.fixes) >= 1, 20, "LOST, then the next poll's position")
    finally:
        await stop(task)
    lost = next(s for s in rec.statuses if s.state is FeedState.LOST)
    assert lost.detail == "no complete answer within 1.5 s"
    assert rec.fixes[0].time == T0


# -- URLs are checked when they are read -----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:99999/x", "http://127.0.0.1:abc/x", "https://[::1/x", "gpsd://h:0",
     "nmea+tcp://h:-1", "http://user:pw@:80/"],
)  # fmt: skip
def test_bad_ports_and_hosts_are_refused_when_the_url_is_read(url: str) -> None:
    with pytest.raises(FeedError) as err:
        open_source(url, env={})
    assert "pw" not in str(err.value)


# -- Source.run: a bug on one message is not the end of the feed -----------------------------------


class Flaky(Source):
    """A source whose first session dies of an exception nobody foresaw, then works."""

    def __init__(self) -> None:
        super().__init__("flaky://x", backoff_initial=0.01, backoff_max=0.02)
        self.sessions = 0
        self._check_live = False

    async def _session(self) -> None:
        self.sessions += 1
        if self.sessions == 1:
            {}[[]]  # type: ignore[index]  # TypeError: unhashable type: 'list'
        self._connected()
        self._deliver(Fix(T0, LAT, LON, source="flaky"))
        await asyncio.sleep(3600)


async def test_an_unexpected_exception_is_lost_and_retried_not_the_end() -> None:
    source = Flaky()
    rec = Recorder()
    task = asyncio.create_task(source.run(rec.on_fix, rec.on_status))
    try:
        await until(lambda: len(rec.fixes) == 1, 10, "the second session's fix")
    finally:
        await stop(task)
    lost = next(s for s in rec.statuses if s.state is FeedState.LOST)
    assert lost.detail == "internal error (TypeError); retrying"
    assert rec.states() == [FeedState.CONNECTING, FeedState.LOST, FeedState.RECONNECTING,
                            FeedState.CONNECTED, FeedState.STOPPED]  # fmt: skip


# -- the CI flake: a cancel that lands as the read completes ---------------------------------------


@pytest.mark.parametrize("when", ["reading", "connecting"])
async def test_a_cancelled_feed_ends_even_when_its_wait_completes_at_that_moment(
    when: str,
) -> None:
    # On Python 3.11 `asyncio.wait_for` returns the inner result when the inner future finished
    # in the same loop turn as the cancel, swallowing the cancel: the feed then read on forever
    # (the CI hang of test_a_silent_connection_is_lost_and_retried).
    peer = LineServer([])
    port = await peer.start()
    source = NmeaTcpSource(f"nmea+tcp://127.0.0.1:{port}", backoff_initial=0.01)
    source.pause_s = 3600.0  # the read below is blocked, not timing out
    rec = Recorder()
    task = asyncio.create_task(source.run(rec.on_fix, rec.on_status))
    try:
        if when == "reading":
            await until(lambda: rec.saw(FeedState.CONNECTED), 10, "connected")
            await asyncio.sleep(0.05)
            reader = source._reader
            assert reader is not None
            reader.feed_data(b"$GPTXT,01,01,02,hello*00\r\n")  # completes the blocked read ...
            task.cancel()  # ... in the same loop turn as the cancel
        else:
            hold = asyncio.get_running_loop().create_future()

            async def opening(*_a: Any, **_k: Any) -> tuple[Any, Any]:
                await hold
                raise ConnectionRefusedError

            source_open = asyncio.open_connection
            asyncio.open_connection = opening  # type: ignore[assignment]
            try:
                await asyncio.sleep(0.05)
                hold.set_result(None)  # the connect attempt finishes ...
                task.cancel()  # ... in the same loop turn as the cancel
            finally:
                asyncio.open_connection = source_open
        with pytest.raises(asyncio.CancelledError):
            async with asyncio.timeout(5):
                await task
    finally:
        if not task.done():
            task.cancel()
        await peer.close()
    assert rec.statuses[-1].state is FeedState.STOPPED


# -- F10: a hung gpsd, the epoch in hand at a quit -------------------------------------------------


async def test_a_gpsd_that_hangs_after_sending_fixes_is_lost() -> None:
    good, _times = tpvs(2)
    head = ['{"class":"VERSION","release":"3.22"}', '{"class":"DEVICES","devices":[{}]}']
    peer = LineServer([*head, *good])  # then silence on an open connection: gpsd hung
    port = await peer.start()
    source = GpsdSource(f"gpsd://127.0.0.1:{port}", backoff_initial=0.05)
    source.idle_s = 0.5
    rec = Recorder()
    task = asyncio.create_task(source.run(rec.on_fix, rec.on_status))
    try:
        await until(lambda: rec.saw(FeedState.LOST), 10, "LOST after gpsd went silent")
    finally:
        await stop(task)
        await peer.close()
    lost = next(s for s in rec.statuses if s.state is FeedState.LOST)
    assert lost.detail.startswith("gpsd sent nothing since ")
    assert len(rec.fixes) == 2


async def test_gpsd_without_a_receiver_is_quiet_but_not_lost() -> None:
    peer = LineServer(['{"class":"VERSION","release":"3.22"}', '{"class":"DEVICES","devices":[]}'])
    port = await peer.start()
    source = GpsdSource(f"gpsd://127.0.0.1:{port}")
    source.idle_s = 0.3
    rec = Recorder()
    task = asyncio.create_task(source.run(rec.on_fix, rec.on_status))
    try:
        quiet = "connected, no data since"
        await until(lambda: any(quiet in s.detail for s in rec.statuses), 10, "the quiet note")
    finally:
        await stop(task)
        await peer.close()
    assert not rec.saw(FeedState.LOST)
    assert any("no receiver" in s.detail for s in rec.statuses)


def nmea(body: str) -> str:
    checksum = functools.reduce(lambda a, c: a ^ ord(c), body, 0)
    return f"${body}*{checksum:02X}"


async def test_a_cancel_delivers_the_epoch_held_back() -> None:
    # Two epochs in one burst: the first is complete when the second starts; the second is held
    # until a pause. A quit before that pause must not drop it.
    lines = []
    for i in range(2):
        t = T0 + timedelta(seconds=i)
        lines.append(nmea(f"GPRMC,{t:%H%M%S}.00,A,2218.4320,N,07310.8720,E,5.0,0.0,{t:%d%m%y},,,A"))
    peer = LineServer(lines)
    port = await peer.start()
    source = NmeaTcpSource(f"nmea+tcp://127.0.0.1:{port}")
    source.pause_s = 3600.0  # no pause comes: only the cancel can hand the second epoch on
    rec = Recorder()
    task = asyncio.create_task(source.run(rec.on_fix, rec.on_status))
    try:
        await until(lambda: len(rec.fixes) >= 1, 10, "the first epoch")
        await asyncio.sleep(0.1)
        assert len(rec.fixes) == 1
    finally:
        await stop(task)
        await peer.close()
    assert [f.time for f in rec.fixes] == [T0, T0 + timedelta(seconds=1)]
