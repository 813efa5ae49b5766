"""A route: the path with its cumulative along-route distances, the towns snapped onto it, and the
projection of a position onto the path.

Along-route km of a point on segment i at fraction t is cum[i] + t * seglen[i]; cum is computed once
at load (vectorised geodesics) and, for route books, scaled so each town falls at its road km.
"""

from __future__ import annotations

import itertools
import math
import unicodedata
from bisect import bisect_right

import numpy as np

from companion.core import geo
from companion.core.geo import FloatArray
from companion.core.models import LatLon, Placement, RouteData, RouteError, Town, TownSpec

# A town's own coordinates may sit off the road (town centre vs. bypass); farther than this it
# is probably not on this route at all.
DEFAULT_TOWN_MAX_OFF_M = 3000.0
# A fix farther than this from the path is flagged off-route, not silently snapped.
DEFAULT_OFF_ROUTE_M = 500.0
# Candidates whose distance to the fix is within this of the best are "the same place" (an
# out-and-back, a street run twice); among them continuity with the last km decides.
_TIE_M = 30.0

# Local radii of curvature on WGS-84, for the planar approximation used only to pick the
# nearest segment and the fraction along it (accurate to far better than a metre within a few km).
_A = 6378137.0
_E2 = 6.69437999014e-3


def _radii(lat_deg: float) -> tuple[float, float]:
    s = math.sin(math.radians(lat_deg))
    w = math.sqrt(1.0 - _E2 * s * s)
    meridian = _A * (1.0 - _E2) / (w * w * w)
    prime = _A / w
    return meridian, prime * math.cos(math.radians(lat_deg))


