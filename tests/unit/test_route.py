"""Route building and projection: out-and-back, self-crossing and looping courses."""

from __future__ import annotations

import math

import pytest

from companion.core.models import RouteData, RouteError, TownSpec
from companion.core.placement import locate
from companion.core.route import Route, build_route

NAN = math.nan
# GeographicLib (GeodSolve): 1 degree of longitude along the equator.
EQ_DEG_M = 111319.490793274


def make(
    lats: list[float],
    lons: list[float],
    towns: list[TownSpec] | None = None,
    anchors: list[tuple[int, float, str]] | None = None,
) -> Route:
    data = RouteData("test", "mem", lats, lons, [NAN] * len(lats), towns or [], anchors or [])
    return build_route(data)


def test_equator_route_length_and_towns_by_hand() -> None:
    r = make([0.0, 0.0], [0.0, 1.0], [TownSpec("Mid", 0.0, 0.5, "t1"), TownSpec("End", 0, 1, "t2")])
    assert r.length_km * 1000 == pytest.approx(EQ_DEG_M, abs=1e-3)
    mid = r.town("mid")
    assert mid is not None and mid.km * 1000 == pytest.approx(EQ_DEG_M / 2, abs=0.5)
    assert r.finish_name == "End"


def test_route_book_km_scales_distances() -> None:
    # Straight line 1 degree along the equator (111.319 km) whose route book says 150 km.
    r = make(
        [0.0, 0.0, 0.0],
        [0.0, 0.5, 1.0],
        [
            TownSpec("A", 0, 0, "line 2", 0.0),
            TownSpec("B", 0, 0.5, "line 3", 100.0),
            TownSpec("C", 0, 1.0, "line 4", 150.0),
        ],
        anchors=[(0, 0.0, "line 2"), (1, 100.0, "line 3"), (2, 150.0, "line 4")],
    )
    assert r.length_km == pytest.approx(150.0)
    assert [t.km for t in r.towns] == pytest.approx([0.0, 100.0, 150.0])
    # A quarter of the way along the second leg is a quarter of its 50 road km.
    p = locate(r, 0.0, 0.625)
    assert p.km == pytest.approx(112.5, abs=0.01)


def test_route_book_km_must_increase() -> None:
    with pytest.raises(RouteError, match="line 3: km 90 does not increase"):
        make([0.0, 0.0], [0.0, 1.0], anchors=[(0, 100.0, "line 2"), (1, 90.0, "line 3")])


@pytest.mark.parametrize(
    ("lats", "lons", "message"),
    [
        ([0.0], [0.0], "no path"),
        ([0.0, 0.0], [1.0, 1.0], "zero length"),
        ([0.0, 123.4], [0.0, 1.0], "path point 2: bad coordinates 123.4"),
        ([0.0, NAN], [0.0, 1.0], "path point 2: bad coordinates nan"),
    ],
)
def test_bad_paths(lats: list[float], lons: list[float], message: str) -> None:
    with pytest.raises(RouteError, match=message):
        make(lats, lons)


def test_town_far_from_path_and_duplicate_names() -> None:
    with pytest.raises(RouteError, match=r"t9: town 'Far' is 11\.1 km from the path"):
        make([0.0, 0.0], [0.0, 1.0], [TownSpec("Far", 0.1, 0.5, "t9")])
    with pytest.raises(RouteError, match=r"t2: duplicate town name 'a' \(also at t1\)"):
        make([0.0, 0.0], [0.0, 1.0], [TownSpec("A", 0, 0.1, "t1"), TownSpec("a", 0, 0.2, "t2")])


def test_out_and_back_keeps_the_pass_it_is_on() -> None:
    # Out along the equator 0.1 deg (11.13 km) and back on the same road.
    r = make(
        [0.0, 0.0, 0.0],
        [0.0, 0.1, 0.0],
        [
            TownSpec("Start", 0, 0, "a"),
            TownSpec("Turn", 0, 0.1, "b"),
            TownSpec("Home", 0, 0.0001, "c"),
        ],
    )
    half = r.length_km / 2
    assert r.town("Turn").km == pytest.approx(half, abs=0.01)  # type: ignore[union-attr]
    assert r.town("Home").km > half  # snapped on the way back, after the turn
    # The same place is km 5.57 going out and km 16.70 coming back: the prior decides.
    out = locate(r, 0.0, 0.05, prior_km=5.0)
    back = locate(r, 0.0, 0.05, prior_km=16.0)
    assert out.km == pytest.approx(half / 2, abs=0.01)
    assert back.km == pytest.approx(half * 1.5, abs=0.01)
    assert not out.off_route and not back.off_route
    # With no prior the earliest pass is taken.
    assert locate(r, 0.0, 0.05).km == pytest.approx(half / 2, abs=0.01)


