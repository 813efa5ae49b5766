"""NMEA feeds: over TCP (phone apps that share their GPS), from a serial port, from a file.

nmea+tcp://HOST:PORT          connect and read; reconnect when the phone goes away
nmea:///dev/ttyUSB0?baud=4800 a serial receiver (pyserial); reopened when the cable comes back
nmea:PATH                     a log file, read once as fast as it goes
nmea:PATH?speed=60            a log file played in its own time, 60 times faster (= replay:)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import serial

from companion.event import redact
from companion.sources import nmea_child
from companion.sources.base import FeedError, FeedLost, Source, query_float
from companion.sources.nmea import NmeaParser
from companion.sources.nmea_child import Block
from companion.sources.stream import StreamSource, TcpStreamSource

DEFAULT_BAUD = 4800  # NMEA 0183's own rate; most USB pucks use it unless told otherwise


class NmeaTcpSource(TcpStreamSource):
    """`nmea+tcp://HOST:PORT`: an NMEA stream served over TCP (GPSd-Forwarder, Share GPS, ...)."""

    kind = "nmea"
    what = "NMEA server"

    def _new_parser(self) -> NmeaParser:
        # A GGA-only receiver never sends a date: today's, from our clock, is right for live data.
        return NmeaParser(source=self.kind, clock=self._clock)


class NmeaSerialSource(StreamSource):
    """`nmea:///dev/ttyUSB0?baud=4800`: a receiver on a serial port (pyserial, read in a thread)."""

    kind = "nmea"

    def __init__(self, url: str, path: str, baud: int, **kwargs: Any) -> None:
        super().__init__(url, **kwargs)
        self.path, self.baud = path, baud
        self._port: serial.Serial | None = None

    def _new_parser(self) -> NmeaParser:
        return NmeaParser(source=self.kind, clock=self._clock)

    async def _open(self) -> str:
        try:
            self._port = await asyncio.to_thread(
                serial.Serial, self.path, self.baud, timeout=self.pause_s
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise FeedLost(f"cannot open {self.path}: {_serial_reason(exc)}") from None
        return f"{self.path} at {self.baud} baud"

    async def _read(self) -> bytes | None:
        port = self._port
        assert port is not None
        try:
            data: bytes = await asyncio.to_thread(port.read, 4096)
        except (serial.SerialException, OSError) as exc:
            # A pulled USB cable or a closed pty shows up as an error on read, not as EOF.
            raise FeedLost(f"{self.path}: {_serial_reason(exc)}") from None
        return data or None  # a serial read that times out returns b"": just a pause

    async def _close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            await asyncio.to_thread(port.close)


def _serial_reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    text = str(exc).strip()
    return text[:120] if text else type(exc).__name__


class NmeaFileSource(Source):
    """`nmea:PATH`: every fix in a log, delivered at once; STOPPED at the end of the file."""

    kind = "nmea"

    def __init__(self, url: str, path: Path, **kwargs: Any) -> None:
        super().__init__(url, **kwargs)
        self.path = path
        self._check_live = False  # a log's times are history, not "now"
        self._handed = 0  # the parser's fixes handed on, over every session
        self._child = True  # a big log read by a second process (nmea_child.py) until it fails

    async def _session(self) -> None:
        self._connected(f"reading {self.path.name}")
        # A session after a failure goes on where the last one stopped: the parser gives the
        # same fixes in the same order, so the first `_handed` were handed on already.
        skip, seen = self._handed, 0
        async with contextlib.aclosing(self._blocks()) as blocks:  # a child killed if cancelled
            async for fixes, bad in blocks:
                seen += len(fixes)
                if seen > skip:
                    self._deliver_all(fixes if seen - len(fixes) >= skip else fixes[skip - seen :])
                    self._handed = seen
                    self._count_bad_lines(bad)  # (while skipping: the count of lines read again)
                await asyncio.sleep(0)  # let the UI breathe on a long file
        self._finished = True
        raise FeedLost(f"end of {self.path.name}: {self._status.fixes} fixes")

    async def _blocks(self) -> AsyncGenerator[Block, None]:
        """Each read's fixes and the bad lines so far: from a child for a big log, else here."""
        if self._child and self.path.stat().st_size >= nmea_child.CHILD_MIN_BYTES:
            try:
                async for block in nmea_child.child_blocks(self.path, self.kind):
                    yield block
                return
            except FeedLost:
                self._child = False  # read here when tried again
                raise
        parser = NmeaParser(source=self.kind)
        with self.path.open("rb") as fh:
            for block in nmea_child.parse_blocks(fh, parser):
                yield block


def open_nmea(url: str, **kwargs: Any) -> Source:
    """The Source for an `nmea:` URL (serial device or file; see the module docstring)."""
    parts = urlsplit(url)
    path_text = unquote(parts.path)
    if not path_text:
        raise FeedError(f"feed {redact(url)}: give a device or a file, as in nmea:///dev/ttyUSB0")
    if url.lower().startswith("nmea://") or _is_char_device(path_text):
        baud = query_float(url, "baud", DEFAULT_BAUD)
        if baud != int(baud):
            raise FeedError(f"feed {redact(url)}: baud must be a whole number")
        return NmeaSerialSource(url, path_text, int(baud), **kwargs)
    path = Path(path_text).expanduser()
    if not path.is_file():
        raise FeedError(f"feed {redact(url)}: no such file")
    if "speed=" in parts.query:
        from companion.sources.replay import ReplaySource

        return ReplaySource(url, **kwargs)
    return NmeaFileSource(url, path, **kwargs)


def _is_char_device(path: str) -> bool:
    try:
        return stat.S_ISCHR(os.stat(path).st_mode)
    except OSError:
        return False
