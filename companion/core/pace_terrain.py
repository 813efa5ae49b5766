"""Terrain for the ETA model: where the route has heights, the climbing ahead against the
climbing behind scales the pace the athlete has shown.

The athlete's pace so far already carries the climbing done so far; what changes the time ahead
is whether the way ahead climbs more or less per km. Each 100 m of ascent counts as
TERRAIN_KM_PER_100M km more of flat on foot, TERRAIN_KM_PER_100M_BIKE on a bike: the time for
the km ahead is the pace's time x (1 + k x ascent ahead / km ahead) / (1 + k x ascent done /
km done), with k in km per metre.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from companion.core.route import Route

# 100 m of climbing counts as this many km of flat, on foot (or when the kind is not known) and
# on a bike. Chosen on the benchmark's tuning events (bench/eta.py TUNE_EVENTS): one value for
# all, 0, 0.15, 0.25, 0.5, 1 and 2 tried (0.15); then a bike's alone on the tuning rides, 0.15,
# 0.3, 0.5, 0.6 and 0.8: median + p90 summed over GPS and typed 65.9, 64.3, 64.4, 65.1, 66.9
# min; of the tied 0.3 and 0.5, 0.5 has the lower mean error (22.1 vs 22.4 min). A bike loses
# more time to a climb, against its speed on the flat, than a runner. On the tuning multi-day
# rides it costs a little (their finish's p90 on GPS 801 -> 822 min).
TERRAIN_KM_PER_100M = 0.15
TERRAIN_KM_PER_100M_BIKE = 0.5
# A rise counts once the height has gone this far above the last low (GPS heights wander by
# a few metres; summing every wobble would double a flat road's climbing).
ASCENT_HYSTERESIS_M = 5.0
# Too little behind or ahead for a ratio of climbing per km to mean anything.
TERRAIN_MIN_KM = 1.0
TERRAIN_MIN_AHEAD_KM = 0.05


@dataclass(frozen=True, slots=True)
class Climb:
    """The route's cumulative ascent (m) at each vertex's km (plain lists: a lookup is a
    bisection, a microsecond, where numpy's call overhead alone is several per town), and its
    cumulative descent (the same rule mirrored; empty: not known)."""

    km: list[float]
    up_m: list[float]
    down_m: list[float] = field(default_factory=list)
    # (up, down) at a km as TerrainFrom.factor interpolates them, kept: every progress asks
    # for the towns' km (issue 11). Not part of the value.
    kept: dict[float, tuple[float, float]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def at(self, km: float) -> float:
        """Metres climbed from the start to `km` (interpolated inside a segment)."""
        return _interp(self.km, self.up_m, km)

    def between(self, a_km: float, b_km: float) -> float:
        """Metres climbed from km `a_km` to `b_km`."""
        return self.at(b_km) - self.at(a_km)

    def descent(self, a_km: float, b_km: float) -> float:
        """Metres descended from km `a_km` to `b_km` (0 where not known)."""
        if not self.down_m:
            return 0.0
        return _interp(self.km, self.down_m, b_km) - _interp(self.km, self.down_m, a_km)


def _at(climb: Climb, km: float) -> float:
    """`Climb.at` as a function: asked for every town of every progress (a method call less)."""
    return _interp(climb.km, climb.up_m, km)


def _interp(kms: list[float], up: list[float], km: float) -> float:
    """The cumulative metres `up` at `km`, interpolated between the vertices' `kms`."""
    i = bisect.bisect_right(kms, km)
    if i <= 0:
        return up[0]
    if i >= len(kms):
        return up[-1]
    k0, k1 = kms[i - 1], kms[i]
    u0, u1 = up[i - 1], up[i]
    return u0 if k1 <= k0 else u0 + (u1 - u0) * (km - k0) / (k1 - k0)


@lru_cache(maxsize=8)
def climb_profile(route: Route) -> Climb | None:
    """The route's climbing (computed once per route), None where it has no heights."""
    ele = np.asarray(route.elevations, dtype=np.float64)
    km = np.asarray(route.cum_m, dtype=np.float64) / 1000.0
    known = ~np.isnan(ele)
    if int(known.sum()) < 2:
        return None
    heights = np.interp(km, km[known], ele[known]).tolist()
    up = [0.0] * len(heights)
    ref, total = heights[0], 0.0
    for i, h in enumerate(heights):
        if h > ref + ASCENT_HYSTERESIS_M:
            total += h - ref
            ref = h
        elif h < ref - ASCENT_HYSTERESIS_M:
            ref = h
        up[i] = total
    # The descent by the same rule mirrored: a fall counts once 5 m under the last high.
    down = [0.0] * len(heights)
    ref, total = heights[0], 0.0
    for i, h in enumerate(heights):
        if h < ref - ASCENT_HYSTERESIS_M:
            total += ref - h
            ref = h
        elif h > ref + ASCENT_HYSTERESIS_M:
            ref = h
        down[i] = total
    return Climb(km.tolist(), up, down)


def terrain_factor(
    climb: Climb | None, km_now: float, km_to: float, on_foot: bool = True,
    costs: tuple[float, float] | None = None,
) -> float:
    """How much longer (or shorter) the way from `km_now` to `km_to` takes than at the pace
    shown so far, by its climbing per km against the climbing per km done; `costs` the km of
    flat a metre up and a metre down cost this athlete (core/pace_climbfit.py), None: the fixed
    cost of a climb, descents free."""
    return TerrainFrom(climb, km_now, on_foot, costs).factor(km_to)


class TerrainFrom:
    """`terrain_factor` from one km to many (the towns of one progress): the climbing done is
    looked up once."""

    __slots__ = ("_climb", "_done", "_down_now", "_k", "_kd", "_up_now", "km_now")

    def __init__(
        self, climb: Climb | None, km_now: float, on_foot: bool = True,
        costs: tuple[float, float] | None = None,
    ) -> None:
        self.km_now = km_now
        self._climb = None if km_now < TERRAIN_MIN_KM else climb  # too little behind
        if costs is None:
            k, kd = (TERRAIN_KM_PER_100M if on_foot else TERRAIN_KM_PER_100M_BIKE) / 100.0, 0.0
        else:
            k, kd = costs
        self._k, self._kd = k, kd
        self._up_now = self._down_now = self._done = 0.0
        if self._climb is not None:
            self._up_now = self._climb.at(km_now)  # the climbing from the start (0 m at km 0)
            if kd:
                self._down_now = self._climb.descent(0.0, km_now)
                self._done = 1.0 + (k * self._up_now + kd * self._down_now) / km_now
            else:
                self._done = 1.0 + k * self._up_now / km_now

    def factor(self, km_to: float) -> float:
        ahead_km = km_to - self.km_now
        climb = self._climb
        if climb is None or ahead_km < TERRAIN_MIN_AHEAD_KM:
            return 1.0
        ud = climb.kept.get(km_to)
        if ud is None:
            ud = _up_down(climb, km_to)
        u, d = ud
        if self._kd and climb.down_m:
            cost = self._k * (u - self._up_now) + self._kd * (d - self._down_now)
        else:
            cost = self._k * (u - self._up_now)
        ahead = 1.0 + cost / ahead_km
        factor = ahead / self._done
        return factor if math.isfinite(factor) and factor > 0 else 1.0


def _up_down(climb: Climb, km_to: float) -> tuple[float, float]:
    """The metres up and down from the start to `km_to` (down 0 where not known), from one
    bisection (the same vertices; each as _interp works it out), kept in `climb.kept`."""
    kms, up, down = climb.km, climb.up_m, climb.down_m or None
    i = bisect.bisect_right(kms, km_to)
    if i <= 0:
        u, d = up[0], (down[0] if down else 0.0)
    elif i >= len(kms):
        u, d = up[-1], (down[-1] if down else 0.0)
    else:
        k0, k1 = kms[i - 1], kms[i]
        u, d = up[i - 1], (down[i - 1] if down else 0.0)
        if k1 > k0:  # as _interp
            u += (up[i] - u) * (km_to - k0) / (k1 - k0)
            if down:
                d += (down[i] - d) * (km_to - k0) / (k1 - k0)
    if len(climb.kept) >= _KEPT_MAX:  # a km a few ulps off a town's now and then: bounded
        climb.kept.clear()
    climb.kept[km_to] = (u, d)
    return u, d


_KEPT_MAX = 4096