def test_self_crossing_figure_eight() -> None:
    # A figure eight crossing itself at (0, 0.05): the first pass is near km 5.6, the second
    # after a loop; the window around the last km keeps each fix on its own pass.
    lats = [0.0, 0.0, 0.05, 0.05, -0.05, -0.05, 0.0, 0.0]
    lons = [0.0, 0.05, 0.1, 0.0, 0.1, 0.05, 0.05, 0.1]
    r = make(lats, lons)
    first = locate(r, 0.0, 0.049, prior_km=5.0)
    assert first.km < 6.0
    later = locate(r, 0.0, 0.0501, prior_km=r.length_km - 6.0)
    assert later.km > r.length_km - 7.0


def test_loop_course_start_equals_finish() -> None:
    # A square loop: start and finish are the same point.
    r = make([0.0, 0.0, 0.1, 0.1, 0.0], [0.0, 0.1, 0.1, 0.0, 0.0])
    assert locate(r, 0.0, 0.0).km == pytest.approx(0.0, abs=0.01)
    near_end = locate(r, 0.0, 0.0, prior_km=r.length_km - 0.3)
    assert near_end.km == pytest.approx(r.length_km, abs=0.01)


def test_off_route_is_flagged_not_snapped() -> None:
    # A road drawn every 111 m (not town to town: its corridor is the plain 500 m).
    r = make([0.0] * 1001, [i / 1000 for i in range(1001)])
    assert not r.town_to_town
    p = locate(r, 0.05, 0.5, prior_km=50.0)  # 5.5 km north of the road
    assert p.off_route
    assert p.off_route_m == pytest.approx(5528.0, rel=0.01)  # 0.05 deg of latitude at equator
    # 0.004 deg of latitude is 442.3 m: inside; 0.005 deg (552.9 m) is outside.
    assert not locate(r, 0.004, 0.5).off_route
    assert locate(r, 0.005, 0.5).off_route


def test_off_route_distance_is_geodesic_to_a_metre() -> None:
    r = make([0.0, 0.0], [0.0, 1.0])
    # 0.001 deg of latitude at the equator is 110.574 m (1/1000 of GeodSolve's degree).
    p = locate(r, 0.001, 0.3)
    assert p.off_route_m == pytest.approx(110.574, abs=0.5)
    assert p.km * 1000 == pytest.approx(0.3 * EQ_DEG_M, abs=1.0)


def test_point_at_and_antimeridian() -> None:
    r = make([10.0, 10.0], [179.5, -179.5])
    assert r.length_km * 1000 == pytest.approx(109639.322105462, abs=1e-3)  # GeodSolve
    mid = r.point_at(r.length_km / 2)
    assert abs(mid.lon) == pytest.approx(180.0, abs=1e-6)
    assert locate(r, 10.0, 179.9).km == pytest.approx(r.length_km * 0.4, abs=0.2)


def test_prefiltered_search_finds_what_a_full_scan_finds() -> None:
    # A dense wiggly route (5000 points, ~1 km apart at most) and points near and far from it.
    import random

    rng = random.Random(11)
    lats, lons = [20.0], [73.0]
    for _ in range(4999):
        lats.append(lats[-1] + rng.uniform(-0.002, 0.008))
        lons.append(lons[-1] + rng.uniform(-0.006, 0.006))
    r = make(lats, lons)
    for _ in range(200):
        i = rng.randrange(len(lats))
        lat, lon = lats[i] + rng.uniform(-0.02, 0.02), lons[i] + rng.uniform(-0.02, 0.02)
        full = r._nearest(lat, lon, slice(0, r.n_points - 1), None)
        quick = locate(r, lat, lon, off_route_m=3000.0)
        if full.off_route_m <= 3000.0:
            assert quick.off_route_m == pytest.approx(full.off_route_m, abs=1e-6)
            assert not quick.off_route
        else:
            assert quick.off_route


def test_elevation_profile_interpolates_and_keeps_sea_level() -> None:
    # Heights 0 m, 100 m, 0 m at the start, middle and end of an equator route: linear between.
    data = RouteData("hill", "mem", [0.0, 0.0, 0.0], [0.0, 0.5, 1.0], [0.0, 100.0, 0.0], [])
    r = build_route(data)
    assert r.elevation_profile(5) == pytest.approx((0.0, 50.0, 100.0, 50.0, 0.0))
    assert make([0.0, 0.0], [0.0, 1.0]).elevation_profile(5) == ()
