"""Cut a byte stream into text lines, whatever the reads look like.

Serial ports and sockets hand over arbitrary pieces: half a sentence, three and a half, a lone CR.
"""

from __future__ import annotations

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
