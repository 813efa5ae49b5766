"""Town names a crew types: aliases in every route format, matching and completion by them, the
towns nearest ahead offered first, and waypoints that are left out with a warning."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import pytest
from pyproj import Geod

from companion.cli import main
from companion.core.models import PositionError, RouteError
from companion.formats import load_route
from companion.sources.manual import match_town, town_completions

WGS84 = Geod(ellps="WGS84")
# The names the issue lists as refused before aliases, with the bundled route and town they mean.
CREW_NAMES = [
    ("baroda-delhi", "Baroda", "Vadodara"),
    ("baroda-delhi", "Delhi", "India Gate"),
    ("baroda-delhi", "Gurgaon", "Gurugram"),
    ("baroda-delhi", "Kankroli", "Rajsamand"),
    ("unity-run-2021", "Dadar", "Shivaji Park (Dadar)"),
    ("unity-run-2021", "Kevadiya", "Kevadia"),
    ("unity-run-2021", "ekta nagar", "Kevadia"),
    ("unity-run-2021", "Broach", "Bharuch"),
]


def bundled(name: str) -> Path:
    from companion.cli.common import route_arg

    return route_arg(name)


@pytest.mark.parametrize(("route", "typed", "town"), CREW_NAMES)
def test_bundled_routes_answer_to_the_names_crews_use(route: str, typed: str, town: str) -> None:
    r = load_route(bundled(route))
    assert match_town(r, typed).name == town
    assert r.town(typed) is not None and r.town(typed).name == town  # type: ignore[union-attr]


def test_a_checkpoint_by_alias_from_the_cli_logs_the_town(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path / "data"))
    ev = tmp_path / "ride.toml"
    assert main(["new", "baroda-delhi", "-o", str(ev), "--start", "2024-01-10T06:00"]) == 0
    assert main(["checkpoint", str(ev), "--town", "Baroda", "--time", "2024-01-10T06:00",
                 "--now", "2024-01-10T09:00+05:30"]) == 0  # fmt: skip
    assert main(["checkpoint", str(ev), "--town", "gurgaon", "--time", "2024-01-12T18:00",
                 "--now", "2024-01-12T19:00+05:30"]) == 0  # fmt: skip
    from companion.service import EventSession

    with EventSession.open(ev, None, readonly=True) as s:
        last = s.tracker.last_fix
        assert last is not None and last.label == "Gurugram"
        # Gurugram's route-book km in routes/baroda-delhi.csv.
        assert last.km == pytest.approx(1003.0)


def test_info_lists_the_aliases(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "baroda-delhi", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    towns = {t["name"]: t["aliases"] for t in doc["towns"]}
    assert towns["Vadodara"] == ["Baroda"] and towns["India Gate"] == ["Delhi", "New Delhi"]
    assert towns["Anand"] == [] and doc["warnings"] == []
    assert main(["info", "baroda-delhi"]) == 0
    assert "(also Gurgaon)" in capsys.readouterr().out


def _csv(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "book.csv"
    p.write_text("name,lat,lon,km,aliases\n" + body, encoding="utf-8")
    return p


def test_csv_aliases_column(tmp_path: Path) -> None:
    r = load_route(_csv(tmp_path, "Vadodara,22.3072,73.1812,0,Baroda; Vadodra\n"
                                  "Anand,22.5645,72.9289,43\n"))  # fmt: skip
    assert r.towns[0].aliases == ("Baroda", "Vadodra") and r.towns[1].aliases == ()
    assert match_town(r, "vadodra").name == "Vadodara"
    assert match_town(r, "bar").name == "Vadodara"  # a unique prefix of an alias


def test_a_csv_alias_that_names_another_town_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RouteError, match=r"line 3: alias 'Vadodara' of 'Anand' is also 'Vadodara'"):
        load_route(_csv(tmp_path, "Vadodara,22.3072,73.1812,0\n"
                                  "Anand,22.5645,72.9289,43,Vadodara\n"))  # fmt: skip


GPX_TRACK = """<?xml version="1.0"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1"
     xmlns:c="https://example.org/companion">
  <wpt lat="45.0" lon="7.0"><name>Susa</name>
    <extensions><c:alias>Segusio</c:alias><c:alias>Suse</c:alias></extensions></wpt>
  <wpt lat="45.05" lon="7.0"><name>Bussoleno</name><desc>market town