class Route:
    """An immutable route. Build it with `build_route`; all km are along-route from the start."""

    __slots__ = (
        "_ele",
        "_lat",
        "_lon",
        "cum_m",
        "description",
        "finish_name",
        "length_km",
        "name",
        "seg_m",
        "source",
        "towns",
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
    ) -> None:
        self.name = name
        self.source = source
        self.description = description
        self._lat = lats
        self._lon = lons
        self._ele = eles
        self.cum_m = cum_m
        self.seg_m = np.diff(cum_m)
        self.length_km = float(cum_m[-1]) / 1000.0
        self.towns = towns
        self.finish_name = (
            towns[-1].name if towns and self.length_km - towns[-1].km < 0.2 else "Finish"
        )

    # --- geometry -------------------------------------------------------------------------------
    @property
    def n_points(self) -> int:
        return len(self._lat)

    @property
    def lats(self) -> FloatArray:
        return self._lat

    @property
    def lons(self) -> FloatArray:
        return self._lon

    @property
    def elevations(self) -> FloatArray:
        return self._ele

    @property
    def has_elevation(self) -> bool:
        return bool(np.isfinite(self._ele).any())

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

    def elevation_at(self, km: float) -> float | None:
        if not self.has_elevation:
            return None
        d = min(max(km * 1000.0, 0.0), float(self.cum_m[-1]))
        valid = np.isfinite(self._ele)
        return float(np.interp(d, self.cum_m[valid], self._ele[valid]))

    # --- towns ----------------------------------------------------------------------------------
    def town(self, name: str) -> Town | None:
        key = fold(name)
        for t in self.towns:
            if fold(t.name) == key:
                return t
        return None

    def towns_after(self, km: float) -> list[Town]:
        """Towns strictly ahead of `km` (a town within 50 m behind counts as reached)."""
        keys = [t.km for t in self.towns]
        return list(self.towns[bisect_right(keys, km + 0.05) :])

    # --- projection -----------------------------------------------------------------------------
    def place(
        self,
        lat: float,
        lon: float,
        prior_km: float | None = None,
        back_km: float = 1.0,
        ahead_km: float = 2.0,
        off_route_m: float = DEFAULT_OFF_ROUTE_M,
        expect_km: float = 0.0,
    ) -> Placement:
        """Project a position onto the path.

        With `prior_km` the search looks only at segments between prior_km - back_km and
        prior_km + ahead_km, so a course that passes the same street twice never jumps to the
        other pass. If nothing in that window is within `off_route_m`, the whole route is searched
        (re-acquisition); if still nothing is, the fix is flagged off-route. Where two passes
        are equally near (a turnaround), the one nearest `prior_km + expect_km` (the distance
        the athlete should have covered since) wins, so a runner past the turn is not sent back.
        """
        target = prior_km + expect_km if prior_km is not None else None
        if prior_km is not None:
            lo_m = (prior_km - back_km) * 1000.0
            hi_m = (prior_km + ahead_km) * 1000.0
            lo = max(int(np.searchsorted(self.cum_m, lo_m, side="right")) - 1, 0)
            hi = min(int(np.searchsorted(self.cum_m, hi_m, side="left")) + 1, len(self._lat))
            hi = max(hi, lo + 2)
            best = self._nearest(lat, lon, lo, hi, target)
            if best.off_route_m <= off_route_m:
                return best
        glob = self._nearest(lat, lon, 0, len(self._lat), target)
        if glob.off_route_m <= off_route_m:
            return glob
        chosen = best if prior_km is not None else glob
        return Placement(chosen.km, chosen.off_route_m, chosen.segment, True)

    def _nearest(
        self, lat: float, lon: float, lo: int, hi: int, target_km: float | None
    ) -> Placement:
        """Nearest point on segments lo..hi-2 (vertex indices lo..hi-1)."""
        la = self._lat[lo:hi]
        lo_arr = self._lon[lo:hi]
        if len(la) < 2:
            raise RouteError(f"{self.source}: the path has fewer than two points")
        r_n, r_e = _radii(lat)
        y = (la - lat) * (math.pi / 180.0) * r_n
        dlon = (lo_arr - lon + 180.0) % 360.0 - 180.0
        x = dlon * (math.pi / 180.0) * r_e
        x0, y0 = x[:-1], y[:-1]
        dx, dy = x[1:] - x0, y[1:] - y0
        len2 = dx * dx + dy * dy
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(len2 > 0, -(x0 * dx + y0 * dy) / len2, 0.0)
        np.clip(t, 0.0, 1.0, out=t)
        px, py = x0 + t * dx, y0 + t * dy
        d2 = px * px + py * py
        k = int(np.argmin(d2))
        best_d = math.sqrt(float(d2[k]))
        # Several passes at the same place (out-and-back, a street run twice): prefer the one
        # nearest the expected km, or the earliest one when nothing is known yet.
        ties = np.flatnonzero(d2 <= (best_d + _TIE_M) ** 2)
        if len(ties) > 1:
            kms = (self.cum_m[lo + ties] + t[ties] * self.seg_m[lo + ties]) / 1000.0
            pick = np.argmin(np.abs(kms - target_km)) if target_km is not None else np.argmin(kms)
            k = int(ties[int(pick)])
        i = lo + k
        km = (float(self.cum_m[i]) + float(t[k]) * float(self.seg_m[i])) / 1000.0
        return Placement(km, math.sqrt(float(d2[k])), i, False)


def fold(name: str) -> str:
    """Case- and accent-insensitive key for town names ("Vadodara" == "vadodará")."""

    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def _check_path(data: RouteData) -> None:
    n = len(data.lats)
    if n != len(data.lons) or n != len(data.eles):
        raise RouteError(f"{data.source}: the path's coordinate lists differ in length")
    if n < 2:
        raise RouteError(
            f"{data.source}: the route has no path (need at least two points, found {n})"
        )
    lats = np.asarray(data.lats, dtype=np.float64)
    lons = np.asarray(data.lons, dtype=np.float64)
    bad = np.flatnonzero(
        ~np.isfinite(lats) | ~np.isfinite(lons) | (np.abs(lats) > 90) | (np.abs(lons) > 180)
    )
    if len(bad):
        i = int(bad[0])
        raise RouteError(
            f"{data.source}: path point {i + 1}: bad coordinates {data.lats[i]}, {data.lons[i]}"
        )


