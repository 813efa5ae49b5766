"""core/nearfast's last proof, kept while the fixes stay near it: 10 Hz moves ~0.7 m a fix.

`nearfast.nearest_in_window` proves a window's answer by working out the feet of the near blocks'
~20 segments one float at a time (~7 µs) and bounding the rest of the window by the blocks'
clearances. A fix a metre further on changes every distance by at most a metre (the triangle
inequality), so that proof still settles nearly everything for it: only the segments and vertices
whose distance was within the move of a threshold can have changed side. Those, and only those,
are worked out again for the new fix, with `Route.feet`'s float operations in order: the answer is
still the full search's (segment, fraction, squared distance), bit for bit.

The thresholds are `Route.pick`'s first return (the one pass nearfast answers): the nearest foot
(argmin, the first of equal minima), the ties (`d <= best + TIE_M`, which must be one run of
consecutive segments) and the vertices between the ties (`<= best + PASS_GAP_M`). With A the
anchor (the fix nearfast proved), P this fix and δ = |AP| in A's local metres, every distance
d(P) is within d(A) ± δ, and best(P) within best(A) ± δ; so anything whose d(A) is more than
w = 2δ + `_RHO` from its threshold at A keeps its side: a segment farther than best(A) + w can
not be the nearest, one that was a tie by more than w stays one, and so on. The blocks beyond the
near ones were at least `far` metres clear of the tie distance at A: they stay clear while
2δ + `_RHO` < far.

`_RHO` covers what the triangle inequality does not: P's local metres (`Route.feet` scales
degrees at P's latitude) differ from A's by a factor within s = tan(80°) x δ / 6.3e6 < 1e-5 for
δ <= `MAX_MOVE_M` at |lat| <= 80°, which is under 0.04 m on the distances kept (each <= ~4 km:
`_MAX_KEPT_M` bounds the best and the box distance, `_FAR_CAP_M` the clearance used); the
floats' own rounding is ~1e-12 m.

The window must also be one the proof covers: it holds the worked-out segments and lies within
the clearance's reach; both are a few comparisons of km (the window is `Route.segments_between`'s:
the segments with some part between its two km).
"""

from __future__ import annotations

import math
from typing import NamedTuple

from companion.core.route import _E2, EARTH_A_M, PASS_GAP_M, TIE_M

# How far from the anchor a fix may be and still use its proof: beyond, nearfast proves anew
# (each metre widens the band of what is worked out again by two). Chosen by instructions a
# fix over the Kovner 10 Hz feed (PLACE-5: 4 m 173.1k, 5 m 172.1k, 6 m 171.7k, 8 m 173.0k, 10 m
# 174.2k): renewals are cheap enough now that a shorter reach pays.
MAX_MOVE_M = 6.0
# A proof is kept only when the first fix after it is this near (so it may serve several; at
# 1 Hz the next fix is ~7 m on and working out its lists would be wasted).
KEEP_MOVE_M = 3.0
_RHO = 0.1
# The widest band a fix within reach looks at (2 x `MAX_MOVE_M` + `_RHO`): a key beyond it is
# never worked out again, so it is not listed (and nearfast need not work its segment out).
BAND_M = 2.0 * MAX_MOVE_M + _RHO
# Only anchors whose distances are modest are kept (the scale's bound above).
_MAX_KEPT_M = 1000.0
_FAR_CAP_M = 100.0
_MAX_ABS_LAT = 80.0
_RAD = math.radians(1.0)
# `route.radii`'s meridian numerator, the same float as its `EARTH_A_M * (1.0 - _E2)`.
_A_MERIDIAN = EARTH_A_M * (1.0 - _E2)
_sin, _cos, _sqrt, _radians = math.sin, math.cos, math.sqrt, math.radians
_new_foot = tuple.__new__  # a Foot without NamedTuple's Python-level __new__ (~1.6k instructions)


class Foot(NamedTuple):
    """`pick`'s choice, each field as `Route.feet` works it out."""

    segment: int
    t: float  # fraction along the segment
    d2: float  # squared distance from the fix, m^2