aliases: Bussolin; Busulin</desc></wpt>
  <wpt lat="45.1" lon="7.0"><name>Bussoleno</name></wpt>
  <wpt lat="46.0" lon="7.0"><name>Aosta</name></wpt>
  <trk><trkseg>
    <trkpt lat="45.0" lon="7.0"/>
    <trkpt lat="45.1" lon="7.0"/>
  </trkseg></trk>
</gpx>
"""


def test_gpx_aliases_and_waypoints_left_out_with_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = tmp_path / "val-susa.gpx"
    p.write_text(GPX_TRACK, encoding="utf-8")
    r = load_route(p)
    assert [(t.name, t.aliases) for t in r.towns] == [
        ("Susa", ("Segusio", "Suse")),
        ("Bussoleno", ("Bussolin", "Busulin")),
    ]
    assert match_town(r, "Busulin").name == "Bussoleno"
    assert len(r.warnings) == 2
    assert "line 8: duplicate town name 'Bussoleno' (also at line 6)" in r.warnings[0]
    assert "line 9: town 'Aosta' is 100.0 km from the path" in r.warnings[1]
    assert main(["info", str(p), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["warnings"] == list(r.warnings) and len(doc["towns"]) == 2
    assert main(["info", str(p)]) == 0
    out = capsys.readouterr().out
    assert out.count("warning: ") == 2 and "Aosta" in out


def test_a_gpx_of_waypoints_only_is_a_town_to_town_route(tmp_path: Path) -> None:
    names = [("Susa", 45.1386, 7.0494), ("Bussoleno", 45.1411, 7.1478), ("Avigliana", 45.0797,
              7.3967)]  # fmt: skip
    p = tmp_path / "towns.gpx"
    p.write_text(
        '<gpx version="1.1" creator="t">'
        + "".join(f'<wpt lat="{la}" lon="{lo}"><name>{n}</name></wpt>' for n, la, lo in names)
        + "</gpx>",
        encoding="utf-8",
    )
    r = load_route(p)
    legs = [WGS84.inv(a[2], a[1], b[2], b[1])[2] for a, b in itertools.pairwise(names)]
    assert [t.name for t in r.towns] == ["Susa", "Bussoleno", "Avigliana"]
    assert r.towns[1].km == pytest.approx(legs[0] / 1000, abs=1e-3)
    assert r.length_km == pytest.approx(sum(legs) / 1000, abs=1e-3)
    assert r.town_to_town and r.warnings == ()


def _leman(shared_dir: Path, n: int) -> list[list[float]]:
    doc = json.loads(
        (shared_dir / "corpus/course/2024_leman-gravel-challenge.geojson").read_text("utf-8")
    )
    coords: list[list[float]] = doc["features"][0]["geometry"]["coordinates"]
    return coords[:n]


def _geodesic_km(coords: list[list[float]], upto: int) -> float:
    lons = [c[0] for c in coords[: upto + 1]]
    lats = [c[1] for c in coords[: upto + 1]]
    return WGS84.line_length(lons, lats) / 1000.0


def test_geojson_point_km_is_honoured(tmp_path: Path, shared_dir: Path) -> None:
    """A real gravel route's first vertices with three Points at vertices, their km the line's
    geodesic km x 1.25 (a route book's road km over a simplified line): each town is at its km,
    the length past the last town is the line's own."""
    coords = _leman(shared_dir, 400)
    at = {"Start": 0, "Middle": 150, "Last": 300}
    geo = {name: _geodesic_km(coords, i) for name, i in at.items()}
    book = {name: round(km * 1.25, 3) for name, km in geo.items()}
    features = [{"type": "Feature", "properties": {"name": "leman"},
                 "geometry": {"type": "LineString", "coordinates": coords}}]  # fmt: skip
    for name, i in at.items():
        props: dict[str, object] = {"name": name, "km": book[name]}
        if name == "Middle":
            props["km"] = str(book[name])  # a numeric string, as a spreadsheet export writes
            props["aliases"] = ["Centre", "Mid;Halfway"]
        features.append({"type": "Feature", "properties": props,
                         "geometry": {"type": "Point", "coordinates": coords[i][:2]}})  # fmt: skip
    p = tmp_path / "book.geojson"
    p.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    r = load_route(p)
    assert {t.name: round(t.km, 3) for t in r.towns} == book
    total_geo = _geodesic_km(coords, len(coords) - 1)
    assert r.length_km == pytest.approx(book["Last"] + total_geo - geo["Last"], abs=1e-3)
    assert r.towns[1].aliases == ("Centre", "Mid", "Halfway")
    # Between two towns the km are interpolated by the line's own distance: vertex 75.
    share = _geodesic_km(coords, 75) / geo["Middle"]
    assert r.cum_m[75] / 1000 == pytest.approx(share * book["Middle"], abs=1e-3)
    assert (r.cum_m[0], r.towns[0].km) == (0.0, 0.0)


@pytest.mark.parametrize(
    ("km", "why"),
    [("twenty", "not a number of km"), (-1, "not a number of km"), (True, "not a number"),
     ([1], "not a number")],
)  # fmt: skip
def test_bad_geojson_km_is_refused_naming_the_feature(tmp_path: Path, km: object,
                                                      why: str) -> None:  # fmt: skip
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {},
         "geometry": {"type": "LineString", "coordinates": [[7.0, 45.0], [7.0, 45.1]]}},
        {"type": "Feature", "properties": {"name": "Susa", "km": km},
         "geometry": {"type": "Point", "coordinates": [7.0, 45.0]}}]}  # fmt: skip
    p = tmp_path / "bad.geojson"
    p.write_text(json.dumps(doc), "utf-8")
    with pytest.raises(RouteError, match=f"feature 2: km .*{why}"):
        load_route(p)


