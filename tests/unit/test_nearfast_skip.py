"""nearfast leaves the near blocks far from the fix unworked (`_feet`): nothing it proves changes.

A near block whose box is farther than block b's nearest foot + `_SKIP_M` is left at infinity.
Two things must then be as if every near segment had been worked out: nearfast's answer (the
full search's, `Route.feet` + `Route.pick`, or None), and the lists of the proof it keeps
(core/nearanchor: each segment's and vertex's key within `BAND_M`, the run of ties). The
reference for both is numpy's `Route.feet` over the whole of the near blocks, the keys written
out from their definition. And blocks must in fact be left out (else the test is vacuous).

Real parts: the first Kovner day (FIT), the Audax 150k and the Emparis run (switchbacks), each
its own route, with fixes along its own points at 10 Hz, a few metres off; generated paths with
hairpins and turnarounds, where a left-out block would have been a tie or a second pass.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from helpers.full_search import full
from helpers.real_tracks import AUDAX_150K, EMPARIS_RUN, cumulative_m
from helpers.walks import walk_paths
from hypothesis import event, given, settings
from hypothesis import strategies as st

from companion.core import nearfast
from companion.core.models import RouteData
from companion.core.nearanchor import BAND_M
from companion.core.nearfast import nearest_in_window
from companion.core.placement import REACH_SLACK_KM
from companion.core.route import PASS_GAP_M, TIE_M, Route, build_route
from companion.formats import load_route

KOVNER_DAY1 = "corpus/eta-tracks/zach-kovner-cross-country/20061711391_ACTIVITY.fit"
REACH_KM = 60.0 * 0.1 / 3600.0 + REACH_SLACK_KM  # follow's window at 10 Hz, max 60 km/h

Keys = list[tuple[float, int]]


def reference_lists(
    route: Route, lat: float, lon: float, a: int, z: int
) -> tuple[Keys, Keys, int, int]:
    """The kept proof's lists from every near segment's foot: (segment keys, vertex keys,
    first tie, last tie), each key as nearanchor defines it, those within BAND_M."""
    feet = route.feet(lat, lon, slice(a, z))
    d2 = [float(x) for x in feet.d2]
    v2 = [float(x) for x in feet.v2()]
    best = math.sqrt(min(d2))
    seg_keys, vert_keys, ties = [], [], []
    for i, j in enumerate(range(a, z)):
        d = math.sqrt(d2[i]) - best
        if (key := min(d, abs(d - TIE_M))) <= BAND_M:
            seg_keys.append((key, j))
        if (key := abs(math.sqrt(v2[i]) - best - PASS_GAP_M)) <= BAND_M:
            vert_keys.append((key, j))
        if d2[i] <= (best + TIE_M) ** 2:
            ties.append(j)
    return sorted(seg_keys), sorted(vert_keys), ties[0], ties[-1]


def check(route: Route, lat: float, lon: float, km: float, target: float) -> tuple[bool, int]:
    """nearfast at one fix against the references; (answered, near segments left out)."""
    lo_km, hi_km = km - REACH_KM, km + REACH_KM
    seg = route.segments_between(lo_km, hi_km)
    got = nearest_in_window(route, lat, lon, seg, target)
    bl = nearfast._blocks(route)
    assert bl is not None
    proof, bl.proof = bl.proof, None
    if got is None:
        return False, 0
    assert tuple(got) == full(route, lat, lon, seg, target), (lat, lon)
    if proof is None:
        return True, 0  # (too far from the road to be kept)
    a, z, d2s, v2s = proof[3]
    left_out = [i for i, d2 in enumerate(d2s) if d2 == math.inf]
    assert all(v2s[i] == math.inf for i in left_out)
    anchor = nearfast._anchor(*proof)
    if anchor is not None:
        anchor._build()
        lists = (anchor._seg_keys, anchor._vert_keys, anchor._t0, anchor._t1)
        assert lists == reference_lists(route, lat, lon, a, z), (lat, lon)
    return True, len(left_out)


def along(route: Route, n: int, seed: int, start_m: float) -> list[tuple[float, float, float]]:
    """(lat, lon, m along) of `n` positions 0.7 m apart (25 km/h at 10 Hz) on the route's own
    points (pyproj metres), 1-8 m off the road, wandering."""
    cum = cumulative_m(route.lats, route.lons)
    rng = np.random.default_rng(seed)
    s = start_m + np.arange(n) * 0.7
    s = s[s <= cum[-1]]
    lat, lon = np.interp(s, cum, route.lats), np.interp(s, cum, route.lons)
    off_n = 4.0 * np.sin(s / 90.0) + rng.normal(0.0, 0.5, len(s))
    off_e = 4.0 * np.cos(s / 130.0) + rng.normal(0.0, 0.5, len(s))
    lat = lat + off_n / 111_320.0
    lon = lon + off_e / (111_320.0 * np.cos(np.radians(lat)))
    return list(zip(lat.tolist(), lon.tolist(), s.tolist(), strict=True))


# Measured shares answered (of 6,000 fixes) and segments left out a proof (of ~19): Kovner day 1
# 93 %, 10.5; Audax 94 %, 4.4; Emparis (switchbacks) 65 %, 8.3.
@pytest.mark.parametrize(
    ("rel", "answers", "left"),
    [(KOVNER_DAY1, 0.85, 8.0), (AUDAX_150K, 0.85, 3.0), (EMPARIS_RUN, 0.55, 6.0)],
)
def test_real_tracks_the_same_answers_and_lists_with_blocks_left_out(
    shared_dir: Path, rel: str, answers: float, left: float
) -> None:
    route = load_route(shared_dir / rel)
    # Every 7th position: each is a renewal (nearfast asked afresh), ~5 m apart.
    points = along(route, 42_000, seed=5, start_m=2000.0)[::7]
    cum = cumulative_m(route.lats, route.lons)
    answered = left_out = 0
    for lat, lon, s in points:
        km = float(np.interp(s, cum, route.cum_m)) / 1000.0  # the route's km where it was
        ok, out = check(route, lat, lon, km, km + 0.7e-3)
        answered += ok
        left_out += out
    assert answered >= answers * len(points), (answered, len(points))
    assert left_out >= left * answered, (left_out, answered)


@settings(max_examples=120, deadline=None)
@given(path=walk_paths(max_n=120), at=st.floats(0.05, 0.95), off=st.floats(-40.0, 40.0),
       side=st.floats(-40.0, 40.0))  # fmt: skip
def test_generated_paths_the_same_answers_and_lists(
    path: tuple[list[float], list[float]], at: float, off: float, side: float
) -> None:
    lats, lons = path
    route = build_route(RouteData("w", "mem", lats, lons, [math.nan] * len(lats), []))
    p = route.point_at(at * route.length_km)
    lat = p.lat + off / 111_320.0
    lon = p.lon + side / (111_320.0 * math.cos(math.radians(p.lat)))
    km = at * route.length_km
    ok, out = check(route, lat, lon, km, km)
    event(f"answered {ok}, left out {'some' if out else 'none'}")
