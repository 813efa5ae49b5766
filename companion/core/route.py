"""A route: the path with its cumulative along-route distances, the towns snapped onto it, and the
geometry of projecting a position onto the path (the foot point on each segment, and which of
several passes of the path near a point are genuinely different). Where a moving athlete falls
-- continuity with the last km, the town-to-town corridor -- is `core.placement`.

Along-route km of a point on segment i at fraction t is cum[i] + t * seglen[i]; cum is computed once
at load (vectorised geodesics) and, for route books, scaled so each town falls at its road km.
"""

from __future__ import annotations

import math
import unicodedata
from bisect import bisect_left, bisect_right
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from companion.core import geo
from companion.core.geo import FloatArray
from companion.core.models import LatLon, Placement, RouteData, RouteError, Town
from companion.core.passes import best_pass
from companion.core.route_input import check_path, scale_to_anchors

IntArray = npt.NDArray[np.intp]

# A town's own coordinates may sit off the road (town centre vs. bypass); farther than this it
# is probably not on this route at all.
DEFAULT_TOWN_MAX_OFF_M = 3000.0
# A fix farther than this from the path is flagged off-route, not silently snapped.
DEFAULT_OFF_ROUTE_M = 500.0
# Passes whose distance to the fix is within this of the best are "the same place" (an
# out-and-back, a street run twice); among them continuity with the last km decides.
TIE_M = 30.0
# Where the path stays nearer than best + this it is one visit to the point (a road drawn with a
# point every few metres, GPS jitter at a stop): only its own nearest segment stands for it. A
# pass is genuinely different only if the path went farther away in between. Small, because at a
# turnaround the out and back legs are one visit within this of the turn: the km may be off by
# up to twice this there.
PASS_GAP_M = 30.0
# With no km known yet only passes this close to equally near are ties (the earliest wins).
_NO_PRIOR_TIE_M = 2.0
# A path whose length lies mostly in segments at least this long is drawn town to town (a route
# book, a GPX of waypoints): between the towns its km are approximate.
TOWN_TO_TOWN_LEG_M = 1000.0
# Below this many segments a full scan is cheaper than the box pre-filter.
PREFILTER_MIN_SEGMENTS = 2000

# Local radii of curvature on WGS-84, for the planar approximation used only to pick the
# nearest segment and the fraction along it (accurate to far better than a metre within a few km).
EARTH_A_M = 6378137.0
_E2 = 6.69437999014e-3


def radii(lat_deg: float) -> tuple[float, float]:
    s = math.sin(math.radians(lat_deg))
    w = math.sqrt(1.0 - _E2 * s * s)
    meridian = EARTH_A_M * (1.0 - _E2) / (w * w * w)
    prime = EARTH_A_M / w
    return meridian, prime * math.cos(math.radians(lat_deg))