def test_geojson_km_that_decrease_along_the_line_are_refused(tmp_path: Path) -> None:
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {},
         "geometry": {"type": "LineString", "coordinates": [[7.0, 45.0], [7.0, 45.1]]}},
        {"type": "Feature", "properties": {"name": "A", "km": 5},
         "geometry": {"type": "Point", "coordinates": [7.0, 45.0]}},
        {"type": "Feature", "properties": {"name": "B", "km": 3},
         "geometry": {"type": "Point", "coordinates": [7.0, 45.1]}}]}  # fmt: skip
    p = tmp_path / "dec.geojson"
    p.write_text(json.dumps(doc), "utf-8")
    with pytest.raises(RouteError, match=r"town 'B': km 3 does not increase along the path"):
        load_route(p)


def test_completion_offers_the_towns_nearest_ahead_first() -> None:
    r = load_route(bundled("unity-run-2021"))
    # Route order: Vasai Phata (km 44), Vapi (163), Valsad (189).
    assert town_completions(r, "va")[:3] == ["Vasai Phata", "Vapi", "Valsad"]
    assert town_completions(r, "va", km=160.0)[:3] == ["Vapi", "Valsad", "Vasai Phata"]
    # Past Valsad the nearest behind comes first among those behind.
    assert town_completions(r, "va", km=200.0)[:3] == ["Valsad", "Vapi", "Vasai Phata"]
    assert town_completions(r, "v", km=400.0)[0] == "Valsad"  # the newest town behind
    # A town just reached (within 50 m behind) is still offered first.
    assert town_completions(r, "vap", km=163.03) == ["Vapi"]


def test_completion_offers_an_alias_under_its_own_spelling() -> None:
    r = load_route(bundled("unity-run-2021"))
    assert town_completions(r, "bro") == ["Broach"]
    assert town_completions(r, "ekta") == ["Ekta Nagar"]
    assert match_town(r, town_completions(r, "bro")[0]).name == "Bharuch"
    # "contains" matches come after prefix matches.
    assert town_completions(r, "nagar") == ["Ekta Nagar"]


def test_an_unknown_name_still_says_so() -> None:
    r = load_route(bundled("unity-run-2021"))
    with pytest.raises(PositionError, match="not a town on"):
        match_town(r, "Vadodara")  # not on this route: its comments say why
    assert math.isfinite(r.length_km)


