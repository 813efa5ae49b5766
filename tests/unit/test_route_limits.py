"""Limits for route files (issue 10 F7): size, points and towns, each refused with a message
naming the file and the limit; running out of memory while reading one is our own error with a
reason. Big files are sparse (no disk, no reading) or just over a smaller limit passed in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from companion.core.models import RouteError
from companion.formats import load_route
from companion.formats.csv_route import parse_csv
from companion.formats.geojson import parse_geojson
from companion.formats.gpx import parse_gpx
from companion.formats.limits import DEFAULT_LIMITS, MIB, Limits

SHARED = Path(__file__).resolve().parents[3] / "shared"
GPX_HEAD = b'<?xml version="1.0"?>\n<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">\n'


def gpx(points: int, wpts: int = 0) -> bytes:
    """A GPX of `points` track points 0.0001 degrees apart (one a line) and `wpts` named
    waypoints on them."""
    w = b"".join(
        b'<wpt lat="19.%04d" lon="72.8"><name>Town %d</name></wpt>\n' % (i, i) for i in range(wpts)
    )
    pts = b"".join(b'<trkpt lat="19.%04d" lon="72.8"/>\n' % (i % 10000) for i in range(points))
    return GPX_HEAD + w + b"<trk><trkseg>\n" + pts + b"</trkseg></trk></gpx>\n"


def geojson(points: int, towns: int = 0) -> str:
    coords = ",".join(f"[72.8,{19 + i * 1e-4:.4f}]" for i in range(points))
    feats = [f'{{"type":"Feature","geometry":{{"type":"LineString","coordinates":[{coords}]}}}}']
    feats += [
        f'{{"type":"Feature","properties":{{"name":"Town {i}"}},'
        f'"geometry":{{"type":"Point","coordinates":[72.8,{19 + i * 1e-4:.4f}]}}}}'
        for i in range(towns)
    ]
    return '{"type":"FeatureCollection","features":[' + ",".join(feats) + "]}"


def book(rows: int) -> str:
    return "name,lat,lon\n" + "".join(f"Town {i},{19 + i * 0.01:.2f},72.8\n" for i in range(rows))


@pytest.mark.parametrize(
    ("name", "head", "limit"),
    [
        ("huge.gpx", GPX_HEAD, "512 MiB"),
        ("huge.geojson", b'{"type":"FeatureCollection","features":[', "128 MiB"),
        ("huge.csv", b"name,lat,lon\nMumbai,19.07,72.87\n", "16 MiB"),
        # No extension: the format from its first 4 KB.
        ("huge", GPX_HEAD + b"<!-- padding -->\n" * 300, "512 MiB"),
    ],
)
def test_a_file_over_the_size_limit_is_refused_before_it_is_read(
    tmp_path: Path, name: str, head: bytes, limit: str
) -> None:
    # Sparse: 2 GiB on paper, a few bytes on disk. Reading it would give an XML/JSON error
    # about NUL bytes (or take minutes): the message says it was the size.
    path = tmp_path / name
    with path.open("wb") as f:
        f.write(head)
        f.truncate(2 << 30)
    with pytest.raises(RouteError) as err:
        load_route(path)
    assert str(err.value) == (
        f"{path}: 2.0 GiB is too big for a {_what(name)} file (the limit is {limit}, "
        "far above any real route)"
    )


def _what(name: str) -> str:
    return {".geojson": "GeoJSON", ".csv": "CSV route book"}.get(Path(name).suffix, "GPX")


def test_a_file_just_under_the_size_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "book.csv"
    path.write_text(book(50))
    size = path.stat().st_size
    assert len(load_route(path, limits=Limits(csv_bytes=size)).towns) == 50
    with pytest.raises(RouteError, match=r"too big for a CSV route book file \(the limit is 1 KB"):
        load_route(path, limits=Limits(csv_bytes=size - 1))


def test_the_cli_says_the_size_in_one_line_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "huge.gpx"
    with path.open("wb") as f:
        f.write(GPX_HEAD)
        f.truncate(600 * MIB)
    r = subprocess.run(
        [sys.executable, "-m", "companion", "info", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 2, r.stderr
    assert r.stderr == (
        f"companion: {path}: 600 MiB is too big for a GPX file (the limit is 512 MiB, far above "
        "any real route)\n"
    )


def test_track_points_over_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "track.gpx"
    path.write_bytes(gpx(1000))
    assert load_route(path, limits=Limits(points=1000)).n_points == 1000
    with pytest.raises(RouteError) as err:
        load_route(path, limits=Limits(points=999))
    assert str(err.value).startswith(f"{path}: line ")
    assert "more than 999 track or route points; a route file may have at most 999" in str(
        err.value
    )
    # Bytes in memory (what the fuzz tests feed) meet the same limit.
    with pytest.raises(RouteError, match="more than 999 track points"):
        parse_gpx(path.read_bytes(), "track.gpx", limits=Limits(points=999))


def test_a_long_gpx_is_stopped_as_it_is_read_not_at_its_end(tmp_path: Path) -> None:
    # 200,000 points, ~6.6 MB: read in 1 MB chunks, it is refused in the first one.
    path = tmp_path / "long.gpx"
    path.write_bytes(gpx(200_000))
    with pytest.raises(RouteError) as err:
        load_route(path, limits=Limits(points=1000))
    line = int(str(err.value).split("line ", 1)[1].split(":", 1)[0])
    assert 1000 < line < 40_000  # of 200,004 lines


def test_named_waypoints_over_the_towns_limit(tmp_path: Path) -> None:
    path = tmp_path / "towns.gpx"
    path.write_bytes(gpx(100, wpts=10))
    assert len(load_route(path, limits=Limits(towns=10)).towns) == 10
    with pytest.raises(RouteError, match=r": line \d+: more than 9 named waypoints; .* at most 9"):
        load_route(path, limits=Limits(towns=9))


def test_geojson_points_and_towns_over_the_limits(tmp_path: Path) -> None:
    path = tmp_path / "line.geojson"
    path.write_text(geojson(1000, towns=5))
    route = load_route(path, limits=Limits(points=1000, towns=5))
    assert (route.n_points, len(route.towns)) == (1000, 5)
    with pytest.raises(RouteError, match=rf"^{path}: feature 1: more than 999 points; "):
        load_route(path, limits=Limits(points=999))
    with pytest.raises(RouteError, match=rf"^{path}: feature 6: more than 4 named points"):
        load_route(path, limits=Limits(towns=4))
    with pytest.raises(RouteError, match="more than 999 points"):
        parse_geojson(path.read_bytes(), "line.geojson", limits=Limits(points=999))


def test_route_book_rows_over_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "book.csv"
    path.write_text(book(100))
    assert len(load_route(path, limits=Limits(towns=100)).towns) == 100
    with pytest.raises(RouteError) as err:
        load_route(path, limits=Limits(towns=99))
    # Header on line 1: row 100 is line 101, refused there without reading further.
    assert str(err.value) == (
        f"{path}: line 101: more than 99 rows (towns); a route file may have at most 99 "
        "(far above any real route)"
    )
    with pytest.raises(RouteError, match="line 101: more than 99 rows"):
        parse_csv(path.read_text(), "book.csv", limits=Limits(towns=99))


def test_a_town_with_more_aliases_than_any_real_one_is_refused_naming_it(tmp_path: Path) -> None:
    from companion.core.towns import MAX_ALIASES

    def with_aliases(n: int) -> Path:
        names = ";".join(f"Alias {i}" for i in range(n))
        path = tmp_path / f"aliases-{n}.csv"
        path.write_text(f"name,lat,lon,km,aliases\nA,45.0,7.0,0,{names}\nB,45.1,7.0,12\n")
        return path

    assert len(load_route(with_aliases(MAX_ALIASES)).towns[0].aliases) == MAX_ALIASES
    with pytest.raises(RouteError, match=rf"line 2: town 'A' has {MAX_ALIASES + 1} aliases"):
        load_route(with_aliases(MAX_ALIASES + 1))
    many = '","'.join(f"x{i}" for i in range(10_000))  # a GeoJSON Point with 10,000 of them
    doc = (
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":'
        '{"type":"LineString","coordinates":[[7,45],[7,45.1]]}},{"type":"Feature","properties":'
        f'{{"name":"A","aliases":["{many}"]}},"geometry":{{"type":"Point","coordinates":[7,45]}}}}]}}'
    )
    with pytest.raises(RouteError, match="feature 2: town 'A' has 10000 aliases"):
        from companion.core.route import build_route

        build_route(parse_geojson(doc, "many.geojson"))


def test_the_default_limits_are_far_above_the_real_files() -> None:
    # The largest real tracks and route books here load with room to spare under the defaults.
    biggest = max((SHARED / "corpus" / "eta-tracks").rglob("*.gpx"), key=lambda p: p.stat().st_size)
    route = load_route(biggest)
    assert route.n_points * 100 < DEFAULT_LIMITS.points
    assert biggest.stat().st_size * 100 < DEFAULT_LIMITS.gpx_bytes
    # The figures the limits were chosen from (formats/limits.py): 8 days at 1 s, 4 times over.
    assert DEFAULT_LIMITS.points >= 4 * 8 * 86_400


_OUT_OF_MEMORY = """
import resource, sys
from companion.cli import main
import companion.render, companion.formats  # what `info` imports when it runs (numpy, pyproj)
# What this interpreter already maps (numpy, pyproj and their threads), plus a little.
vm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmSize:"))
limit = vm * 1024 + int(sys.argv[2]) * 2**20
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
sys.exit(main(["info", sys.argv[1]]))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc (Linux)")
def test_running_out_of_memory_while_reading_says_so(tmp_path: Path) -> None:
    # 2 million track points (~64 MB, under every limit) need ~150 MB as Python floats: with
    # 40 MB to spare the reader runs out. Before: "cannot read the route: " and nothing after.
    path = tmp_path / "big.gpx"
    path.write_bytes(
        GPX_HEAD
        + b"<trk><trkseg>\n"
        + b'<trkpt lat="19.1234567" lon="72.1234567"/>\n' * 2_000_000
        + b"</trkseg></trk></gpx>\n"
    )
    assert path.stat().st_size < DEFAULT_LIMITS.gpx_bytes
    r = subprocess.run(
        [sys.executable, "-c", _OUT_OF_MEMORY, str(path), "40"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )
    assert r.returncode == 2, r.stderr[-2000:]
    assert "Traceback" not in r.stderr
    assert r.stderr.startswith(f"companion: {path}: not enough memory to ")
    mib = path.stat().st_size / 2**20
    assert f"route of {mib:.0f} MiB; close other programs, or simplify the track" in r.stderr
    assert r.stderr.count("\n") == 1
