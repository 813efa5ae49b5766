"""The plain track segments of a GPX file read by regular expressions (issue 11: a 200k-point
track ready in under a second), beside gpx.py's expat reader, which still reads all the rest.

expat with a Python handler per element costs ~3 µs a track point. So each ``<trkseg>`` whose
body is nothing but plain points -- ``<trkpt lat="…" lon="…">`` with at most an ``<ele>`` and a
``<time>``, ASCII numbers, no entity, in a file with no comment, CDATA or processing
instruction -- is read by one regular expression and cut out of the document (its newlines
kept, so every later line keeps its number); gpx.py's reader then reads what is left, with the
same checks as ever (root, DTD refused, XML errors). What is cut is well-formed by its pattern,
so the rest is well-formed exactly when the file is. Anything else -- a prefix, another
attribute or child, a number Python would read differently from its bytes, a bad coordinate, a
file over a limit, an encoding that is not ASCII's superset, any error in the rest, a segment
inside a point or a text -- and the whole file is read the usual way, which says exactly what
it always said. Either way the RouteData is the same (test_gpx_fast compares them).
"""

from __future__ import annotations

import math
import re

# Files above this are streamed by the usual reader (the fast path holds the whole file).
FAST_MAX_BYTES = 64 * 2**20

_NUM = rb"[-+0-9.eE]+"
_WS = rb"[ \t\r\n]*"
# One plain point: lat then lon, double quotes; an optional <ele> then an optional <time>.
_POINT = re.compile(
    rb'<trkpt lat="(' + _NUM + rb')" lon="(' + _NUM + rb')"' + _WS
    + rb"(?:/>|>" + _WS + rb"(?:<ele>(" + _WS + _NUM + _WS + rb")</ele>" + _WS + rb")?"
    + rb"(?:<time>[-+0-9:.TZ]*</time>" + _WS + rb")?</trkpt>)"
)  # fmt: skip
_OPEN, _CLOSE = b"<trkseg>", b"</trkseg>"
_XML_WS = b" \t\r\n"
_DECL = re.compile(rb"\A(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding=[\"']([A-Za-z0-9._-]+)[\"']")
_ASCII_SUPERSETS = {b"utf-8", b"utf8", b"us-ascii", b"ascii", b"iso-8859-1", b"latin-1"}


class Cut:
    """The document without its plain segments' points, and those points in file order."""

    def __init__(self, rest: bytes, lats: list[float], lons: list[float], eles: list[float]):
        self.rest, self.lats, self.lons, self.eles = rest, lats, lons, eles


def cut_plain_segments(data: bytes, max_points: int) -> Cut | None:
    """The plain segments cut out of `data`, or None (see the module's docstring)."""
    if len(data) > FAST_MAX_BYTES or b"<trkseg>" not in data or not _ascii_superset(data):
        return None
    declared = data.lstrip(b"\xef\xbb\xbf").startswith(b"<?xml")
    if b"<!--" in data or b"<![CDATA[" in data or data.count(b"<?") > int(declared):
        return None  # a "<trkseg>" in a comment, CDATA or a processing instruction is not one
    lats: list[float] = []
    lons: list[float] = []
    eles: list[float] = []
    pieces: list[bytes] = []
    at = 0
    while (start := data.find(_OPEN, at)) >= 0:
        start += len(_OPEN)
        end = data.find(_CLOSE, start)
        if end < 0:
            return None
        body = data[start:end]
        # One pass: the text between the points, then each point's lat, lon and ele.
        parts = _POINT.split(body)
        if b"".join(parts[0::4]).strip(_XML_WS):
            return None  # something besides plain points: the usual reader reads the file
        try:
            lat = list(map(float, parts[1::4]))
            lon = list(map(float, parts[2::4]))
        except ValueError:
            return None  # "1.2.3": the usual reader names the point's line
        if lat and not (min(lat) >= -90.0 and max(lat) <= 90.0):
            return None  # the usual reader names the point's line (no NaN: the pattern has none)
        if lon and not (min(lon) >= -180.0 and max(lon) <= 180.0):
            return None
        lats += lat
        lons += lon
        eles += _eles(parts[3::4])
        # As many line ends as expat counts: LF, CRLF, and a lone CR (old Mac files) each one.
        breaks = body.count(b"\n") + body.count(b"\r") - body.count(b"\r\n")
        pieces += (data[at:start], b"\n" * breaks)
        at = end
    if len(lats) > max_points:
        return None  # the usual reader says where the file went over the limit
    rest = b"".join([*pieces, data[at:]])
    if b"trkpt" in rest:
        return None  # a point the expressions did not take: file order needs one reader
    return Cut(rest, lats, lons, eles)


def _eles(texts: list[bytes | None]) -> list[float]:
    """The points' elevations, as gpx.py reads them; all at once when all are plain numbers."""
    try:
        values = list(map(float, texts))  # type: ignore[arg-type]  # None (no <ele>) fails
    except (TypeError, ValueError):
        return [_ele(t) for t in texts]
    return values if all(map(math.isfinite, values)) else [_ele(t) for t in texts]


def _ele(text: bytes | None) -> float:
    """As gpx.py reads an <ele>: a garbled or infinite one is NaN (it only draws the profile)."""
    if not text:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan


def _ascii_superset(data: bytes) -> bool:
    """The bytes of `<trkpt lat="1"` mean those characters: UTF-8 (with or without its BOM, the
    default), ASCII or Latin-1; not UTF-16 or an EBCDIC code page."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    head = data[:200]
    if not head.lstrip(b"\xef\xbb\xbf").startswith(b"<?xml"):
        return not head.startswith(b"\x00") and b"\x00" not in head
    decl = _DECL.match(head)
    if decl is None:
        return b"encoding" not in head.split(b"?>", 1)[0]  # no encoding named: UTF-8
    return decl.group(1).lower() in _ASCII_SUPERSETS
