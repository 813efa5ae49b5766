"""The kept proof's local metres (core/nearanchor writes `route.radii` out in `Anchor.foot`):
at any latitude it serves, its answers are the full search's bit for bit, and it is a `Foot`.

A route of 10 m steps at a generated latitude and heading, a proof made by nearfast at a fix
near it, then fixes within a few metres: every answer the kept proof gives must equal
`Route.feet` + `Route.pick` (whose metres are `radii`'s); an ulp of difference in the scale
shows in the squared distance.
"""

from __future__ import annotations

import math

from helpers.full_search import full
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.core.models import RouteData
from companion.core.nearanchor import Foot
from companion.core.nearfast import anchored, nearest_in_window
from companion.core.route import Route, build_route


def _route(lat0: float, heading_deg: float, n: int = 300) -> Route:
    """A gently curving path of ~10 m steps from (lat0, 10.0) on the given heading."""
    lats, lons = [lat0], [10.0]
    h = math.radians(heading_deg)
    for i in range(1, n):
        h += 0.01 * math.sin(i / 7.0)
        lat = lats[-1] + 10.0 * math.cos(h) / 111_320.0
        lon = lons[-1] + 10.0 * math.sin(h) / (111_320.0 * math.cos(math.radians(lats[-1])))
        lats.append(lat)
        lons.append(lon)
    return build_route(RouteData("s", "mem", lats, lons, [math.nan] * n, []))


@settings(max_examples=60, deadline=None)
@given(
    lat0=st.floats(-79.0, 79.0),
    heading=st.floats(0.0, 360.0),
    off_m=st.floats(-20.0, 20.0),
    moves=st.lists(st.tuples(st.floats(-1.5, 1.5), st.floats(-1.5, 1.5)), min_size=3, max_size=8),
)
def test_the_kept_proof_answers_as_the_full_search_at_any_latitude(
    lat0: float, heading: float, off_m: float, moves: list[tuple[float, float]]
) -> None:
    route = _route(lat0, heading)
    at = route.point_at(1.5)
    m_lat = 1.0 / 111_320.0
    m_lon = 1.0 / (111_320.0 * math.cos(math.radians(at.lat)))
    lat, lon = at.lat + off_m * m_lat, at.lon
    lo_km, hi_km = 1.2, 1.8
    seg = route.segments_between(lo_km, hi_km)
    assert nearest_in_window(route, lat, lon, seg, 1.5) is not None  # one road: proved
    kept = 0
    for dn, de in moves:
        lat, lon = lat + dn * m_lat, lon + de * m_lon
        got = anchored(route, lat, lon, lo_km, hi_km)
        if got is not None:
            kept += 1
            assert isinstance(got, Foot)
            assert (got.segment, got.t, got.d2) == full(route, lat, lon, seg, 1.5)
    # Each move is under 2.2 m and the first within KEEP_MOVE_M: the proof serves the first.
    assert kept >= 1
