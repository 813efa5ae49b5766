"""A block of NMEA bytes (what one read gives) to fixes in one loop: the plain RMC read in place.

`NmeaParser.feed` used to cut the block into lines and hand each line through `feed_line`,
`read_rmc`, `_plain_rmc`, `_epoch_at` and `_finish`: five calls, two tuples, an `_Epoch` and a
list a line, ~64k instructions a 10 Hz fix (issue 11). Here one regex scans the whole block for
plain RMC lines (the `nmea_line._RMC` case: the same pattern, held to a line by its ends), their
checksums come from one running XOR of the block's bytes (numpy), and the epoch in hand is kept in
locals; a plain RMC completes the previous one as `_finish` would.

Every other line (a GGA, a VTG, junk, a bad checksum, a date that is no date) goes through
`feed_line` exactly as before, in its place: the epoch in hand is handed to the parser first and
taken back after. So this can change no fix, count or notice, only how soon they are reached
(tests/unit/test_nmea_block.py holds it to the line-at-a-time parser on every real log, in reads
of every size, and on mutations of their lines).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING

from companion.core.models import Fix, fix_of
from companion.sources.nmea_line import _DATES, _HEX, _HMS, _MICROS, _RMC, KNOT_MPS, _date, _tod

if TYPE_CHECKING:
    from companion.sources.nmea import NmeaParser

# `_RMC` held to one whole line: preceded by a line end (or the block's start), followed by one.
# No class in it takes a CR or LF, so a match is what `_RMC.fullmatch(line)` takes of a line.
_RMC_LINE = re.compile(r"(?<![^\r\n])(?:" + _RMC.pattern + r")(?=[\r\n])")
_LONGEST_BODY = 128  # _checksum_ok's bound: a longer sentence goes the slow way


def feed_block(parser: NmeaParser, chunk: bytes | str) -> list[Fix]:
    """`LineParser.feed` for an NMEA parser: the fixes the chunk completes, in order."""
    lines = parser._lines
    data = chunk.encode("utf-8", "surrogateescape") if isinstance(chunk, str) else chunk
    buf = lines._buf
    buf += data
    # The complete lines end at the last CR or LF; the rest waits for the next read (as
    # LineSplitter.feed keeps it, dropped and counted past its bound).
    end = max(buf.rfind(b"\n"), buf.rfind(b"\r")) + 1
    head = bytes(buf[:end])
    del buf[:end]
    if len(buf) > lines.max_line:
        buf.clear()
        lines.overflows += 1
    if not head:
        return []
    # ASCII with "replace" gives one character a byte: positions in the text are the bytes'.
    text = head.decode("ascii", "replace")
    xor = _running_xor(head)
    out: list[Fix] = []
    source = parser.source
    # The epoch in hand while the lines are plain RMCs (else None, and it is the parser's).
    ep_tod, ep_day, ep_lat, ep_lon, ep_spd, ep_crs = _take(parser)
    last_emitted = parser._last_emitted
    plain = 0  # plain RMC lines read here, not yet in parser.stats
    emitted = False  # a fix finished here since the parser's state was last written
    pos = 0
    theirs = parser._epoch is not None  # an epoch in hand the loop could not take
    for m in _RMC_LINE.finditer(text):
        start, stop = m.span()
        hms, frac, lat_d, lat_m, ns, lon_d, lon_m, ew, spd, crs, dmy, _mode, check = m.groups()
        # Between two plain lines there is only a line end or two; more may hold other lines.
        slow = text[pos:start].strip("\r\n") if start - pos > 2 or pos == 0 else ""
        pos = stop
        ok = stop - start - 4 <= _LONGEST_BODY and xor[stop - 4] ^ xor[start] == _HEX[check]
        if ok:
            # _tod and _date, their kept values read here (a call each saved a line).
            h_m_s, day = _HMS.get(hms), _DATES.get(dmy)
            us = _MICROS.get(frac, -1) if frac else 0
            if h_m_s is not None and day is not None and us >= 0:
                tod = time(*h_m_s, us)
            else:
                try:
                    tod = _tod(hms, frac)
                    day = _date(dmy)
                except ValueError:  # hour 25, day 32: read_rmc leaves those to the slow way
                    ok = False
        if not ok or theirs or slow:
            # The parser's own way: hand it the epoch in hand, let it read, take it back.
            if ep_tod is not None:
                parser._hold(ep_tod, ep_day, ep_lat, ep_lon, ep_spd, ep_crs)
                ep_tod = None
            _write_back(parser, plain, emitted, last_emitted)
            plain, emitted = 0, False
            if slow:
                out += _slow_lines(parser, slow)
            out += _slow_lines(parser, m[0])
            last_emitted = parser._last_emitted
            ep_tod, ep_day, ep_lat, ep_lon, ep_spd, ep_crs = _take(parser)
            theirs = parser._epoch is not None
            continue
        plain += 1
        if ep_tod is not None and ep_tod != tod:
            # The epoch in hand is complete: what `_finish` does with a plain RMC's epoch.
            out.append(
                fix_of(datetime.combine(ep_day, ep_tod, tzinfo=UTC), ep_lat, ep_lon, source,  # type: ignore[arg-type]
                       None, ep_spd, ep_crs, None, None, None, "", "")
            )  # fmt: skip
            last_emitted = ep_tod
            parser._date, parser._date_tod = ep_day, ep_tod
            emitted = True
            ep_tod = None
        if ep_tod is None:
            if tod == last_emitted:
                continue  # a late sentence of an epoch already flushed after a pause
            ep_tod = tod
            ep_spd = ep_crs = None
        lat = float(lat_d) + float(lat_m) / 60
        lon = float(lon_d) + float(lon_m) / 60
        ep_day = day
        ep_lat = lat if ns == "N" else -lat
        ep_lon = lon if ew == "E" else -lon
        if spd is not None:
            ep_spd = float(spd) * KNOT_MPS
        if crs is not None:
            ep_crs = float(crs)
    if ep_tod is not None:
        parser._hold(ep_tod, ep_day, ep_lat, ep_lon, ep_spd, ep_crs)
    _write_back(parser, plain, emitted, last_emitted)
    rest = text[pos:]
    if rest.strip("\r\n"):
        out += _slow_lines(parser, rest)
    return out


def _write_back(parser: NmeaParser, plain: int, emitted: bool, last_emitted: time | None) -> None:
    """What the plain lines read here did to the parser's counts and state."""
    if plain:
        parser.stats.lines += plain
        parser.stats.sentences += plain
    if emitted:
        parser.notice = ""
    parser._last_emitted = last_emitted


