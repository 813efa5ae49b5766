"""The read loop shared by byte-stream feeds: gpsd, NMEA over TCP, NMEA from a serial port.

A subclass opens the connection and reads; this module feeds the bytes to a parser, hands the
fixes on, flushes the parser when the stream pauses (a receiver sends one burst a second, so a
pause means the epoch is complete; waiting for the next burst would show every fix a second
late), and notices a stream that went silent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import abstractmethod
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

from companion.core.models import Fix
from companion.sources.base import FeedError, FeedLost, Source, redact

log = logging.getLogger("companion.sources")

# A pause this long ends an epoch (receivers send a second's sentences within ~100 ms).
DEFAULT_PAUSE_S = 0.25
# Silence this long on an open connection means the far end is gone without saying so (a phone
# that left the Wi-Fi, a half-open TCP connection).
DEFAULT_IDLE_S = 20.0
CONNECT_TIMEOUT_S = 10.0
_SILENT = "\0silent"  # marks "no data" as shown, so it is not repeated every pause


class StreamParser(Protocol):
    def feed(self, chunk: bytes | str) -> list[Fix]: ...
    def flush(self) -> list[Fix]: ...
    @property
    def bad_lines(self) -> int: ...
    @property
    def notice(self) -> str: ...
    @property
    def failures(self) -> int: ...
    @property
    def last_failure(self) -> str: ...


class StreamSource(Source):
    """A Source that reads bytes from one connection at a time."""

    pause_s = DEFAULT_PAUSE_S
    idle_s = DEFAULT_IDLE_S
    # Silence on an open connection means the far end is gone (see `_silence_is_lost`).
    reconnect_when_idle = True
    _shown_notice: str | None = None

    @abstractmethod
    def _new_parser(self) -> StreamParser: ...

    @abstractmethod
    async def _open(self) -> str:
        """Connect; return a detail for the CONNECTED status ("gpsd at 127.0.0.1:2947")."""

    @abstractmethod
    async def _read(self) -> bytes | None:
        """Up to a chunk of bytes; None if nothing came within `pause_s`; b"" at end of stream."""

    @abstractmethod
    async def _close(self) -> None: ...

    async def _session(self) -> None:
        parser = self._new_parser()
        self._shown_notice = None
        try:
            detail = await self._open()
            self._connected(detail)
            idle = 0.0
            while True:
                try:
                    chunk = await self._read()
                except asyncio.CancelledError:
                    self._hand_on_at_quit(parser)
                    raise
                if chunk is None:
                    # A pause: the epoch in hand is complete, hand it on now.
                    self._take(parser, parser.flush())
                    idle += self.pause_s
                    if idle >= self.idle_s:
                        since = self._clock() - timedelta(seconds=idle)
                        if self._silence_is_lost(parser):
                            raise FeedLost(self._silence_reason(since))
                        if self._shown_notice != _SILENT:
                            self._note(f"connected, no data since {since:%H:%M:%S}Z")
                            self._shown_notice = _SILENT
                    continue
                if not chunk:
                    self._take(parser, parser.flush())
                    raise FeedLost(self._eof_reason())
                idle = 0.0
                self._had_data = True
                if self._shown_notice == _SILENT:
                    self._shown_notice = None  # data again: say so once
                self._take(parser, parser.feed(chunk))
        finally:
            await self._close()

    def _eof_reason(self) -> str:
        return "closed by the other end"

    def _silence_is_lost(self, parser: StreamParser) -> bool:
        """Whether `idle_s` of silence means the far end is gone (not just quiet)."""
        return self.reconnect_when_idle

    def _silence_reason(self, since: datetime) -> str:
        return f"no data since {since:%H:%M:%S}Z"

    def _hand_on_at_quit(self, parser: StreamParser) -> None:
        """A quit (cancel) while reading: the epoch in hand was received, so hand it on (to be
        logged) instead of dropping the last fraction of a second."""
        try:
            self._take(parser, parser.flush())
        except Exception:  # the cancel must go on whatever the callback did
            log.exception("feed %s: the last fixes could not be handed on", self.url_redacted)

    def _take(self, parser: StreamParser, fixes: list[Fix]) -> None:
        for fix in fixes:
            self._deliver(fix)
        self._count_bad_lines(parser.bad_lines)
        self._count_failures(parser.failures, parser.last_failure)
        notice = parser.notice
        if notice != self._shown_notice and (fixes or notice or self._shown_notice is None):
            self._shown_notice = notice
            self._note(f"connected, {notice}" if notice else "connected")


class TcpStreamSource(StreamSource):
    """A StreamSource over a TCP connection to host:port."""

    greeting = b""  # sent once connected (gpsd's ?WATCH)
    what = "server"

    default_port: int | None = None

    def __init__(self, url: str, **kwargs: Any) -> None:
        super().__init__(url, **kwargs)
        self.host, self.port = host_port(url, self.default_port)
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _open(self) -> str:
        # asyncio.timeout, never asyncio.wait_for: on Python 3.11 wait_for swallows a cancel
        # that lands in the loop turn its inner future completes, and the feed then ran on
        # forever (a quit that hangs; the CI hang in test_a_silent_connection_...).
        async with asyncio.timeout(CONNECT_TIMEOUT_S):
            reader, writer = await asyncio.open_connection(self.host, self.port)
        self._reader, self._writer = reader, writer
        if self.greeting:
            writer.write(self.greeting)
            await writer.drain()
        return f"{self.what} at {self.host}:{self.port}"

    async def _read(self) -> bytes | None:
        assert self._reader is not None
        try:
            # Cancelling StreamReader.read while it waits loses no data.
            async with asyncio.timeout(self.pause_s):
                return await self._reader.read(65536)
        except TimeoutError:
            return None

    async def _close(self) -> None:
        writer, self._writer, self._reader = self._writer, None, None
        if writer is not None:
            writer.close()
            # The peer may be gone already; there is nothing left to tidy then.
            with contextlib.suppress(OSError, TimeoutError):
                async with asyncio.timeout(1.0):
                    await writer.wait_closed()


def host_port(url: str, default_port: int | None) -> tuple[str, int]:
    """HOST:PORT from a URL's netloc ("[::1]:2947" for IPv6), or FeedError naming the URL."""
    hostport = urlsplit(url).netloc.rpartition("@")[2]
    if hostport.startswith("["):
        host, _, rest = hostport[1:].partition("]")
        port_text = rest.removeprefix(":")
    else:
        host, _, port_text = hostport.partition(":")
    host = host or "127.0.0.1"
    if not port_text:
        if default_port is None:
            raise FeedError(f"feed {redact(url)}: give a port, as in HOST:PORT")
        return host, default_port
    try:
        port = int(port_text)
    except ValueError:
        raise FeedError(f"feed {redact(url)}: port {port_text!r} is not a number") from None
    if not 0 < port < 65536:
        raise FeedError(f"feed {redact(url)}: port {port} is out of range")
    return host, port
