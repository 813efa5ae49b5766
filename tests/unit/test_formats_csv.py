"""CSV route books: header handling, km anchors, errors, sniffing and property tests."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.core.models import RouteError
from companion.formats import detect_format, load_route, load_route_data
from companion.formats.csv_route import parse_csv

DATA = Path(__file__).resolve().parents[1] / "data" / "routes"


def test_km_column_scales_distances() -> None:
    # Alpha and Beta are 100.000 km apart on the equator (1 deg = 111,319.491 m, GeodSolve);
    # the route book says 120 km, so the route is 120 km and Beta sits at km 120.
    route = load_route(DATA / "book_km.csv")
    assert route.length_km == pytest.approx(120.0, abs=1e-9)
    assert [(t.name, t.km) for t in route.towns] == [("Alpha", 0.0), ("Beta", pytest.approx(120.0))]
    assert route.name == "Two towns"
    assert route.description.startswith("source: hand-made test route book")


def test_book_km_rows_are_anchors() -> None:
    data = load_route_data(DATA / "book_km.csv")
    assert data.anchors == [(0, 0.0, "line 4"), (1, 120.0, "line 5")]
    assert [t.where for t in data.towns] == ["line 4", "line 5"]
    assert all(math.isnan(e) for e in data.eles)


def test_non_increasing_km_is_refused() -> None:
    with pytest.raises(RouteError, match=r"book_km_decreasing\.csv: line 4: km 11 does not"):
        load_route(DATA / "book_km_decreasing.csv")


def test_every_row_needs_a_km() -> None:
    with pytest.raises(RouteError, match=r"line 3: column km: empty"):
        load_route(DATA / "book_missing_km.csv")


def test_without_km_towns_fall_where_they_are() -> None:
    text = "name;lat;lon\nA;0;0\n\n# a comment after the header\nB;0;1\n"
    data = parse_csv(text, "routes/semi.csv")
    assert data.anchors == [] and data.name == "semi" and data.description == ""
    assert [t.where for t in data.towns] == ["line 2", "line 5"]
    assert load_route_data(DATA / "book_km.csv").name == "Two towns"


def test_quoted_names_and_extra_columns() -> None:
    text = 'LON, Name ,lat, extra\n72.87,"Mumbai, Maharashtra",19.07,x\n72.81,Virar,19.45,y\n'
    data = parse_csv(text.encode(), "q.csv")
    assert [t.name for t in data.towns] == ["Mumbai, Maharashtra", "Virar"]
    assert data.lats == [19.07, 19.45] and data.lons == [72.87, 72.81]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (b"", "the file is empty"),
        (b"# only a comment\n", "the file is empty"),
        (b"name,lat\nA,1\n", "line 1: the header lacks column(s) lon"),
        (b"name,lat,lon\nA,1,2\n", "needs at least two rows, found 1"),
        (b"name,lat,lon\nA,1,2\nB,abc,2\n", "line 3: column lat: 'abc' is not a number"),
        (b"name,lat,lon\nA,1,2\nB,1,nan\n", "line 3: column lon: 'nan' is not a number"),
        (b"name,lat,lon\nA,123.4,2\nB,1,2\n", "line 2: latitude 123.4 is out of range"),
        (b"name,lat,lon\nA,1,2\nB,1\n", "line 3: expected at least 3 columns, found 2"),
        (b"name,lat,lon\n,1,2\nB,1,3\n", "line 2: the name is empty"),
        (b"name,lat,lon\nA,1,2\n\xff\xfe,1,2\n", "line 3: not UTF-8 text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text file"),
    ],
)
def test_errors_name_the_place(text: bytes, needle: str) -> None:
    with pytest.raises(RouteError) as info:
        parse_csv(text, "book.csv")
    message = str(info.value)
    assert message.startswith("book.csv: ") and needle in message and "\n" not in message


def test_duplicate_towns_name_both_lines() -> None:
    with pytest.raises(RouteError, match=r"line 4: duplicate town name 'alpha' \(also at line 2\)"):
        load_route_from_text("name,lat,lon\nAlpha,0,0\nBeta,0,0.5\nalpha,0,1\n")


def load_route_from_text(text: str) -> object:
    from companion.core.route import build_route

    return build_route(parse_csv(text, "book.csv"))


def test_sniffing_unknown_extensions(tmp_path: Path, shared_dir: Path) -> None:
    book = tmp_path / "route.txt"
    book.write_text("# name: X\nname,lat,lon\nA,0,0\nB,0,1\n")
    assert detect_format(book) == "csv"
    assert load_route(book).name == "X"
    gpx = tmp_path / "route.xml"
    gpx.write_bytes((DATA / "gpx10_route.gpx").read_bytes())
    assert detect_format(gpx) == "gpx"
    gj = tmp_path / "route.dat"
    gj.write_text('{"type":"LineString","coordinates":[[0,0],[0,1]]}')
    assert detect_format(gj) == "geojson"
    with pytest.raises(RouteError, match="unsupported route format"):
        detect_format(shared_dir / "corpus" / "course" / "course.tcx")
    with pytest.raises(RouteError, match=r"\.bin: unsupported route format"):
        (tmp_path / "x.bin").write_bytes(bytes(range(256)))
        load_route(tmp_path / "x.bin")
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(RouteError, match=r"dir\.csv: is a directory"):
        load_route_data(tmp_path / "dir.csv")


# --- property tests -------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
def test_random_input_only_route_error(blob: bytes) -> None:
    try:
        parse_csv(blob, "fuzz.csv")
    except RouteError as exc:
        assert str(exc).startswith("fuzz.csv: ") and "\n" not in str(exc)


cell_alphabet = st.sampled_from(list('name,lat,lonkm0123456789.-+e#: "\n\r\t;xé'))


@settings(max_examples=300, deadline=None)
@given(st.text(cell_alphabet, max_size=120))
def test_csv_like_text_only_route_error(text: str) -> None:
    try:
        parse_csv("name,lat,lon,km\n" + text, "fuzz.csv")
    except RouteError as exc:
        assert "\n" not in str(exc)


names = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12).filter(
    lambda s: s.strip() and not s.lstrip().startswith("#")
)
rows = st.lists(
    st.tuples(names, st.floats(-90, 90, allow_nan=False), st.floats(-180, 180, allow_nan=False)),
    min_size=2,
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(rows, st.booleans())
def test_valid_books_round_trip(book: list[tuple[str, float, float]], with_km: bool) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "lat", "lon", "km"] if with_km else ["name", "lat", "lon"])
    for i, (name, lat, lon) in enumerate(book):
        writer.writerow([name, repr(lat), repr(lon), 10.5 * i] if with_km else [name, lat, lon])
    data = parse_csv("# name: Generated\n" + out.getvalue(), "gen.csv")
    assert data.name == "Generated"
    assert [t.name for t in data.towns] == [" ".join(n.split()) for n, _la, _lo in book]
    assert data.lats == [lat for _n, lat, _lo in book]
    assert data.lons == [lon for _n, _la, lon in book]
    assert data.anchors == (
        [(i, 10.5 * i, f"line {i + 3}") for i in range(len(book))] if with_km else []
    )
