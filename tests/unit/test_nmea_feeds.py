"""NMEA feeds against real peers: a TCP server on 127.0.0.1 sending a real log in random pieces
with junk mixed in (then going away and coming back), a pseudo-terminal as a serial port, a file."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from feed_recorder import Recorder, until

from companion.sources.base import FeedState, Source, open_source
from companion.sources.nmea_feeds import NmeaFileSource, NmeaSerialSource, NmeaTcpSource

SHARED = Path(__file__).resolve().parents[3] / "shared"
NEO_LOG = SHARED / "data" / "nmea" / "ublox-neo-m9n-nmea.log"
COM_LOG = SHARED / "data" / "nmea" / "com-1289.log"


def rmc_times(text: str) -> list[datetime]:
    """Times of valid RMC sentences, split by hand."""
    out = []
    for line in text.splitlines():
        f = line.split("*")[0].split(",")
        if f[0].endswith("RMC") and len(f) > 9 and f[2] == "A":
            t, d = f[1], f[9]
            micros = round(float("0" + t[6:]) * 1e6) if len(t) > 6 else 0
            out.append(
                datetime(
                    2000 + int(d[4:]), int(d[2:4]), int(d[:2]),
                    int(t[:2]), int(t[2:4]), int(t[4:6]), micros, tzinfo=UTC,
                )
            )  # fmt: skip
    return out


def messy(lines: list[str], rng: random.Random) -> bytes:
    """The lines with binary junk, broken checksums and CRLF/LF mixed in."""
    out = bytearray()
    for line in lines:
        if rng.random() < 0.15:
            out += b"\x00\xfe\xff$GPGSV,junk\x13\r\n"
        if line.startswith("$GNGGA") and rng.random() < 0.3:
            out += (line.rstrip("\r\n").replace(",38", ",39", 1) + "\r\n").encode()  # bad check
        out += line.rstrip("\r\n").encode() + (b"\r\n" if rng.random() < 0.5 else b"\n")
    return bytes(out)


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def serve_once(data: bytes, port: int, rng: random.Random) -> asyncio.Server:
    """A TCP server that sends `data` in small random pieces to each client, then hangs up."""

    async def client(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        pos = 0
        while pos < len(data):
            size = rng.randint(1, 97)
            writer.write(data[pos : pos + size])
            pos += size
            await writer.drain()
            await asyncio.sleep(0.001 if rng.random() < 0.9 else 0.02)
        writer.close()

    return await asyncio.start_server(client, "127.0.0.1", port)


async def test_nmea_over_tcp_with_junk_then_server_gone_and_back() -> None:
    rng = random.Random(1289)
    lines = NEO_LOG.read_text().splitlines(keepends=True)
    rmc_at = [i for i, line in enumerate(lines) if line.startswith("$GNRMC")]
    first, second = lines[: rmc_at[30]], lines[rmc_at[30] :]

    server = await serve_once(messy(first, rng), 0, rng)
    port = server.sockets[0].getsockname()[1]
    source = open_source(f"nmea+tcp://127.0.0.1:{port}", backoff_initial=0.05, backoff_max=0.2)
    assert isinstance(source, NmeaTcpSource)
    rec = Recorder()
    task = asyncio.create_task(source.run(rec.on_fix, rec.on_status))
    try:
        await until(lambda: len(rec.fixes) >= 30, 20, "fixes of the first half")
        await until(lambda: rec.saw(FeedState.LOST), 5, "LOST when the server hangs up")
        server.close()
        await server.wait_closed()
        mark = len(rec.statuses)
        await until(lambda: rec.saw(FeedState.RECONNECTING, mark), 5, "retries")
        server = await serve_once(messy(second, rng), port, rng)
        await until(lambda: len(rec.fixes) >= 61, 20, "fixes after the server came back")
    finally:
        await stop(task)
        server.close()
    assert [f.time for f in rec.fixes] == rmc_times("".join(lines))
    lost = next(s for s in rec.statuses if s.state is FeedState.LOST)
    assert lost.detail == "closed by the other end"
    assert any(s.detail == "connection refused" for s in rec.statuses[mark:])
    assert rec.statuses[-1].bad_lines > 0
    assert rec.statuses[-1].rejected == 0


def _pty_pair() -> tuple[int, str]:
    master, slave = os.openpty()
    path = os.ttyname(slave)
    os.close(slave)  # pyserial opens the path itself, as it would /dev/ttyUSB0
    return master, path


async def test_serial_port_via_a_pseudo_terminal() -> None:
    master, path = _pty_pair()
    source = open_source(f"nmea://{path}?baud=4800", backoff_initial=0.05, backoff_max=0.2)
    assert isinstance(source, NmeaSerialSource)
    rec = Recorder()
    task = asyncio.create_task(source.run(rec.on_fix, rec.on_status))
    text = COM_LOG.read_text()
    try:
        await until(lambda: rec.saw(FeedState.CONNECTED), 5, "the port to open")
        data = text.replace("\n", "\r\n").encode()
        for i in range(0, len(data), 64):
            os.write(master, data[i : i + 64])
            await asyncio.sleep(0.002)
        await until(lambda: len(rec.fixes) >= 14, 10, "fixes over the pty")
        mark = len(rec.statuses)
        os.close(master)  # the cable is pulled
        master = -1
        await until(lambda: rec.saw(FeedState.LOST, mark), 5, "LOST after the pull")
    finally:
        await stop(task)
        if master >= 0:
            os.close(master)
    assert [f.time for f in rec.fixes] == rmc_times(text)
    assert rec.statuses[-1].bad_lines == 1  # the GPGSV with the wrong checksum
    assert rec.statuses[-1].state is FeedState.STOPPED


async def test_nmea_file_is_read_once_and_stops() -> None:
    source = open_source(f"nmea:{NEO_LOG}")
    assert isinstance(source, NmeaFileSource)
    rec = Recorder()
    await asyncio.wait_for(source.run(rec.on_fix, rec.on_status), 10)
    assert [f.time for f in rec.fixes] == rmc_times(NEO_LOG.read_text())
    assert rec.statuses[-1].state is FeedState.STOPPED
    assert rec.statuses[-1].detail == "end of ublox-neo-m9n-nmea.log: 61 fixes"


def test_bad_nmea_urls() -> None:
    from companion.sources.base import FeedError

    with pytest.raises(FeedError, match="no such file"):
        open_source("nmea:/nonexistent/track.log")
    with pytest.raises(FeedError, match="port"):
        open_source("nmea+tcp://127.0.0.1:notaport")
    with pytest.raises(FeedError, match="give a port"):
        open_source("nmea+tcp://127.0.0.1")


def test_sources_share_the_contract() -> None:
    assert all(issubclass(c, Source) for c in (NmeaTcpSource, NmeaSerialSource, NmeaFileSource))


async def test_a_silent_connection_is_lost_and_retried() -> None:
    # A phone that left the Wi-Fi leaves a half-open connection: nothing arrives, nothing closes.
    clients: list[asyncio.StreamWriter] = []

    async def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        clients.append(writer)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    source = NmeaTcpSource(f"nmea+tcp://127.0.0.1:{port}", backoff_initial=0.05)
    source.idle_s = 0.5
    rec = Recorder()
    task = asyncio.create_task(source.run(rec.on_fix, rec.on_status))
    try:
        await until(lambda: len(clients) >= 2, 5, "a second connection after the silence")
    finally:
        await stop(task)
        server.close()
        for writer in clients:
            writer.close()
    lost = next(s for s in rec.statuses if s.state is FeedState.LOST)
    assert lost.detail.startswith("no data since ")