def _scale_to_anchors(
    source: str, cum: FloatArray, anchors: list[tuple[int, float, str]]
) -> FloatArray:
    """Stretch geodesic distances piecewise so each anchor vertex lands at its road km."""
    if not anchors:
        return cum
    idx = [a[0] for a in anchors]
    road = [a[1] * 1000.0 for a in anchors]
    for (i0, k0, _w0), (i1, k1, w1) in itertools.pairwise(anchors):
        if i1 <= i0 or k1 <= k0:
            raise RouteError(
                f"{source}: {w1}: km {k1:g} does not increase along the route (previous {k0:g})"
            )
        if cum[i1] - cum[i0] <= 0:
            raise RouteError(f"{source}: {w1}: same position as the previous town")
    out = np.interp(cum, cum[idx], road) if len(idx) > 1 else cum - cum[idx[0]] + road[0]
    # Beyond the first/last anchor keep straight-line distances, offset to join the anchors.
    first, last = idx[0], idx[-1]
    out[:first] = cum[:first] - cum[first] + road[0]
    out[last + 1 :] = cum[last + 1 :] - cum[last] + road[-1]
    if out[0] != 0.0:
        out = out - out[0]  # km are counted from the start of the path
    return np.asarray(out, dtype=np.float64)


def build_route(
    data: RouteData,
    town_max_off_m: float = DEFAULT_TOWN_MAX_OFF_M,
) -> Route:
    """Turn loaded file data into a Route: distances, scaling to route-book km, towns snapped."""
    _check_path(data)
    lats = np.asarray(data.lats, dtype=np.float64)
    lons = np.asarray(data.lons, dtype=np.float64)
    eles = np.asarray(data.eles, dtype=np.float64)
    cum = geo.cumulative_m(lats, lons)
    if cum[-1] <= 0:
        raise RouteError(f"{data.source}: the path has zero length (all points are the same)")
    cum = _scale_to_anchors(data.source, cum, data.anchors)
    proto = Route(data.name, data.source, lats, lons, eles, cum, (), data.description)
    towns = _snap_towns(proto, data.towns, town_max_off_m)
    return Route(data.name, data.source, lats, lons, eles, cum, towns, data.description)


def _snap_towns(route: Route, specs: list[TownSpec], max_off_m: float) -> tuple[Town, ...]:
    seen: dict[str, TownSpec] = {}
    towns: list[Town] = []
    prior: float | None = None
    for spec in specs:
        if not spec.name.strip():
            continue
        key = fold(spec.name)
        if key in seen:
            raise RouteError(
                f"{route.source}: {spec.where}: duplicate town name {spec.name!r} "
                f"(also at {seen[key].where})"
            )
        seen[key] = spec
        if not (math.isfinite(spec.lat) and math.isfinite(spec.lon) and abs(spec.lat) <= 90):
            raise RouteError(
                f"{route.source}: {spec.where}: bad coordinates {spec.lat}, {spec.lon} "
                f"for {spec.name!r}"
            )
        # Towns are listed in route order in every format we read, so continuity with the
        # previous town picks the right pass of an out-and-back course.
        p = route.place(spec.lat, spec.lon, prior_km=None, off_route_m=math.inf)
        if prior is not None:
            ahead = route.place(
                spec.lat,
                spec.lon,
                prior_km=prior,
                back_km=0.0,
                ahead_km=route.length_km,
                off_route_m=math.inf,
            )
            if ahead.off_route_m <= p.off_route_m + _TIE_M:
                p = ahead
        if p.off_route_m > max_off_m:
            raise RouteError(
                f"{route.source}: {spec.where}: town {spec.name!r} is "
                f"{p.off_route_m / 1000:.1f} km from the path (limit {max_off_m / 1000:g} km)"
            )
        km = spec.km if spec.km is not None else p.km
        towns.append(Town(spec.name.strip(), spec.lat, spec.lon, km, p.off_route_m))
        prior = km
    towns.sort(key=lambda t: t.km)
    return tuple(towns)