class Anchor:
    """A fix's proof (core/nearfast) and what a fix near it needs of it.

    Made cheaply for every fix nearfast answers; the sorted lists are built the first time a
    later fix asks (at 1 Hz the next fix is usually too far for it to be asked at all).
    """

    __slots__ = (
        "_d2s", "_far", "_gap2", "_k_lat", "_k_lon", "_lat", "_lon", "_reach2", "_seg_keys",
        "_t0", "_t1", "_v2s", "_vert_keys", "a", "best2", "dla", "dlo", "la", "lo", "x_max",
        "x_min", "y_max", "y_min", "z",
    )  # fmt: skip

    def __init__(
        self,
        views: tuple[memoryview, memoryview, memoryview, memoryview],
        fix: tuple[float, float, float, float],
        near: tuple[int, int, list[float], list[float]],
        best2: float,
        far_m: float,
        window: tuple[float, float, float, float],
    ) -> None:
        """views: the path's lat, lon, dlat, dlon; fix: its lat, lon, k_lat, k_lon; near: the
        worked-out segments a..z-1 with their d2 and start-vertex v2 at the fix; best2: the
        nearest's d2; far_m: how far the other blocks are beyond best + TIE_M; window: the
        bounds on the window's km x 1000 (x_min <= lo < x_max, y_min < hi <= y_max)."""
        self.la, self.lo, self.dla, self.dlo = views
        self._lat, self._lon, self._k_lat, self._k_lon = fix
        self.a, self.z, self._d2s, self._v2s = near
        self.best2 = best2
        self._far = far_m
        self.x_min, self.x_max, self.y_min, self.y_max = window
        reach = min(MAX_MOVE_M, (min(far_m, _FAR_CAP_M) - _RHO) / 2.0)
        self._reach2 = reach * reach if reach > 0.0 else -1.0
        self._seg_keys: list[tuple[float, int]] | None = None
        self._vert_keys: list[tuple[float, int]] = []
        self._t0 = self._t1 = 0  # the run of ties at the anchor (one: nearfast answered)
        self._gap2 = 0.0

    def _build(self) -> None:
        """Each segment's and vertex's distance from its thresholds at the anchor, sorted;
        those beyond `BAND_M` are left out (no fix within reach looks at them)."""
        a, best = self.a, _sqrt(self.best2)
        tie2 = (best + TIE_M) ** 2
        # A segment farther than this has its key and its start vertex's (no nearer) beyond
        # the band, and is no tie: not looked at (nor are nearfast's infinite feet). A metre
        # covers the rounding of the square.
        out2 = (best + max(TIE_M, PASS_GAP_M) + BAND_M + 1.0) ** 2
        v2s = self._v2s
        seg_keys, vert_keys = [], []
        t0 = t1 = -1
        for i, d2 in enumerate(self._d2s):
            if d2 > out2:
                continue
            j = a + i
            if d2 <= tie2:
                if t0 < 0:
                    t0 = j
                t1 = j
            d = _sqrt(d2) - best
            e = abs(d - TIE_M)
            if (key := d if d <= e else e) <= BAND_M:  # min(d, e)
                seg_keys.append((key, j))
            if (key := abs(_sqrt(v2s[i]) - best - PASS_GAP_M)) <= BAND_M:
                vert_keys.append((key, j))
        self._t0, self._t1 = t0, t1
        self._gap2 = (best + PASS_GAP_M) ** 2
        seg_keys.sort()
        vert_keys.sort()
        self._seg_keys, self._vert_keys = seg_keys, vert_keys

    def foot(self, lat: float, lon: float, lo_km: float, hi_km: float) -> Foot | None:
        """`pick`'s answer over `Route.segments_between(lo_km, hi_km)` for a fix near the
        anchor; None when this proof does not cover it."""
        x, y = lo_km * 1000.0, hi_km * 1000.0
        if not (self.x_min <= x < self.x_max and self.y_min < y <= self.y_max):
            return None
        if not (-_MAX_ABS_LAT <= lat <= _MAX_ABS_LAT and -179.0 < lon < 179.0):  # (no abs call)
            return None
        my, mx = (lat - self._lat) * self._k_lat, (lon - self._lon) * self._k_lon
        moved2 = mx * mx + my * my
        if not moved2 <= self._reach2:
            return None
        seg_keys = self._seg_keys
        if seg_keys is None:
            self._build()
            seg_keys = self._seg_keys
            assert seg_keys is not None
        w = 2.0 * _sqrt(moved2) + _RHO
        # The same local metres as `Route.feet`: `route.radii(lat)` written out, its operations
        # in order (the call and its tuple were ~2k of a fix's instructions; test_nearanchor).
        rad = _radians(lat)
        s = _sin(rad)
        r_w = _sqrt(1.0 - _E2 * s * s)
        k_lat = _RAD * (_A_MERIDIAN / (r_w * r_w * r_w))
        k_lon = _RAD * (EARTH_A_M / r_w * _cos(rad))
        la, lo, dla, dlo = self.la, self.lo, self.dla, self.dlo
        exact: list[tuple[int, float]] = []
        best2, k, kt = math.inf, -1, 0.0
        for key, j in seg_keys:
            if key > w:
                break
            # `Route.feet` on segment j (as nearfast._feet).
            y0 = (la[j] - lat) * k_lat
            x0 = ((lo[j] - lon + 180.0) % 360.0 - 180.0) * k_lon
            dy = dla[j] * k_lat
            dx = dlo[j] * k_lon
            len2 = dx * dx + dy * dy
            along = -(x0 * dx + y0 * dy)
            t = along / len2 if len2 > 0 else 0.0
            if t < 0.0:
                t = 0.0
            elif t > 1.0:
                t = 1.0
            if t == 0.0:  # x0 + ±0.0 is x0: the start vertex (nearfast._work_out's case)
                d2 = x0 * x0 + y0 * y0
            else:
                px, py = x0 + t * dx, y0 + t * dy
                d2 = px * px + py * py
            exact.append((j, d2))
            if d2 < best2 or (d2 == best2 and j < k):
                best2, k, kt = d2, j, t
        best = _sqrt(best2)
        tie2, gap2 = (best + TIE_M) ** 2, (best + PASS_GAP_M) ** 2
        t0, t1 = self._t0, self._t1
        fresh: list[int] = []
        for j, d2 in exact:
            if (d2 <= tie2) is not (t0 <= j <= t1):  # (the ties at the anchor: t0..t1)
                # A segment crossed the tie distance: the run of ties from what is known (the
                # rest keep their side), and the vertices that are between ties only now.
                ties = set(range(t0, t1 + 1))
                for i, d2_i in exact:
                    if d2_i <= tie2:
                        ties.add(i)
                    else:
                        ties.discard(i)
                n0, n1 = min(ties), max(ties)
                if n1 - n0 != len(ties) - 1:
                    return None  # two runs: nearfast's full proof (or the full search) decides
                fresh = [i for i in range(n0 + 1, n1 + 1) if not t0 < i <= t1]
                t0, t1 = n0, n1
                break
        # The vertices between the ties (each tie's start but the first's) must stay near: those
        # near the pass gap exactly, the rest as they were at the anchor (all near, but `fresh`).
        checked = []
        for key, j in self._vert_keys:
            if key > w:
                break
            if t0 < j <= t1:
                y0 = (la[j] - lat) * k_lat
                x0 = ((lo[j] - lon + 180.0) % 360.0 - 180.0) * k_lon
                if x0 * x0 + y0 * y0 > gap2:
                    return None
                checked.append(j)
        if fresh:  # (usually none: no generator to make)
            a, v2s, gap0 = self.a, self._v2s, self._gap2
            if any(not v2s[j - a] <= gap0 for j in fresh if j not in checked):
                return None
        return _new_foot(Foot, (k, kt, best2))
