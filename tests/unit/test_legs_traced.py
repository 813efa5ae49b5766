"""`legs.traced` clips a window to the route by comparisons (PLACE-3): the same answer as the
min/max it replaced, for windows anywhere, past either end, empty or reversed.

A real track with a long gap (the Emparis run with 7 km of it cut out: one segment a leg) and
generated slices; the reference is the old rule written out.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from helpers.real_tracks import EMPARIS_RUN, load_real_track
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.core.legs import _before, traced
from companion.core.models import RouteData
from companion.core.route import TOWN_TO_TOWN_LEG_M, Route, build_route


def _gapped(shared_dir: Path) -> Route:
    track = load_real_track(shared_dir / EMPARIS_RUN)
    cum = track.cum_m
    keep = (cum < 2000.0) | (cum > 9000.0)  # a recording gap of 7 km: one long segment
    lats, lons = track.lats[keep].tolist(), track.lons[keep].tolist()
    return build_route(RouteData("gap", "mem", lats, lons, [math.nan] * len(lats), []))


def _old(route: Route, seg: slice) -> bool:
    if route.max_segment_m < TOWN_TO_TOWN_LEG_M:
        return True
    count = _before(route)
    n = len(count) - 1
    lo, hi = min(max(seg.start, 0), n), min(max(seg.stop, 0), n)
    return hi <= lo or bool(count[hi] == count[lo])


_ROUTE: list[Route] = []


def test_the_gapped_track_has_one_leg(shared_dir: Path) -> None:
    route = _gapped(shared_dir)
    assert route.max_segment_m >= TOWN_TO_TOWN_LEG_M
    i = int(np.argmax(route.seg_m))
    assert not traced(route, slice(i, i + 1)) and traced(route, slice(0, i))
    _ROUTE.append(route)


@settings(max_examples=300, deadline=None)
@given(start=st.integers(-50, 2000), length=st.integers(-20, 2000), frac=st.floats(0.0, 1.0))
def test_traced_as_the_old_rule(shared_dir: Path, start: int, length: int, frac: float) -> None:
    if not _ROUTE:
        _ROUTE.append(_gapped(shared_dir))
    route = _ROUTE[0]
    n = len(route.seg_m)
    base = int(frac * n)  # windows near the leg, the ends and everywhere between
    seg = slice(base + start - 1000, base + start - 1000 + length)
    got = traced(route, seg)
    assert isinstance(got, bool)
    assert got == _old(route, seg), seg
