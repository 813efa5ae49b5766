"""The GPX reader's fast path (formats/gpx_fast.py, issue 11) reads every file exactly as the
expat reader alone does: the same RouteData, the same one-line error. The oracle is the expat
reader itself (`_GpxReader`, the reader tests/unit/test_formats_gpx.py checks against
GeographicLib and gpxpy), run on the same bytes without the fast path; the files are the real
ones in ../shared and tests/data, and hand-made hostile ones."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from companion.core.models import RouteError
from companion.formats import gpx_fast
from companion.formats.gpx import _GpxReader, load_gpx, parse_gpx
from companion.formats.limits import DEFAULT_LIMITS, Limits

REPO = Path(__file__).resolve().parents[2]
H = b'<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">\n'
P = b'<trkpt lat="19.1" lon="72.1"><ele>10.5</ele><time>2021-08-18T06:00:00Z</time></trkpt>'
Q = b'<trkpt lat="19.2" lon="72.2"/>'


def seg(*points: bytes) -> bytes:
    return b"<trk><trkseg>\n" + b"\n".join(points) + b"\n</trkseg></trk>\n"


HOSTILE = {
    "plain": H + seg(P, Q, P) + b"</gpx>",
    "two segments, a bad waypoint after": H + seg(P, Q) + seg(Q, P)
    + b'<wpt lat="19.1" lon="72.1"><name>Town</name></wpt>\n<wpt lat="91" lon="1"/></gpx>',
    "a bad waypoint's line": H + seg(P, Q) + b'\n\n<wpt lat="x" lon="1"><name>B</name></wpt></gpx>',
    "a segment in a comment": H + b"<!-- " + seg(P, Q) + b" -->" + seg(Q, P) + b"</gpx>",
    "a segment in CDATA": H + b"<metadata><desc><![CDATA[" + seg(P) + b"]]></desc></metadata>"
    + seg(Q, P) + b"</gpx>",
    "a segment in a PI": b'<gpx><?x <trkseg><trkpt lat="1" lon="2"/></trkseg> ?>' + seg(Q, P)
    + b"</gpx>",
    "a PI first": b'<?x <trkseg><trkpt lat="1" lon="2"/></trkseg> ?><gpx>' + seg(Q, P) + b"</gpx>",
    "an entity in lat": H + seg(b'<trkpt lat="&#49;9" lon="72"/>', Q) + b"</gpx>",
    "lon before lat": H + seg(b'<trkpt lon="72" lat="19"/>', Q) + b"</gpx>",
    "another child": H + seg(P, b'<trkpt lat="19.3" lon="72.3"><hdop>1</hdop></trkpt>', Q)
    + seg(Q, P) + b"</gpx>",
    "lat out of range": H + seg(P, b'<trkpt lat="99" lon="72"/>', Q) + b"</gpx>",
    "lat not a number": H + seg(P, b'<trkpt lat="1.2.3" lon="72"/>', Q) + b"</gpx>",
    "signs only": H + seg(P, b'<trkpt lat="-" lon="e"/>') + b"</gpx>",
    "odd elevations": H + seg(
        b'<trkpt lat="1" lon="2"><ele> 1e400 </ele></trkpt>',
        b'<trkpt lat="1" lon="2.1"><ele>1.2.3</ele></trkpt>',
        b'<trkpt lat="1" lon="2.2"><ele>+5</ele></trkpt>',
        '<trkpt lat="1" lon="2.3"><ele>١٢</ele></trkpt>'.encode(),  # Arabic-Indic digits: 12
        b'<trkpt lat="1" lon="2.4"><ele>1_0</ele></trkpt>',
        b'<trkpt lat="1" lon="2.5"><ele></ele></trkpt>',
    ) + b"</gpx>",
    "CRLF": (H + seg(P, Q, P) + b"</gpx>").replace(b"\n", b"\r\n"),
    "Latin-1": b'<?xml version="1.0" encoding="ISO-8859-1"?><gpx><metadata><name>Caf\xe9</name>'
    b"</metadata>" + seg(P, Q) + b"</gpx>",
    "EBCDIC named": b'<?xml version="1.0" encoding="cp037"?><gpx>' + seg(P, Q) + b"</gpx>",
    "UTF-16": ('<?xml version="1.0" encoding="UTF-16"?><gpx>' + seg(P, Q).decode() + "</gpx>")
    .encode("utf-16"),
    "a DTD": b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY a "b">]><gpx>' + seg(P, Q) + b"</gpx>",
    "truncated": H + seg(P, Q)[:-20],
    "a segment as the root": seg(P, Q),
    "a segment in a waypoint": H + b'<wpt lat="1" lon="2"><name>W</name><extensions><trkseg>' + P
    + b"</trkseg></extensions></wpt>" + seg(Q, Q) + b"</gpx>",
    "a segment in a text": H + b"<metadata><desc>abc<trkseg>" + P + b"</trkseg>def</desc>"
    b"</metadata>" + seg(Q, P) + b"</gpx>",
    "a segment in a route point": H + b'<rte><rtept lat="1" lon="2"><name>A</name><trkseg>' + P
    + b'</trkseg></rtept><rtept lat="1.1" lon="2"><name>B</name></rtept></rte></gpx>',
    "a segment with an attribute": H + b'<trk><trkseg id="1">' + P + b"</trkseg></trk>" + seg(Q, P)
    + b"</gpx>",
    "nested segments": H + b"<trk><trkseg>" + P + b"<trkseg>" + Q + b"</trkseg></trkseg></trk>"
    b"</gpx>",
    "one point": H + seg(P) + b"</gpx>",
    "a route and a track": H + b'<rte><rtept lat="1" lon="2"><name>A</name></rtept>'
    b'<rtept lat="1.1" lon="2"><name>B</name></rtept></rte>' + seg(P, Q) + b"</gpx>",
    "spaces in tags": H + seg(b'<trkpt lat="1" lon="2"  >\n <ele>3</ele>\n </trkpt>',
                              b'<trkpt lat="1" lon="2.1"\n/>') + b"</gpx>",
    "an odd time": H + seg(b'<trkpt lat="1" lon="2"><time>2021-08-18 06:00</time></trkpt>', Q)
    + b"</gpx>",
    "'trkpt' as a name": H + b"<metadata><name>trkpt</name></metadata>" + seg(P, Q) + b"</gpx>",
    "a BOM": b"\xef\xbb\xbf" + H + seg(P, Q) + b"</gpx>",
}  # fmt: skip


def read_without_fast_path(data: bytes, source: str, stream: bool, limits: Limits) -> str:
    """What the expat reader alone makes of `data`: the RouteData's repr, or the error."""
    try:
        src = io.BytesIO(data) if stream else data
        return repr(_GpxReader(source, limits).run(src, Path(source).stem))
    except RouteError as e:
        return f"RouteError: {e}"