class Route:
    """An immutable route. Build it with `build_route`; all km are along-route from the start."""

    __slots__ = (
        "_cum",
        "_dlat",
        "_dlon",
        "_ele",
        "_lat",
        "_lon",
        "_max_seg_m",
        "_n_seg",
        "_town_kms",
        "cum_m",
        "description",
        "finish_name",
        "length_km",
        "name",
        "seg_m",
        "source",
        "town_to_town",
        "towns",
        "warnings",
    )

    def __init__(
        self,
        name: str,
        source: str,
        lats: FloatArray,
        lons: FloatArray,
        eles: FloatArray,
        cum_m: FloatArray,
        towns: tuple[Town, ...],
        description: str = "",
        max_seg_m: float = math.inf,
        town_to_town: bool = False,
        warnings: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.source = source
        self.description = description
        self._lat = lats
        self._lon = lons
        self._ele = eles
        self.cum_m = cum_m
        self.seg_m = np.diff(cum_m)
        self._cum, self._n_seg = np.ascontiguousarray(cum_m, dtype=np.float64).data, len(cum_m) - 1
        # Each segment's rise in degrees (longitude the short way round), as `feet` works them
        # out: the same floats once per route, not once per fix (issue 11).
        self._dlat = lats[1:] - lats[:-1]
        self._dlon = (lons[1:] - lons[:-1] + 180.0) % 360.0 - 180.0
        # Geodesic, not route-book-scaled: the box pre-filter works in real distances.
        self._max_seg_m = max_seg_m
        # Straight lines between towns: the km between two towns is the fraction of the leg.
        self.town_to_town = town_to_town
        self.length_km = float(cum_m[-1]) / 1000.0
        self.towns = towns
        self._town_kms = [t.km for t in towns]  # what `towns_after` bisects, once per route
        # What the file held that was left out (a waypoint far from the path, a repeated name),
        # for `companion info` to list: the route still loads.
        self.warnings = warnings
        self.finish_name = (
            towns[-1].name if towns and self.length_km - towns[-1].km < 0.2 else "Finish"
        )

    def __reduce__(self) -> tuple[type[Route], tuple[object, ...]]:
        """Pickled (and copied) by what builds it: `_cum` is a memoryview, which pickles not."""
        return (Route, (
            self.name, self.source, self._lat, self._lon, self._ele, self.cum_m, self.towns,
            self.description, self._max_seg_m, self.town_to_town, self.warnings,
        ))  # fmt: skip

    # --- geometry -------------------------------------------------------------------------------
    @property
    def n_points(self) -> int:
        return len(self._lat)

    @property
    def max_segment_m(self) -> float:
        """The longest segment's geodesic length (not scaled to route-book km)."""
        return self._max_seg_m

    @property
    def lats(self) -> FloatArray:
        return self._lat

    @property
    def lons(self) -> FloatArray:
        return self._lon

    @property
    def elevations(self) -> FloatArray:
        return self._ele

    def point_at(self, km: float) -> LatLon:
        """The position at along-route `km` (clamped to the route)."""
        d = min(max(km * 1000.0, 0.0), float(self.cum_m[-1]))
        i = min(int(np.searchsorted(self.cum_m, d, side="right")) - 1, len(self.seg_m) - 1)
        i = max(i, 0)
        seg = float(self.seg_m[i])
        t = (d - float(self.cum_m[i])) / seg if seg > 0 else 0.0
        lat = float(self._lat[i] + t * (self._lat[i + 1] - self._lat[i]))
        dlon = float(self._lon[i + 1] - self._lon[i])
        dlon = (dlon + 180.0) % 360.0 - 180.0
        lon = (float(self._lon[i]) + t * dlon + 180.0) % 360.0 - 180.0
        return LatLon(lat, lon)

    def elevation_profile(self, samples: int) -> tuple[float, ...]:
        """Elevation in metres at `samples` evenly spaced km from start to finish (one vectorised
        interpolation); empty when the route has no heights."""
        valid = np.isfinite(self._ele)
        if not valid.any():
            return ()
        at_m = np.linspace(0.0, float(self.cum_m[-1]), samples)
        return tuple(np.interp(at_m, self.cum_m[valid], self._ele[valid]).tolist())

    # --- towns ----------------------------------------------------------------------------------
    def town(self, name: str) -> Town | None:
        """The town called `name` or answering to it as an alias (case/accent-insensitive)."""
        key = fold(name)
        for t in self.towns:
            if fold(t.name) == key or any(fold(a) == key for a in t.aliases):
                return t
        return None

    def towns_after(self, km: float) -> list[Town]:
        """Towns strictly ahead of `km` (a town within 50 m behind counts as reached)."""
        return list(self.towns[bisect_right(self._town_kms, km + 0.05) :])

    # --- projection geometry (where an athlete falls: core.placement) ---------------------------
    def segments_between(self, lo_km: float, hi_km: float) -> slice:
        """The segments that have some part between along-route `lo_km` and `hi_km`."""
        # core/nearfast's `_anchor` turns these rules into bounds on the km: change both.
        x, y = lo_km * 1000.0, hi_km * 1000.0
        if x == x and y == y:  # (bisect would count a NaN otherwise: numpy's way below)
            # cum_m is sorted: bisect counts as searchsorted does, in ~1/4 of its two calls'
            # instructions (a fix's at 1 Hz: test_route_window).
            lo, hi = bisect_right(self._cum, x) - 1, bisect_left(self._cum, y)
            lo, hi = 0 if lo < 0 else lo, self._n_seg if hi > self._n_seg else hi
            return slice(lo, hi if hi > lo else lo + 1)
        lo = max(int(self.cum_m.searchsorted(x, side="right")) - 1, 0)
        hi = min(int(self.cum_m.searchsorted(y, side="left")), len(self.seg_m))
        return np.s_[lo : max(hi, lo + 1)]

    def segments_near(self, lat: float, lon: float, radius_m: float) -> slice | IntArray:
        """Segments that may come within `radius_m` of a point: a cheap box test on vertices.

        A segment passing within r of the point has both ends within r + its length, so testing
        one end against r + the longest segment never misses one. Whole route if that is all.
        """
        reach = radius_m + self._max_seg_m
        if not math.isfinite(reach) or len(self.seg_m) < PREFILTER_MIN_SEGMENTS:
            return np.s_[0 : len(self.seg_m)]
        r_n, r_e = radii(lat)
        dlat = math.degrees(reach / r_n) * 1.01
        dlon = math.degrees(reach / max(r_e, 1.0)) * 1.01
        near = np.abs(self._lat[:-1] - lat) <= dlat
        if dlon < 180.0:
            near &= np.abs((self._lon[:-1] - lon + 180.0) % 360.0 - 180.0) <= dlon
        idx = np.flatnonzero(near)
        return idx if len(idx) else np.s_[0 : len(self.seg_m)]

    def feet(self, lat: float, lon: float, seg: slice | IntArray) -> Feet:
        """The foot point of a position on each of the segments `seg` (a slice or indices)."""
        if isinstance(seg, slice):
            start, stop = seg.start, seg.stop
            la0, lo0 = self._lat[start:stop], self._lon[start:stop]
            dlat, dlon = self._dlat[start:stop], self._dlon[start:stop]
            index: IntArray = np.arange(start, stop)
        else:
            index = seg
            la0, lo0 = self._lat[index], self._lon[index]
            dlat, dlon = self._dlat[index], self._dlon[index]
        if len(la0) < 1:
            raise RouteError(f"{self.source}: the path has fewer than two points")
        # Local planar coordinates around the fix (metres): accurate to far better than a metre
        # at the few km that matter; only used to pick the segment and the fraction along it.
        r_n, r_e = radii(lat)
        k_lat, k_lon = math.radians(1.0) * r_n, math.radians(1.0) * r_e
        y0 = (la0 - lat) * k_lat
        x0 = ((lo0 - lon + 180.0) % 360.0 - 180.0) * k_lon
        dy = dlat * k_lat
        dx = dlon * k_lon
        len2 = dx * dx + dy * dy
        along = -(x0 * dx + y0 * dy)
        real = len2 > 0  # a repeated point is no segment: t = 0 on it, and no division by 0
        t = along / len2 if real.all() else np.where(real, along / np.where(real, len2, 1.0), 0.0)
        np.minimum(np.maximum(t, 0.0, out=t), 1.0, out=t)
        px, py = x0 + t * dx, y0 + t * dy
        return Feet(index, t, px * px + py * py, len2, x0, y0, dx, dy)

    def km_of(self, feet: Feet, k: int) -> float:
        """Along-route km of foot point `k` of `feet`."""
        i = int(feet.segs[k])
        return (float(self.cum_m[i]) + float(feet.t[k]) * float(self.seg_m[i])) / 1000.0

    def pick(self, feet: Feet, target_km: float | None, span_km: float = 0.0) -> int:
        """Which foot point stands for the position: the nearest of the nearest pass.

        Where the path stays within `PASS_GAP_M` of the best it is one visit of the path to the
        point (a road drawn every few metres, a street with GPS jitter at a stop), and within a
        visit only the true nearest counts: choosing among its segments by the expected km would
        make the km stick on a vertex and then jump. Only visits that are genuinely different
        passes (the path went farther away in between: an out-and-back, a loop run twice) and
        are about as near (`TIE_M`) are weighed: the one nearest `target_km` wins, or the
        earliest without one. The path between the foot points of two consecutive segments is
        farthest from the point at their shared vertex, so that vertex decides if they connect.

        `span_km`: how much less than `target_km` the athlete may have gone (core/passes).
        """
        d2, segs = feet.d2, feet.segs
        k = int(d2.argmin())
        best = math.sqrt(float(d2[k]))
        ties = (d2 <= (best + TIE_M) ** 2).nonzero()[0]
        gap2 = (best + PASS_GAP_M) ** 2
        one_run = int(segs[ties[-1]] - segs[ties[0]]) == len(ties) - 1 if len(ties) > 1 else True
        if one_run and bool((feet.v2(ties[1:]) <= gap2).all()):
            return k  # one run of consecutive segments that stays near: one pass
        near = np.flatnonzero(d2 <= gap2)
        joined = (np.diff(segs[near]) == 1) & (feet.v2(near[1:]) <= gap2)
        starts = np.flatnonzero(~joined) + 1
        choices: list[int] = []
        for run in np.split(near, starts):
            r = int(run[int(np.argmin(d2[run]))])
            if d2[r] <= (best + TIE_M) ** 2:
                choices.append(r)
        if len(choices) < 2:
            return k
        if target_km is None:
            # Nothing known yet: the earliest of the passes the point is really on.
            choices = [c for c in choices if d2[c] <= (best + _NO_PRIOR_TIE_M) ** 2]
            return choices[int(np.argmin([self.km_of(feet, c) for c in choices]))]
        kms = [self.km_of(feet, c) for c in choices]
        offs = [math.sqrt(float(d2[c])) for c in choices]
        return choices[best_pass(kms, offs, target_km, span_km)]

    def _nearest(
        self, lat: float, lon: float, seg: slice | IntArray, target_km: float | None
    ) -> Placement:
        """Nearest point on the segments `seg` (a slice or indices of segment starts)."""
        feet = self.feet(lat, lon, seg)
        k = self.pick(feet, target_km)
        return Placement(
            self.km_of(feet, k), math.sqrt(float(feet.d2[k])), int(feet.segs[k]), False
        )


class Feet(NamedTuple):
    """Foot points of one position on some segments, in local metres around the position."""

    segs: IntArray  # segment start vertex of each foot point, ascending
    t: FloatArray  # fraction along the segment, 0..1
    d2: FloatArray  # squared distance from the position, m^2
    len2: FloatArray  # squared segment length, m^2
    # The segment's start vertex relative to the position, and the segment itself (metres east
    # and north); the vertex distances below are worked out only where they are needed.
    x0: FloatArray
    y0: FloatArray
    dx: FloatArray
    dy: FloatArray

    def v2(self, at: IntArray | slice = np.s_[:]) -> FloatArray:
        """Squared distance from the position to the start vertex of the segments `at`, m^2."""
        x, y = self.x0[at], self.y0[at]
        return np.asarray(x * x + y * y, dtype=np.float64)

    def e2(self, at: IntArray | slice = np.s_[:]) -> FloatArray:
        """Squared distance from the position to the end vertex of the segments `at`, m^2."""
        x, y = self.x0[at] + self.dx[at], self.y0[at] + self.dy[at]
        return np.asarray(x * x + y * y, dtype=np.float64)

    def subset(self, at: IntArray) -> Feet:
        return Feet(*(np.asarray(a[at]) for a in self))  # type: ignore[arg-type]


def fold(name: str) -> str:
    """Case- and accent-insensitive key for town names ("Vadodara" == "vadodará")."""

    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def build_route(
    data: RouteData,
    town_max_off_m: float = DEFAULT_TOWN_MAX_OFF_M,
) -> Route:
    """Turn loaded file data into a Route: distances, scaling to route-book km, towns snapped."""
    check_path(data)
    lats = np.asarray(data.lats, dtype=np.float64)
    lons = np.asarray(data.lons, dtype=np.float64)
    eles = np.asarray(data.eles, dtype=np.float64)
    seg = geo.segment_lengths_m(lats, lons)
    cum = np.concatenate(([0.0], np.cumsum(seg)))
    if cum[-1] <= 0:
        raise RouteError(f"{data.source}: the path has zero length (all points are the same)")
    cum = scale_to_anchors(data.source, cum, data.anchors)
    # The longest real segment bounds the box pre-filter of every global search.
    max_seg = float(seg.max())
    sparse = float(seg[seg >= TOWN_TO_TOWN_LEG_M].sum()) > 0.5 * float(seg.sum())
    proto = Route(data.name, data.source, lats, lons, eles, cum, (), data.description, max_seg)
    from companion.core.calibrate import place_towns  # it builds on Route: imported here

    cum, towns, warnings = place_towns(proto, data.towns, town_max_off_m, lenient=data.waypoints)
    return Route(
        data.name, data.source, lats, lons, eles, cum, towns, data.description, max_seg, sparse,
        warnings,
    )  # fmt: skip
