"""GeoJSON loader: the silk-road route against GeographicLib and the GPX twin, shapes, errors and
property tests."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.core.models import RouteError
from companion.formats import load_route
from companion.formats.geojson import load_geojson, parse_geojson

SILK = "2023_silk-road-mountain-race"
EXPECTED_SILK_M = 1874368.239  # GeodSolve, reference-lengths.tsv (checked below)


def test_silk_road_geojson_length_matches_geographiclib(shared_dir: Path) -> None:
    table = (shared_dir / "data" / "reference-lengths.tsv").read_text()
    row = next(r for r in table.splitlines() if r.startswith(f"course/{SILK}.geojson\t"))
    expected = float(row.split("\t")[3])
    assert expected == EXPECTED_SILK_M
    route = load_route(shared_dir / "data" / "course" / f"{SILK}.geojson")
    assert route.length_km * 1000.0 == pytest.approx(expected, abs=expected / 100_000.0)


def test_silk_road_geojson_and_gpx_agree(shared_dir: Path) -> None:
    gj = load_route(shared_dir / "data" / "course" / f"{SILK}.geojson")
    gpx = load_route(shared_dir / "data" / "gpx" / f"{SILK}.gpx")
    assert gj.n_points == gpx.n_points == 7402
    assert gj.length_km == pytest.approx(gpx.length_km, abs=1e-9)
    assert gj.name == gpx.name == "Silk Road Mountain Race 2023"


def _line(coords: list[list[float]], **props: object) -> dict[str, object]:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "LineString", "coordinates": coords},
    }


def _point(lon: float, lat: float, **props: object) -> dict[str, object]:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }


def test_collection_lines_joined_points_are_towns() -> None:
    doc = {
        "type": "FeatureCollection",
        "name": "file-stem",
        "features": [
            _point(7.0, 45.0, name="Start"),
            _line([[7.0, 45.0, 100], [7.0, 45.1]], name="Stage 1", description="hilly"),
            {
                "type": "Feature",
                "properties": {},
                "geometry": {
                    "type": "MultiLineString",
                    "coordinates": [[[7.0, 45.1], [7.0, 45.2, 300.5]], [[7.0, 45.3]]],
                },
            },
            _point(7.0, 45.3),  # no name: ignored
            {
                "type": "Feature",
                "properties": {"name": "Lake"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[7, 45], [7.1, 45], [7, 45.1], [7, 45]]],
                },
            },
            _point(7.0, 45.3, Name="Finish"),
        ],
    }
    data = parse_geojson(json.dumps(doc), "mem.geojson")
    assert data.lats == [45.0, 45.1, 45.1, 45.2, 45.3]
    assert data.eles[0] == 100.0 and data.eles[3] == 300.5 and math.isnan(data.eles[1])
    assert [(t.name, t.where) for t in data.towns] == [
        ("Start", "feature 1"),
        ("Finish", "feature 6"),
    ]
    assert data.name == "Stage 1"
    assert data.description == "hilly"


def test_bare_geometry_and_single_feature(tmp_path: Path) -> None:
    bare = {"type": "LineString", "coordinates": [[0, 0], [0, 1]]}
    data = parse_geojson(json.dumps(bare), "x/bare.json")
    assert data.name == "bare" and data.lats == [0.0, 1.0]
    feat = _line([[0, 0], [1, 0]], name="One")
    assert parse_geojson(json.dumps(feat), "f.geojson").name == "One"


@pytest.mark.parametrize(
    ("doc", "needle"),
    [
        ('{"type": "Feature",\n  "geometry": }', "line 2, column 15: invalid JSON"),
        ("", "the file is empty"),
        ('{"type": "FeatureCollection", "features": []}', "no LineString or MultiLineString"),
        ('{"type":"Point","coordinates":[1,2]}', "no LineString"),
        (
            '{"type":"FeatureCollection","features":[{"type":"Feature","properties":null,'
            '"geometry":{"type":"Point","coordinates":[0,0]}},{"type":"Feature","properties":{},'
            '"geometry":{"type":"LineString","coordinates":[[0,0],[0,91]]}}]}',
            "feature 2, coordinate 2: latitude 91 is out of range",
        ),
        (
            '{"type":"MultiLineString","coordinates":[[[0,0],[0,1]],[[0,1],["a",1]]]}',
            "geometry, line 2, coordinate 2: longitude 'a' is not a number",
        ),
        ('{"type":"LineString","coordinates":[[0,0],[0,NaN]]}', "latitude nan is not a number"),
        ('{"type":"LineString","coordinates":[[0,0],[5]]}', "coordinate 2: expected [lon, lat]"),
        ('{"type":"LineString","coordinates":[[0,0]]}', "only one point"),
        ("[1, 2]", "not GeoJSON"),
    ],
)
def test_errors_name_the_place(doc: str, needle: str) -> None:
    with pytest.raises(RouteError) as info:
        parse_geojson(doc.encode(), "bad.geojson")
    message = str(info.value)
    assert message.startswith("bad.geojson: ")
    assert needle in message
    assert "\n" not in message


def test_not_utf8() -> None:
    with pytest.raises(RouteError, match="not UTF-8"):
        parse_geojson(b'{"name": "\xff"}', "bad.geojson")


def test_corpus_geojson_files(shared_dir: Path) -> None:
    course = shared_dir / "corpus" / "course"
    everything = load_geojson(course / "geojson.geojson")  # every geometry type in one file
    assert len(everything.lats) >= 2
    assert load_route(course / "segmented_tracks~geojson.json").n_points > 2


# --- property tests -------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_only_route_error(blob: bytes) -> None:
    try:
        parse_geojson(blob, "fuzz.geojson")
    except RouteError as exc:
        assert str(exc).startswith("fuzz.geojson: ") and "\n" not in str(exc)


json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=5),
    lambda kids: (
        st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4)
    ),
    max_leaves=20,
)
geo_keys = st.sampled_from(
    ["type", "features", "geometry", "coordinates", "properties", "name", "geometries"]
)
geo_types = st.sampled_from(
    [
        "FeatureCollection",
        "Feature",
        "LineString",
        "MultiLineString",
        "Point",
        "GeometryCollection",
        "Polygon",
    ]
)
geoish = st.recursive(
    st.none() | st.floats() | st.integers(-200, 200) | geo_types | st.text(max_size=3),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(geo_keys, kids, max_size=4),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(json_values, geoish))
def test_random_json_only_route_error(value: object) -> None:
    try:
        parse_geojson(json.dumps(value), "fuzz.geojson")
    except RouteError as exc:
        assert str(exc).startswith("fuzz.geojson: ") and "\n" not in str(exc)


lat_st = st.floats(-90, 90, allow_nan=False)
lon_st = st.floats(-180, 180, allow_nan=False)
ele_st = st.one_of(st.none(), st.floats(-500, 9000, allow_nan=False))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(lon_st, lat_st, ele_st), min_size=1, max_size=6), min_size=1, max_size=3
    ).filter(lambda parts: sum(len(p) for p in parts) >= 2),
    st.lists(
        st.tuples(st.text(min_size=1, max_size=10).filter(str.strip), lon_st, lat_st), max_size=3
    ),
)
def test_valid_collections_round_trip(
    parts: list[list[tuple[float, float, float | None]]],
    towns: list[tuple[str, float, float]],
) -> None:
    features = [
        _line([[lon, lat] if ele is None else [lon, lat, ele] for lon, lat, ele in part])
        for part in parts
    ] + [_point(lon, lat, name=name) for name, lon, lat in towns]
    data = parse_geojson(json.dumps({"type": "FeatureCollection", "features": features}), "rt")
    points = [p for part in parts for p in part]
    assert data.lons == [p[0] for p in points]
    assert data.lats == [p[1] for p in points]
    assert [None if math.isnan(e) else e for e in data.eles] == [p[2] for p in points]
    assert [(t.lon, t.lat) for t in data.towns] == [(lon, lat) for _n, lon, lat in towns]
    assert [t.name for t in data.towns] == [" ".join(n.split()) for n, _lo, _la in towns]