def test_the_hill_run_is_bundled_out_and_back_with_its_published_km() -> None:
    r = load_route(bundled("satara-hill-half"))
    # The race's figures (companion/routes/README.md): U-turn at half of 21.1 km, the climb from
    # km 3.8 to km 7, back the same way.
    assert r.length_km == pytest.approx(21.1)
    km = {t.name: t.km for t in r.towns}
    assert km["U-turn (Kaas road)"] == pytest.approx(10.55)
    assert km["Yawateshwar (out)"] == pytest.approx(7.0)
    assert km["Yawateshwar (back)"] == pytest.approx(21.1 - 7.0)
    assert match_town(r, "turnaround").name == "U-turn (Kaas road)"
    with pytest.raises(PositionError, match="matches several towns"):
        match_town(r, "Yawateshwar")  # out or back: the crew must say which
    # Each (back) point is exactly on its (out) twin.
    for t in r.towns:
        if t.name.endswith("(back)"):
            twin = r.town(t.name.replace("(back)", "(out)"))
            assert twin is not None and (twin.lat, twin.lon) == (t.lat, t.lon)


def _distance_to_path_m(lat: float, lon: float, path: list[tuple[float, float]]) -> float:
    """The nearest distance from a point to a polyline, by geodesics to points every ~10 m along
    it (pyproj alone: none of our projection code)."""
    best = math.inf
    for (la0, lo0), (la1, lo1) in itertools.pairwise(path):
        length = WGS84.inv(lo0, la0, lo1, la1)[2]
        n = max(int(length // 10.0), 0)
        inner = WGS84.npts(lo0, la0, lo1, la1, n) if n > 0 else []
        pts = [(lo0, la0), *inner, (lo1, la1)]
        for lo, la in pts:
            best = min(best, WGS84.inv(lon, lat, lo, la)[2])
    return best


@pytest.mark.parametrize(
    "name",
    ["gpsbabel/holux.gpx", "togeojson/blue_hills.gpx", "gpxpy/cerknicko-jezero.gpx"],
)
def test_real_gpx_waypoints_far_or_repeated_are_left_out_with_warnings(
    shared_dir: Path, name: str
) -> None:
    import gpxpy

    from companion.core.route import fold
    from companion.formats._common import is_auto_name

    path = shared_dir / "corpus" / "gpx" / name
    doc = gpxpy.parse(path.read_text(encoding="utf-8"))
    track = [(p.latitude, p.longitude) for t in doc.tracks for s in t.segments for p in s.points]
    rte = [p for r in doc.routes for p in r.points]
    line = track or [(p.latitude, p.longitude) for p in rte]
    named = [(w.name.strip(), w.latitude, w.longitude) for w in doc.waypoints if w.name]
    if not track:
        named += [(p.name.strip(), p.latitude, p.longitude) for p in rte if p.name]
    expected_kept, expected_out, seen = set(), set(), set()
    for town, lat, lon in named:
        if is_auto_name(town):
            continue
        off = _distance_to_path_m(lat, lon, line)
        if abs(off - 3000.0) < 50.0:
            continue  # too near the limit for a ~10 m sampling to call
        if off > 3000.0 or fold(town) in seen:
            expected_out.add(town)
        else:
            expected_kept.add(town)
            seen.add(fold(town))
    r = load_route(path)
    kept = {t.name for t in r.towns}
    assert expected_kept <= kept
    assert not (expected_out - expected_kept) & kept
    assert len(r.warnings) >= len(expected_out) > 0
    for w in r.warnings:
        assert "left out" in w and ("from the path" in w or "duplicate town name" in w)


def test_an_event_target_may_name_a_town_by_its_alias(tmp_path: Path) -> None:
    from zoneinfo import ZoneInfo

    from companion.targets import target_deadline

    r = load_route(bundled("unity-run-2021"))
    km, name, _deadline = target_deadline(
        "Ekta Nagar 2021-08-22T18:00", r, ZoneInfo("Asia/Kolkata")
    )
    assert (km, name) == (pytest.approx(411.0), "Kevadia")
