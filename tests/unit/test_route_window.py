"""`Route.segments_between` counts the km by bisection (PLACE-5), not numpy's searchsorted: the
same window for any km, written out here as it was (two searchsorted on `cum_m`).

Routes: a real track (the first Kovner day, FIT), a bundled route book (its km scaled to the
book's towns), generated paths with repeated points (runs of equal cum_m). The km asked: every
vertex's exactly and a float either side, random ones, beyond both ends, +-0.0, infinities and
NaN (numpy's ordering puts it last; bisect would count it otherwise).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.core.models import RouteData
from companion.core.route import Route, build_route
from companion.formats import load_route

KOVNER_DAY1 = "corpus/eta-tracks/zach-kovner-cross-country/20061711391_ACTIVITY.fit"
BOOK = Path(__file__).resolve().parents[2] / "companion" / "routes" / "baroda-delhi.csv"


def reference(route: Route, lo_km: float, hi_km: float) -> slice:
    """The window as `segments_between` worked it out before (numpy's searchsorted)."""
    lo = max(int(route.cum_m.searchsorted(lo_km * 1000.0, side="right")) - 1, 0)
    hi = min(int(route.cum_m.searchsorted(hi_km * 1000.0, side="left")), len(route.seg_m))
    return np.s_[lo : max(hi, lo + 1)]


def same(route: Route, lo_km: float, hi_km: float) -> None:
    got, want = route.segments_between(lo_km, hi_km), reference(route, lo_km, hi_km)
    assert (got.start, got.stop, got.step) == (want.start, want.stop, want.step), (lo_km, hi_km)
    assert type(got.start) is int and type(got.stop) is int


def kms(route: Route, seed: int) -> list[float]:
    """Every vertex's km, a float either side, random km and the edge cases."""
    at = (route.cum_m / 1000.0).tolist()
    out = at + [math.nextafter(x, -math.inf) for x in at]
    out += [math.nextafter(x, math.inf) for x in at]
    rng = np.random.default_rng(seed)
    out += rng.uniform(-1.0, route.length_km + 1.0, 2000).tolist()
    return [*out, 0.0, -0.0, -5.0, route.length_km + 5.0, math.inf, -math.inf, math.nan]


def check_all(route: Route, seed: int) -> int:
    """Pairs (x, y): each km with another near it (a fix's window) and with the edge cases."""
    xs = kms(route, seed)
    rng = np.random.default_rng(seed + 1)
    n = 0
    for x in xs:
        for y in (x, x + float(rng.uniform(0.0, 0.5)), x - 0.1, math.inf, math.nan, -math.inf):
            same(route, x, y)
            same(route, y, x)
            n += 2
    return n


def test_a_real_track(shared_dir: Path) -> None:
    route = load_route(shared_dir / KOVNER_DAY1)
    assert check_all(route, 3) > 100_000


def test_a_route_book() -> None:
    route = load_route(BOOK)
    assert route.town_to_town
    check_all(route, 4)


@settings(max_examples=150, deadline=None)
@given(
    steps=st.lists(st.sampled_from([0.0, 0.0, 1e-7, 3.0, 10.0, 250.0]), min_size=2, max_size=60),
    x=st.floats(-1.0, 20.0) | st.sampled_from([math.inf, -math.inf, math.nan, -0.0]),
    w=st.floats(0.0, 2.0),
)
def test_paths_with_repeated_points(steps: list[float], x: float, w: float) -> None:
    lats, lons = [45.0], [7.0]
    for s in steps:
        lats.append(lats[-1] + s / 111_320.0)
        lons.append(7.0)
    if lats[-1] == lats[0]:
        lats[-1] += 1.0 / 111_320.0  # (a path needs some length)
    route = build_route(RouteData("r", "mem", lats, lons, [math.nan] * len(lats), []))
    for k in route.cum_m.tolist():  # the vertices' own km: the runs of equal cum_m
        same(route, k / 1000.0, k / 1000.0 + w)
        same(route, k / 1000.0 - w, k / 1000.0)
    same(route, x, x + w)
    same(route, x - w, x)
