"""Property test of the GPX reader's fast path (formats/gpx_fast.py): real GPX files from
../shared, mutated the ways a hostile or odd file differs (other line ends, quotes, attribute
order, whitespace, entities, prefixes, comments, a segment dropped anywhere, numbers written
otherwise, a BOM, UTF-16, cut short), read with and without the fast path: the RouteData (or
the one-line error) must be the same. The oracle is the expat reader alone on the same bytes."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from companion.core.models import RouteError
from companion.formats.gpx import _GpxReader, parse_gpx
from companion.formats.limits import DEFAULT_LIMITS

SHARED = Path(__file__).resolve().parents[3] / "shared"
FILES = sorted(
    p for p in SHARED.rglob("*.gpx") if p.is_file() and p.stat().st_size < 40_000
) if SHARED.exists() else []  # fmt: skip


def oracle(data: bytes) -> str:
    try:
        return repr(_GpxReader("f.gpx", DEFAULT_LIMITS).run(io.BytesIO(data), "f"))
    except RouteError as e:
        return f"RouteError: {e}"


def fast(data: bytes) -> str:
    try:
        return repr(parse_gpx(data, "f.gpx", default_name="f"))
    except RouteError as e:
        return f"RouteError: {e}"


SNIPPETS = [
    b"\r",
    b"\r\n",
    b"\n",
    b" ",
    b"\t",
    b"<!-- <trkseg> -->",
    b"<![CDATA[x]]>",
    b"<?pi x?>",
    b'<trkseg><trkpt lat="1" lon="2"/></trkseg>',
    b"<trkseg>",
    b"</trkseg>",
    b"&#49;",
    b"&amp;",
    b'<trkpt lat="1" lon="2"><ele>3</ele></trkpt>',
    b"<name>trkseg</name>",
    b"\xef\xbb\xbf",
    b'<wpt lat="1" lon="2"><name>W</name></wpt>',
    b"e5",
    b"+",
    b"-",
    b"1e400",
    b"\x00",
    b"\xc3\xa9",
    b"\xe9",
    b"'",
    b'"',
    b"<",
    b">",
    b"/>",
    b"<ele>",
    b"</ele>",
]


def mutate(data: bytes, kind: int, at: float, snippet: bytes) -> bytes:
    """One mutation of `data`; `at` in [0, 1) picks where."""
    pos = int(at * len(data))
    if kind == 0:  # a snippet dropped anywhere
        return data[:pos] + snippet + data[pos:]
    if kind == 1:  # old Mac line ends
        return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r")
    if kind == 2:  # Windows line ends
        return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if kind == 3:  # single quotes on one point
        return _nth(data, rb'<trkpt lat="([^"]*)" lon="([^"]*)"', at, rb"<trkpt lat='\1' lon='\2'")
    if kind == 4:  # lon before lat
        return _nth(data, rb'<trkpt lat="([^"]*)" lon="([^"]*)"', at, rb'<trkpt lon="\2" lat="\1"')
    if kind == 5:  # a number written otherwise
        return _nth(data, rb'lat="([0-9.+-]+)"', at, rb'lat="\g<1>e0"')
    if kind == 6:  # a prefix on the segments
        return data.replace(b"<trkseg>", b"<g:trkseg>").replace(b"</trkseg>", b"</g:trkseg>")
    if kind == 7:  # a BOM
        return b"\xef\xbb\xbf" + data
    if kind == 8:  # UTF-16, declared or not
        try:
            return data.decode("utf-8").encode("utf-16")
        except UnicodeDecodeError:
            return data
    if kind == 9:  # cut short
        return data[:pos]
    if kind == 10:  # a byte range gone
        return data[:pos] + data[pos + len(snippet) * 3 :]
    if kind == 11:  # whitespace inside a point's tag
        return _nth(data, rb'" lon="', at, b'"\n\t lon="')
    if kind == 12:  # a waypoint after the track, where its line number counts
        return data.replace(b"</gpx>", b'<wpt lat="%.5f" lon="0"><name>W</name></wpt>\n</gpx>' % at)
    return data.replace(b"<ele>", b"<ele> ").replace(b"</ele>", b"\r\n</ele>")


def _nth(data: bytes, pattern: bytes, at: float, repl: bytes) -> bytes:
    hits = list(re.finditer(pattern, data))
    if not hits:
        return data
    m = hits[int(at * len(hits))]
    return data[: m.start()] + m.expand(repl) + data[m.end() :]


@pytest.mark.skipif(len(FILES) < 20, reason="the GPX files of ../shared are not here")
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(0, 10_000),
    st.lists(
        st.tuples(st.integers(0, 13), st.floats(0, 1, exclude_max=True), st.sampled_from(SNIPPETS)),
        min_size=1,
        max_size=3,
    ),
)
def test_mutated_real_files_read_the_same(
    which: int, mutations: list[tuple[int, float, bytes]]
) -> None:
    data = FILES[which % len(FILES)].read_bytes()
    for kind, at, snippet in mutations:
        data = mutate(data, kind, at, snippet)
    assert fast(data) == oracle(data)


def test_old_mac_line_ends_keep_the_lines_of_what_follows_a_segment() -> None:
    """A lone CR ends a line for expat as LF and CRLF do: a waypoint after a plain segment is
    on line 8 (by hand: the declaration, <gpx>, <trk><trkseg>, three points, </trkseg></trk>,
    then the waypoint), with or without the fast path."""
    points = b'<trkpt lat="19.1" lon="72.1"/>\n' * 3
    data = (
        b'<?xml version="1.0"?>\n<gpx>\n<trk><trkseg>\n' + points + b"</trkseg></trk>\n"
        b'<wpt lat="19.1" lon="72.1"><name>Town</name></wpt>\n</gpx>'
    ).replace(b"\n", b"\r")
    assert "where='line 8'" in oracle(data)
    assert fast(data) == oracle(data)