# The epoch in hand as the loop holds it: (time of day or None, date, lat, lon, speed, course).
_Held = tuple[time | None, date | None, float, float, float | None, float | None]
_NONE_HELD: _Held = (None, None, 0.0, 0.0, None, None)


def _take(parser: NmeaParser) -> _Held:
    """The parser's epoch in hand, taken into the loop's locals if plain RMCs alone could have
    made it (a date, a position not from a GGA, nothing else); else it stays the parser's."""
    ep = parser._epoch
    if (
        ep is None or ep.date is None or ep.lat is None or ep.lon is None or ep.from_gga
        or ep.alt_m is not None or ep.sats is not None or ep.simulated
    ):  # fmt: skip
        return _NONE_HELD
    parser._epoch = None
    return ep.tod, ep.date, ep.lat, ep.lon, ep.speed_mps, ep.course_deg


def _slow_lines(parser: NmeaParser, text: str) -> list[Fix]:
    """Lines that are not a plain RMC, each through `feed_line` as `LineParser.feed` does."""
    out: list[Fix] = []
    for line in text.replace("\r", "\n").split("\n"):
        if line:
            out += parser._guarded(line)
    return out


def _running_xor(head: bytes) -> bytes:
    """b[0] ^ ... ^ b[i] at each i: the XOR of the bytes a..b is xor[b] ^ xor[a - 1]."""
    import numpy as np  # here: the parser alone (the CLI's start) does not need it

    return np.bitwise_xor.accumulate(np.frombuffer(head, dtype=np.uint8)).tobytes()