def read(data: bytes, source: str, limits: Limits = DEFAULT_LIMITS) -> str:
    try:
        return repr(parse_gpx(data, source, limits=limits))
    except RouteError as e:
        return f"RouteError: {e}"


def read_file(path: Path, limits: Limits = DEFAULT_LIMITS) -> str:
    try:
        return repr(load_gpx(path, limits=limits))
    except RouteError as e:
        return f"RouteError: {e}"


def real_gpx_files() -> list[Path]:
    roots = [REPO.parent / "shared", REPO / "tests" / "data", REPO / "companion" / "routes"]
    return sorted(p for root in roots if root.exists() for p in root.rglob("*") if
                  p.suffix.lower() == ".gpx" and p.is_file())  # fmt: skip


def test_real_files_read_the_same() -> None:
    files = real_gpx_files()
    if len(files) < 20:
        pytest.skip("the GPX files of ../shared are not here")
    taken = 0
    for path in files:
        data = path.read_bytes()
        assert read_file(path) == read_without_fast_path(data, str(path), True, DEFAULT_LIMITS)
        taken += gpx_fast.cut_plain_segments(data, DEFAULT_LIMITS.points) is not None
    assert taken >= 10  # the fast path really read many of them (this test can fail)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_files_read_the_same(name: str, tmp_path: Path) -> None:
    data = HOSTILE[name]
    assert read(data, "f.gpx") == read_without_fast_path(data, "f.gpx", False, DEFAULT_LIMITS)
    path = tmp_path / "f.gpx"
    path.write_bytes(data)
    assert read_file(path) == read_without_fast_path(data, str(path), True, DEFAULT_LIMITS)


def test_plain_segments_are_cut_and_lines_keep_their_numbers() -> None:
    data = HOSTILE["a bad waypoint's line"]
    cut = gpx_fast.cut_plain_segments(data, DEFAULT_LIMITS.points)
    assert cut is not None and cut.lats == [19.1, 19.2] and b"trkpt" not in cut.rest
    assert cut.rest.count(b"\n") == data.count(b"\n")
    # By hand: the XML declaration, <gpx>, <trk><trkseg>, two points, </trkseg>, 2 blank lines.
    assert read(data, "f.gpx") == "RouteError: f.gpx: line 9: latitude 'x' is not a number"


def test_over_the_limits_it_says_what_the_stream_says(tmp_path: Path) -> None:
    """A stream stops at the 1 MB chunk past a limit, naming its line: the same message."""
    points = [b'<trkpt lat="19.%06d" lon="72.1"/>' % i for i in range(40_000)]
    towns = b"".join(b'<wpt lat="19.1" lon="72.1"><name>T%d</name></wpt>\n' % i for i in range(50))
    data = H + seg(*points) + towns + b"</gpx>"
    path = tmp_path / "big.gpx"
    path.write_bytes(data)
    for limits in (Limits(points=30_000), Limits(towns=20), DEFAULT_LIMITS):
        want = read_without_fast_path(data, str(path), True, limits)
        assert read_file(path, limits) == want
    assert "more than 30,000 track or route points" in read_file(path, Limits(points=30_000))
