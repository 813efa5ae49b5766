"""`Route.feet` works each segment's rise out once per route and calls numpy through the arrays'
methods (issue 11: a fix's projection is mostly call overhead). Its foot points must be the
ones of the plain formula, to the last bit, on real tracks from ../shared: the reference here
is that formula as it was written before, from the raw coordinates, for every segment.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from helpers.real_tracks import AUDAX_150K, EMPARIS_RUN, HOKKAIDO_DAY1

from companion.core.models import RouteData
from companion.core.route import Route, build_route, radii
from companion.formats import load_route


def reference_feet(
    route: Route, lat: float, lon: float, index: np.ndarray
) -> tuple[np.ndarray, ...]:
    """(t, d2, len2, x0, y0, dx, dy) of the segments `index`, computed from the vertices."""
    la0, la1 = route.lats[index], route.lats[index + 1]
    lo0, lo1 = route.lons[index], route.lons[index + 1]
    r_n, r_e = radii(lat)
    k_lat, k_lon = math.radians(1.0) * r_n, math.radians(1.0) * r_e
    y0 = (la0 - lat) * k_lat
    x0 = ((lo0 - lon + 180.0) % 360.0 - 180.0) * k_lon
    dy = (la1 - la0) * k_lat
    dx = ((lo1 - lo0 + 180.0) % 360.0 - 180.0) * k_lon
    len2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(len2 > 0, -(x0 * dx + y0 * dy) / len2, 0.0)
    np.clip(t, 0.0, 1.0, out=t)
    px, py = x0 + t * dx, y0 + t * dy
    return t, px * px + py * py, len2, x0, y0, dx, dy


@pytest.mark.parametrize("rel", [AUDAX_150K, EMPARIS_RUN, HOKKAIDO_DAY1])
def test_feet_are_the_plain_formulas_to_the_bit(shared_dir: Path, rel: str) -> None:
    route = load_route(shared_dir / rel)
    n_seg = route.n_points - 1
    rng = np.random.default_rng(11)
    checked = 0
    for i in range(0, n_seg, max(n_seg // 300, 1)):
        # A position near vertex i, off the road by up to ~60 m either way.
        lat = float(route.lats[i]) + float(rng.normal(0, 3e-4))
        lon = float(route.lons[i]) + float(rng.normal(0, 3e-4))
        lo, hi = max(i - 40, 0), min(i + 40, n_seg)
        for seg in (slice(lo, hi), np.arange(lo, hi, 3)):  # a window, and chosen segments
            feet = route.feet(lat, lon, seg)
            index = np.arange(lo, hi) if isinstance(seg, slice) else seg
            assert np.array_equal(feet.segs, index)
            got = (feet.t, feet.d2, feet.len2, feet.x0, feet.y0, feet.dx, feet.dy)
            for a, b in zip(got, reference_feet(route, lat, lon, index), strict=True):
                assert np.array_equal(a, b)
            checked += 1
    assert checked > 500


def test_a_repeated_point_is_the_plain_formulas_too(shared_dir: Path) -> None:
    # The loaders drop repeated points; a path built from raw data keeps them (t = 0 there).
    real = load_route(shared_dir / EMPARIS_RUN)
    lats, lons = real.lats[:200].tolist(), real.lons[:200].tolist()
    for i in (50, 120, 121):
        lats.insert(i, lats[i])
        lons.insert(i, lons[i])
    route = build_route(RouteData("twice", "mem", lats, lons, [math.nan] * len(lats), []))
    assert int(np.count_nonzero(route.seg_m == 0)) == 3
    for i in range(0, len(lats) - 1, 7):
        lat, lon = lats[i] + 1e-4, lons[i] - 1e-4
        index = np.arange(0, len(lats) - 1)
        feet = route.feet(lat, lon, slice(0, len(lats) - 1))
        got = (feet.t, feet.d2, feet.len2, feet.x0, feet.y0, feet.dx, feet.dy)
        for a, b in zip(got, reference_feet(route, lat, lon, index), strict=True):
            assert np.array_equal(a, b)
