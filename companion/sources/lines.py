"""Cut a byte stream into text lines, whatever the reads look like.

Serial ports and sockets hand over arbitrary pieces: half a sentence, three and a half, a lone CR.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from companion.core.models import Fix

# Longer than any NMEA sentence (82 chars) or gpsd JSON object we use (a SKY with 60 satellites is
# ~6 KB): without a line end by then the stream is not line-based text, so drop what we hold.
MAX_LINE = 16384


class LineSplitter:
    """Feed chunks, get complete lines (without line ends). `overflows` counts dropped junk."""

    def __init__(self, max_line: int = MAX_LINE) -> None:
        self._buf = bytearray()
        self.max_line = max_line
        self.overflows = 0

    def feed(self, chunk: bytes | str) -> list[str]:
        data = chunk.encode("utf-8", "surrogateescape") if isinstance(chunk, str) else chunk
        self._buf += data
        # CR, LF and CRLF all end a line; empty lines are dropped by the callers.
        normalized = self._buf.replace(b"\r", b"\n")
        *complete, rest = normalized.split(b"\n")
        self._buf = bytearray(rest)
        if len(self._buf) > self.max_line:
            self._buf.clear()
            self.overflows += 1
        return [line.decode("ascii", "replace") for line in complete if line]

    def flush(self) -> list[str]:
        """The unterminated last line, if any (at the end of a file)."""
        rest = bytes(self._buf).decode("ascii", "replace")
        self._buf.clear()
        return [rest] if rest.strip() else []


class LineParser(ABC):
    """A parser that takes chunks of a line-based stream and gives fixes; it does no IO.

    A line that makes `feed_line` raise anyway (a case nobody foresaw) is skipped and counted in
    `failures`, with `last_failure` saying what it was: one odd message never stops a feed.
    """

    def __init__(self) -> None:
        self._lines = LineSplitter()
        self.failures = 0
        self.last_failure = ""

    @abstractmethod
    def feed_line(self, line: str) -> list[Fix]:
        """Take one complete line."""

    def _end(self) -> list[Fix]:
        """The fix still held back when the input ends (an unfinished epoch); none by default."""
        return []

    def feed(self, chunk: bytes | str) -> list[Fix]:
        out: list[Fix] = []
        feed_line = self.feed_line
        for line in self._lines.feed(chunk):  # _guarded, inlined: this runs once a line
            try:
                fixes = feed_line(line)
            except Exception as exc:  # whatever one line does is that line's problem
                self._failed(exc)
                continue
            if fixes:
                out += fixes
        return out

    def flush(self) -> list[Fix]:
        """Finish what is pending (call at end of input, or after a pause in a live stream)."""
        out: list[Fix] = []
        for line in self._lines.flush():
            out.extend(self._guarded(line))
        out.extend(self._end())
        return out

    def _guarded(self, line: str) -> list[Fix]:
        try:
            return self.feed_line(line)
        except Exception as exc:  # whatever one line does is that line's problem
            self._failed(exc)
            return []

    def _failed(self, exc: Exception) -> None:
        self.failures += 1
        self.last_failure = f"line not understood ({type(exc).__name__})"
