"""TerrainFrom.factor keeps the climbing at each km it was asked for with the route's Climb
(issue 11: every progress asks for the towns' km again). What it keeps must be what it would
work out: the factor from a Climb that has kept every km asked equals the one from a fresh Climb
of the same lists, and the factor by the plain rule (each of up and down by `_interp`), bit for
bit, for the fixed costs (a bike, on foot before the fit) and for fitted costs with a descent's,
at towns' km and a few ulps off them, on a real mountain run; and the kept values stay bounded.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from helpers.real_tracks import EMPARIS_RUN

from companion.core import pace_terrain
from companion.core.pace_terrain import (
    TERRAIN_KM_PER_100M,
    TERRAIN_KM_PER_100M_BIKE,
    TERRAIN_MIN_AHEAD_KM,
    TERRAIN_MIN_KM,
    Climb,
    TerrainFrom,
    _interp,
    climb_profile,
)
from companion.formats import load_route


def _plain(climb: Climb, km_now: float, km_to: float, k: float, kd: float) -> float:
    """The factor by the rule as stated in pace_terrain's docstring, each lookup by _interp."""
    if km_now < TERRAIN_MIN_KM:
        return 1.0
    ahead_km = km_to - km_now
    if ahead_km < TERRAIN_MIN_AHEAD_KM:
        return 1.0
    up_now = _interp(climb.km, climb.up_m, km_now)
    if kd:
        down_now = _interp(climb.km, climb.down_m, km_now) - _interp(climb.km, climb.down_m, 0.0)
        done = 1.0 + (k * up_now + kd * down_now) / km_now
        u, d = _interp(climb.km, climb.up_m, km_to), _interp(climb.km, climb.down_m, km_to)
        cost = k * (u - up_now) + kd * (d - down_now)
    else:
        done = 1.0 + k * up_now / km_now
        cost = k * (_interp(climb.km, climb.up_m, km_to) - up_now)
    factor = (1.0 + cost / ahead_km) / done
    return factor if math.isfinite(factor) and factor > 0 else 1.0


def test_kept_climbing_gives_the_factor_worked_out_afresh(shared_dir: Path) -> None:
    route = load_route(shared_dir / EMPARIS_RUN)
    climb = climb_profile(route)
    assert climb is not None and climb.down_m and max(climb.up_m) > 500  # a real climb
    length = route.length_km
    towns = [length * i / 12 for i in range(1, 13)]
    kms = [x for t in towns for x in (t, math.nextafter(t, 0.0), math.nextafter(t, math.inf))]
    kms += list(climb.km[:: max(len(climb.km) // 40, 1)])  # vertices exactly
    climb.kept.clear()
    compared = 0
    # (foot, costs): the fixed cost on foot and on a bike, fitted up and down costs.
    for foot, costs in ((True, None), (False, None), (True, (0.0021, 0.0007))):
        k, kd = costs if costs else ((TERRAIN_KM_PER_100M if foot else TERRAIN_KM_PER_100M_BIKE)
                                     / 100.0, 0.0)  # fmt: skip
        for step in range(0, 40):
            km_now = length * step / 40
            kept = TerrainFrom(climb, km_now, foot, costs)
            for km_to in [km_now + (t - km_now) for t in kms] + kms:
                fresh = Climb(list(climb.km), list(climb.up_m), list(climb.down_m))
                want = TerrainFrom(fresh, km_now, foot, costs).factor(km_to)
                assert kept.factor(km_to) == want, (foot, costs, km_now, km_to)
                assert want == _plain(climb, km_now, km_to, k, kd), (foot, costs, km_now, km_to)
                compared += 1
    assert compared > 10_000
    assert 0 < len(climb.kept) <= pace_terrain._KEPT_MAX
    assert climb == Climb(list(climb.km), list(climb.up_m), list(climb.down_m))  # not its value


def test_the_kept_values_are_bounded() -> None:
    climb = Climb([0.0, 10.0, 20.0], [0.0, 100.0, 150.0], [0.0, 20.0, 80.0])
    tf = TerrainFrom(climb, 5.0, True, (0.002, 0.001))
    first = tf.factor(12.5)
    for i in range(3 * pace_terrain._KEPT_MAX):
        tf.factor(5.1 + i * 1e-4)
    assert len(climb.kept) <= pace_terrain._KEPT_MAX
    assert tf.factor(12.5) == first
    # By hand: 112.5 m up and 35 m down at km 12.5, 50 m up and 10 m down at km 5:
    # (1 + (0.002 x 62.5 + 0.001 x 25) / 7.5) / (1 + (0.002 x 50 + 0.001 x 10) / 5) = 1.02 / 1.022.
    assert tf.factor(12.5) == pytest.approx(1.02 / 1.022, rel=1e-12)
