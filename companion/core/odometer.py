"""The odometer of a town-to-town route: the km between two towns from the distance moved.

Between two towns of a route book the fix's place between them says little where the road swings
away from the straight line (up to ~2 km off on real roads). A GPS feed measures the road itself:
the distance the athlete moved. So on a town-to-town leg the km runs on from the last one by the
distance moved; the place between the towns takes over right at a town (where it is exact), and
when the two disagree by more than a wrong turn could explain.

A route book's km may not be the road's (the bundled routes are straight lines scaled to a
published total), so the distance moved is scaled by what the towns already passed taught: the
book's km between them over the distance moved between them.
"""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np

from companion.core.models import Fix, Placement
from companion.core.route import TOWN_TO_TOWN_LEG_M, Route, radii

# Moves shorter than this from the last counted position are GPS jitter (a standing receiver
# wanders a few metres): not distance.
MIN_STEP_M = 15.0
# Only positions this close in time chain into an odometer (a sparse tracker's pings every 5-10
# min cut the road's corners: their place between the towns is the better estimate) ...
MAX_GAP_S = 120.0
# ... unless the athlete hardly moved over the gap (a recorder paused at a stop).
MAX_JUMP_M = 300.0
# Within this of a town's point the place between the towns is trusted (exact at the town; a
# road may wind within a few hundred metres of a town for kilometres, so only right at it).
TOWN_M = 100.0
# The odometer is dropped when it and the place between the towns differ by more than this
# fraction of the leg (a detour, a wrong turn, a route book whose km are off).
GUARD_FRACTION = 0.5
GUARD_MIN_KM = 3.0
# Towns at least this far apart (book km) teach the scale; it stays within these bounds.
LEARN_MIN_KM = 1.0
SCALE_BOUNDS = (0.5, 2.0)


def metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in metres for points a few km apart (local plane; < 0.1 % off at that range)."""
    r_n, r_e = radii((lat1 + lat2) / 2.0)
    dy = math.radians(lat2 - lat1) * r_n
    dx = math.radians((lon2 - lon1 + 180.0) % 360.0 - 180.0) * r_e
    return math.hypot(dx, dy)


class Odometer:
    """The distance a GPS feed moved since an anchor position, which moves on in steps of at least
    MIN_STEP_M (so a standing receiver's wander is never summed into distance)."""

    __slots__ = ("_km", "_lat", "_lon", "_odo_m", "_ref", "_scale", "_time")

    def __init__(self) -> None:
        self._lat = self._lon = self._km = 0.0  # the anchor and the km it was at
        self._time: datetime | None = None  # the last fix; None: no chain (start, typed, a gap)
        self._odo_m = 0.0  # metres moved over the chain
        self._ref: tuple[float, float] | None = None  # (book km, odo_m) at the first town passed
        self._scale = 1.0  # book km per km moved

    def copy(self) -> Odometer:
        twin = Odometer()
        twin._lat, twin._lon, twin._km, twin._time = self._lat, self._lon, self._km, self._time
        twin._odo_m, twin._ref, twin._scale = self._odo_m, self._ref, self._scale
        return twin

    def _moved_m(self, fix: Fix) -> float | None:
        """Metres from the anchor to `fix`; None when they do not chain."""
        if self._time is None:
            return None
        moved = metres(self._lat, self._lon, fix.lat, fix.lon)
        if (fix.time - self._time).total_seconds() > MAX_GAP_S and moved > MAX_JUMP_M:
            return None  # a gap the athlete crossed on some road we did not see
        return moved

    def refine(self, route: Route, fix: Fix, placed: Placement) -> Placement:
        """The km of `placed` (a fix on a town-to-town route) run on from the anchor by the
        distance moved; `placed` as it is when there is nothing to run on from. Pure."""
        if not route.town_to_town or placed.off_route or fix.is_manual:  # cheapest first
            return placed
        moved = self._moved_m(fix)
        if moved is None:
            return placed
        odo_km = min(self._km + moved * self._scale / 1000.0, route.length_km)
        # The leg the odometer is on, not the one whose corridor the fix happens to fall in
        # (corridors overlap where the road doubles back).
        i = _leg_at(route, odo_km)
        if route.seg_m[i] < TOWN_TO_TOWN_LEG_M:
            return placed
        lo, hi = float(route.cum_m[i]) / 1000.0, float(route.cum_m[i + 1]) / 1000.0
        a, b = _to_towns(route, i, fix)
        chord = metres(float(route.lats[i]), float(route.lons[i]),
                       float(route.lats[i + 1]), float(route.lons[i + 1]))  # fmt: skip
        if chord > (hi - lo) * 1000.0 > 0:
            # A book that makes the leg shorter than the straight line between its towns: the
            # road is longer still, so its km cannot be road km: shrink the distance to them.
            odo_km = self._km + moved * min(self._scale, (hi - lo) * 1000.0 / chord) / 1000.0
        between_km = lo + (a / (a + b) if a + b > 0 else 0.0) * (hi - lo)
        if abs(odo_km - between_km) > max(GUARD_MIN_KM, GUARD_FRACTION * (hi - lo)):
            return placed  # a detour or a wrong turn: the odometer no longer follows the book
        km_now = between_km if min(a, b) <= TOWN_M else odo_km
        return Placement(min(max(km_now, lo), hi), placed.off_route_m, i, False, placed.good_at)

    def update(self, route: Route, fix: Fix, placed: Placement) -> None:
        """Count `fix` once it has been applied at `placed`: move the anchor (or start a new
        chain), and learn the scale at a town."""
        if not route.town_to_town:
            return  # only `refine` reads the chain, and only on such a route (~5 us a fix)
        if fix.is_manual or placed.off_route:
            self._time, self._ref = None, None
            return
        moved = self._moved_m(fix)
        if moved is None:
            self._odo_m, self._ref = 0.0, None
        if (
            moved is None
            or moved >= MIN_STEP_M
            # The km came from elsewhere (a town, the place between towns): count from there.
            or abs(placed.km - self._km - moved * self._scale / 1000.0) > 0.002
        ):
            if moved is not None and moved >= MIN_STEP_M:
                self._odo_m += moved
            self._lat, self._lon, self._km = fix.lat, fix.lon, placed.km
        self._time = fix.time
        # The leg from the km: a fix logged with its km (the feed path, a reopened log) carries
        # no segment, and must teach the scale all the same.
        self._learn(route, fix, _leg_at(route, placed.km))

    def _learn(self, route: Route, fix: Fix, i: int) -> None:
        a, b = _to_towns(route, i, fix)
        if min(a, b) > TOWN_M:
            return
        # Right at a town the place between the towns is the book's km of this very point.
        lo, hi = float(route.cum_m[i]) / 1000.0, float(route.cum_m[i + 1]) / 1000.0
        book_at = lo + (a / (a + b) if a + b > 0 else 0.0) * (hi - lo)
        if self._ref is None:
            self._ref = (book_at, self._odo_m)
            return
        book_km = book_at - self._ref[0]
        moved_km = (self._odo_m - self._ref[1]) / 1000.0
        if book_km >= LEARN_MIN_KM and moved_km > 0:
            low, high = SCALE_BOUNDS
            self._scale = min(max(book_km / moved_km, low), high)


def _to_towns(route: Route, i: int, fix: Fix) -> tuple[float, float]:
    """Metres from `fix` to the two towns of leg `i`."""
    return (
        metres(float(route.lats[i]), float(route.lons[i]), fix.lat, fix.lon),
        metres(float(route.lats[i + 1]), float(route.lons[i + 1]), fix.lat, fix.lon),
    )


def _leg_at(route: Route, km: float) -> int:
    """The leg (segment) of the route that `km` falls on."""
    i = int(np.searchsorted(route.cum_m, km * 1000.0, side="right")) - 1
    return min(max(i, 0), len(route.seg_m) - 1)
