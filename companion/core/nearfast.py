"""The window search's usual case in plain floats: the full search's answer, fewer numpy calls.

`Route.feet` + `Route.pick` over a fix's window (~85 segments on a dense trace at 1 Hz: the
window is ±(max_kmh x the time since the last fix + 0.3 km)) cost ~20 µs, nearly all numpy's
per-call overhead (issue 11). Usually the fix is on one stretch of road at the expected km and
no other part of the window comes within `TIE_M` of it. This module proves that case cheaply
and answers it with `Route.feet`'s float operations in the same order, so segment, fraction and
distance are the full search's bit for bit; otherwise it returns None and the full search runs.

The proof. The path is cut in blocks of `BLOCK` segments, each with the box of its vertices (a
segment lies in the box of its ends, in degrees and so in the fix's local metres, a scaling of
them). Once per route, each block's *clearance* is worked out: how near any block more than
`NEAR_BLOCKS` away, up to `REACH_BLOCKS` either way, comes to it (box to box). For a fix at
distance e from the box of the block at the expected km, every block but that one and its
`NEAR_BLOCKS` either side is at least clearance - e away (the triangle inequality through the
box's nearest point). When that is beyond the best foot of those blocks + `TIE_M` (+ a metre
for rounding), `pick` can only choose among their feet; it is answered here when they hold one pass
(`pick`'s first return). A turnaround, a loop, a road beside itself, a window wider than the
reach: the full search.

Not every near block is worked out (`_feet`): the fix's block b is, then each of the others
unless its box is farther than b's nearest foot + `_SKIP_M` (its feet are then left at
infinity). Each of its segments is at least its box distance away (the foot is a point of the
segment, in the box, up to ~1e-9 m of rounding: `_MARGIN_M`; its longitudes do not wrap within
180°, checked), so farther than best + max(`TIE_M`, `PASS_GAP_M`) + `nearanchor.BAND_M` (the
best of all is no farther than b's): not the nearest, not a tie, and no key of the kept proof
(a segment's, or its start vertex's, no nearer) within the band a later fix looks at.
`pick`'s first return and the kept proof's lists are those of all the feet. On the Kovner
trace (10 m) 11 of 19 segments are left out.

At 1 Hz a fix is ~7 m on from the last, past `KEEP_MOVE_M`: its proof would be dropped unused.
When the last fix moved that far (`anchored` sees it: `_Blocks.keep`), the next proof is made
for its own answer alone: a block is left out beyond b's nearest + `_SKIP_ONE_M` (no band: the
same argument, none of its segments is the nearest or a tie, nor its vertices between two), and
none is kept, only the fix (`_Blocks.probe`) to see whether the next one is near again.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from functools import lru_cache

import numpy as np

from companion.core.geo import FloatArray
from companion.core.legs import traced
from companion.core.nearanchor import (
    _A_MERIDIAN,
    _MAX_KEPT_M,
    _RAD,
    BAND_M,
    KEEP_MOVE_M,
    Anchor,
    Foot,
    _new_foot,
)
from companion.core.route import _E2, EARTH_A_M, PASS_GAP_M, TIE_M, Route

# Segments per block: few, because the near blocks' feet are worked out one float at a time
# (~0.6 µs a segment); 30 m of a trace drawn every 7.5 m.
BLOCK = 4
# The blocks either side of the one at the expected km whose feet are worked out: the road's
# own continuation is as near as a tie (30 m) up to about that far.
NEAR_BLOCKS = 2
# How far either way (in blocks) the clearance looks: the window must lie within it (a 1 Hz
# window, ±317 m, on a trace drawn every 7.5 m is ±11 blocks, every 2 m ±40).
REACH_BLOCKS = 40
# Blocks whose clearances are worked out together, where a fix first asks for one of them.
CHUNK = 128
# The bound must beat rounding in local metres (~1e-9 m at these distances) by far.
_MARGIN_M = 1.0
# A near block whose box is this much farther than the nearest foot is not worked out: none
# of its segments is a tie, and no key of its kept proof falls within a band (`_feet`).
_SKIP_M = max(TIE_M, PASS_GAP_M) + BAND_M + _MARGIN_M
# The same for a proof that is not kept (1 Hz): its own answer only.
_SKIP_ONE_M = max(TIE_M, PASS_GAP_M) + _MARGIN_M
# Near the poles a degree of longitude shrinks to nothing across a window: not worth the care.
_MAX_ABS_LAT = 80.0


class _Blocks:
    """A route's blocks: their boxes once per route (a few ms for 200k points), the
    clearances `CHUNK` blocks at a time where fixes ask for them (~0.3 ms a chunk, ~4 km of a
    trace drawn every 7.5 m: ~0.5 µs a fix at 1 Hz)."""

    __slots__ = (
        "_box", "_clear", "_done", "anchor", "clear", "cos_lat", "cum_m", "dlat", "dlon", "keep",
        "lat", "lat_hi", "lat_lo", "lon", "lon_hi", "lon_lo", "probe", "proof",
    )  # fmt: skip

    def __init__(self, route: Route) -> None:
        lat, lon = route.lats, route.lons
        n_seg = len(lat) - 1
        starts = np.arange(0, n_seg, BLOCK)
        ends = np.minimum(starts + BLOCK, n_seg)  # a block's last vertex: its last segment's end
        box = (
            np.minimum(np.minimum.reduceat(lat[:-1], starts), lat[ends]),
            np.maximum(np.maximum.reduceat(lat[:-1], starts), lat[ends]),
            np.minimum(np.minimum.reduceat(lon[:-1], starts), lon[ends]),
            np.maximum(np.maximum.reduceat(lon[:-1], starts), lon[ends]),
            # Distances in degrees, a degree of longitude times the block's cosine: any scale
            # would do (the query rescales by the fix's metres per degree, a lower bound).
            np.cos(np.radians((lat[starts] + lat[ends]) / 2.0)),
        )
        self._box = box
        self.lat_lo, self.lat_hi, self.lon_lo, self.lon_hi, self.cos_lat = map(_view, box)
        self._clear = np.full(len(starts), np.inf)
        self.clear = _view(self._clear)  # degrees as above; valid once its chunk is done
        self._done = bytearray((len(starts) + CHUNK - 1) // CHUNK)
        self.lat, self.lon, self.cum_m = _view(lat), _view(lon), _view(route.cum_m)
        self.dlat, self.dlon = _view(route._dlat), _view(route._dlon)
        # The last answer's proof, for the fixes near it: as made (`_Proof`), then as kept.
        self.proof: _Proof | None = None
        self.anchor: Anchor | None = None
        # Whether the next proof is made to be kept: not after a fix that moved past
        # `KEEP_MOVE_M` (1 Hz); then only its fix is kept, to see how far the next one moved.
        self.keep = True
        self.probe: tuple[float, float, float, float] | None = None

    def clearance(self, b: int) -> float:
        """How near the path comes to block `b`'s box from more than `NEAR_BLOCKS` blocks
        away, up to `REACH_BLOCKS` (degrees, as `clear`)."""
        c = b // CHUNK
        if not self._done[c]:
            self._fill(c * CHUNK, min((c + 1) * CHUNK, len(self._clear)))
            self._done[c] = 1
        return self.clear[b]

    def _fill(self, c0: int, c1: int) -> None:
        """The clearances of blocks c0..c1-1: every pair with another block at an offset of
        more than `NEAR_BLOCKS` and at most `REACH_BLOCKS`, in one array operation."""
        la_lo, la_hi, lo_lo, lo_hi, cos_lat = self._box
        n = len(self._clear)
        far = np.arange(NEAR_BLOCKS + 1, REACH_BLOCKS + 1)
        p = np.arange(c0, c1)[:, None]
        q = p + np.concatenate((far, -far))[None, :]
        outside = (q < 0) | (q >= n)
        q = np.clip(q, 0, n - 1)
        gy = np.maximum(np.maximum(la_lo[q] - la_hi[p], la_lo[p] - la_hi[q]), 0.0)
        gx = np.maximum(np.maximum(lo_lo[q] - lo_hi[p], lo_lo[p] - lo_hi[q]), 0.0)
        d = np.hypot(gx * cos_lat[p], gy)
        d[outside] = np.inf
        self._clear[c0:c1] = d.min(axis=1)


def _view(a: FloatArray) -> memoryview:
    return np.ascontiguousarray(a, dtype=np.float64).data  # indexed, a Python float


@lru_cache(maxsize=8)
def _blocks(route: Route) -> _Blocks | None:
    """The blocks of a route; None where the path crosses the antimeridian (boxes in raw
    longitudes would not hold its segments)."""
    if len(route.lats) < 2 or bool((np.abs(np.diff(route.lons)) > 180.0).any()):
        return None
    return _Blocks(route)


def nearest_in_window(
    route: Route, lat: float, lon: float, seg: slice, target_km: float, keep: bool | None = None
) -> Foot | None:
    """`Route.pick(route.feet(lat, lon, seg), target_km)` when the fix is on one pass near
    `target_km` and nothing else of `seg` is near; None when that cannot be shown cheaply.

    keep: make the proof for the fixes near this one (core/nearanchor); None: as `anchored`
    last decided (`_Blocks.keep`). The answer is the same either way."""
    bl = _blocks(route)
    lo, hi = seg.start, seg.stop
    if bl is None or not 0 <= lo < hi <= len(route.seg_m):
        return None  # (a window past the path's end: as the full search makes of it)
    if not abs(lat) <= _MAX_ABS_LAT or not abs(lon) < 179.0:
        return None
    # The block of the segment at the expected km, kept inside the window: bisected within
    # lo + 1..hi, i is lo for a km short of segment lo + 1, hi - 1 from segment hi - 1 on.
    b = (bisect_right(bl.cum_m, target_km * 1000.0, lo + 1, hi) - 1) // BLOCK
    if lo // BLOCK < b - REACH_BLOCKS or (hi - 1) // BLOCK > b + REACH_BLOCKS:
        return None  # a window wider than the clearance looks
    # The same local metres as `Route.feet`: `route.radii(lat)` written out, its operations in
    # order (as core/nearanchor's; test_nearanchor_scale).
    rad = math.radians(lat)
    sin = math.sin(rad)
    r_w = math.sqrt(1.0 - _E2 * sin * sin)
    k_lat = _RAD * (_A_MERIDIAN / (r_w * r_w * r_w))
    k_lon = _RAD * (EARTH_A_M / r_w * math.cos(rad))
    # The fix's distance from block b's box (comparisons: a 3-argument max is ~1.5k).
    y = (bl.lat_lo[b] - lat) * k_lat
    if y <= 0.0:
        y = (lat - bl.lat_hi[b]) * k_lat
    x = (bl.lon_lo[b] - lon) * k_lon
    if x <= 0.0:
        x = (lon - bl.lon_hi[b]) * k_lon
    e = math.sqrt((x * x if x > 0.0 else 0.0) + (y * y if y > 0.0 else 0.0))
    # In the fix's metres, each block pair's distance is at least its clearance x this.
    cos_b = bl.cos_lat[b]
    if not cos_b > 0.0:
        return None
    k = k_lon / cos_b
    clear = bl.clearance(b) * (k_lat if k_lat <= k else k)
    if clear - e <= TIE_M + _MARGIN_M:
        return None  # not even a foot on the road itself would do: no need to work them out
    a, z = (b - NEAR_BLOCKS) * BLOCK, (b + NEAR_BLOCKS + 1) * BLOCK
    a, z = lo if a < lo else a, hi if z > hi else z
    if keep is None:
        keep = bl.keep
    segs, ts, d2s, v2s = _feet(bl, lat, lon, k_lat, k_lon, a, z, b,
                               _SKIP_M if keep else _SKIP_ONE_M)  # fmt: skip
    best2 = min(d2s)
    far = clear - e - (math.sqrt(best2) + TIE_M + _MARGIN_M)
    if far <= 0.0:
        return None  # another part of the path may be as near: a pass to weigh
    foot = _one_pass(segs, ts, d2s, v2s, best2)
    if not keep:
        bl.probe = (lat, lon, k_lat, k_lon)  # only to see how far the next fix moves
    elif foot is not None and e <= _MAX_KEPT_M and best2 <= _MAX_KEPT_M**2:
        # Kept for the next fixes; made into an `Anchor` only if one near enough asks.
        bl.proof = (route, bl, (lat, lon, k_lat, k_lon), (a, z, d2s, v2s), best2, far, b)
    return foot


def _anchor(
    route: Route,
    bl: _Blocks,
    fix: tuple[float, float, float, float],
    near: tuple[int, int, list[float], list[float]],
    best2: float,
    far: float,
    b: int,
) -> Anchor | None:
    """The proof just made, for the fixes near this one (core/nearanchor): which windows it
    covers, as bounds on their km. The worked-out segments a..z-1 must be in the window; the
    rest of it within the clearance's reach of block b, or, where the window cut the near
    blocks short, within the worked-out ones."""
    a, z = near[0], near[1]
    n_seg = len(route.seg_m)
    reach_lo, reach_hi = max((b - REACH_BLOCKS) * BLOCK, 0), (b + REACH_BLOCKS + 1) * BLOCK
    cut_lo = a > max((b - NEAR_BLOCKS) * BLOCK, 0)  # the window cut the near blocks short
    cut_hi = z < min((b + NEAR_BLOCKS + 1) * BLOCK, n_seg)
    lim_lo, lim_hi = (a if cut_lo else reach_lo), (z if cut_hi else min(reach_hi, n_seg))
    if not traced(route, slice(lim_lo, lim_hi)):
        return None  # a leg within reach: the corridor rules may apply to a later window
    cum = bl.cum_m
    # `segments_between`: lo = (the number of cum <= x) - 1, at least 0; hi = the number < y.
    window = (
        cum[lim_lo] if lim_lo > 0 else -math.inf,  # lo >= lim_lo
        cum[a + 1],  # lo <= a
        cum[z - 1],  # hi >= z
        cum[lim_hi] if lim_hi < n_seg else math.inf,  # hi <= lim_hi
    )
    return Anchor((bl.lat, bl.lon, bl.dlat, bl.dlon), fix, near, best2, far, window)


def anchored(route: Route, lat: float, lon: float, lo_km: float, hi_km: float) -> Foot | None:
    """`nearest_in_window`'s answer over `route.segments_between(lo_km, hi_km)` for a fix
    near the last one it answered, from that one's proof; None where it does not cover it."""
    bl = _blocks(route)
    if bl is None:
        return None
    proof = bl.proof
    if proof is not None:  # a new one: kept if this fix can use it (at 1 Hz it rarely can)
        bl.proof = None
        f_lat, f_lon, k_lat, k_lon = proof[2]
        dy, dx = (lat - f_lat) * k_lat, (lon - f_lon) * k_lon
        if dx * dx + dy * dy <= KEEP_MOVE_M**2:
            bl.anchor = _anchor(*proof)
        else:
            bl.anchor, bl.keep = None, False  # the next proof for its own answer only
        anchor = bl.anchor
        return anchor.foot(lat, lon, lo_km, hi_km) if anchor is not None else None
    probe = bl.probe
    if probe is not None:  # the last proof was not kept: is this fix near it again?
        bl.probe = None
        f_lat, f_lon, k_lat, k_lon = probe
        dy, dx = (lat - f_lat) * k_lat, (lon - f_lon) * k_lon
        bl.keep = dx * dx + dy * dy <= KEEP_MOVE_M**2
    anchor = bl.anchor
    return anchor.foot(lat, lon, lo_km, hi_km) if anchor is not None else None


# What `nearest_in_window` proved, as `_anchor` takes it.
_Proof = tuple[
    Route, _Blocks, tuple[float, float, float, float], tuple[int, int, list[float], list[float]],
    float, float, int,
]  # fmt: skip


def _feet(
    bl: _Blocks, lat: float, lon: float, k_lat: float, k_lon: float, a: int, z: int, b: int,
    skip_m: float = _SKIP_M,
) -> tuple[range, list[float], list[float], list[float]]:  # fmt: skip
    """`Route.feet` on segments a..z-1, one float at a time (`_work_out`), but for the near
    blocks other than b: one whose box is farther than block b's nearest foot + `skip_m`
    (`_SKIP_M`, or `_SKIP_ONE_M` for a proof not kept) is not worked out, its feet left at
    infinity (see the module's docstring)."""
    n = z - a
    ts = [0.0] * n
    d2s = [math.inf] * n
    v2s = [math.inf] * n
    j0, j1 = b * BLOCK, (b + 1) * BLOCK
    best2 = _work_out(bl, lat, lon, k_lat, k_lon, a, j0 if j0 > a else a, j1 if j1 < z else z,
                      ts, d2s, v2s)  # fmt: skip
    far = math.sqrt(best2) + skip_m
    far2 = far * far
    for c in range(b - NEAR_BLOCKS, b + NEAR_BLOCKS + 1):
        j0, j1 = c * BLOCK, (c + 1) * BLOCK
        if j0 < a:
            j0 = a
        if j1 > z:
            j1 = z
        if c == b or j0 >= j1:
            continue
        # The box's distance from the fix (a lower bound on its feet's, in the same metres).
        dy = bl.lat_lo[c] - lat
        if dy < 0.0:
            dy = lat - bl.lat_hi[c]
        w, e = bl.lon_lo[c] - lon, bl.lon_hi[c] - lon
        dx = w if w > 0.0 else -e
        gy = dy * k_lat if dy > 0.0 else 0.0
        gx = dx * k_lon if dx > 0.0 else 0.0
        if not (w > -180.0 and e < 180.0 and gx * gx + gy * gy > far2):
            _work_out(bl, lat, lon, k_lat, k_lon, a, j0, j1, ts, d2s, v2s)
    return range(a, z), ts, d2s, v2s


def _work_out(
    bl: _Blocks, lat: float, lon: float, k_lat: float, k_lon: float, a: int, j0: int, j1: int,
    ts: list[float], d2s: list[float], v2s: list[float],
) -> float:  # fmt: skip
    """`Route.feet` on segments j0..j1-1 into the lists (at j - a): the same operations, in
    order. Returns the least d2 of them."""
    la, lo, dla, dlo = bl.lat, bl.lon, bl.dlat, bl.dlon
    best2 = math.inf
    for j in range(j0, j1):
        y0 = (la[j] - lat) * k_lat
        x0 = ((lo[j] - lon + 180.0) % 360.0 - 180.0) * k_lon
        dy = dla[j] * k_lat
        dx = dlo[j] * k_lon
        len2 = dx * dx + dy * dy
        along = -(x0 * dx + y0 * dy)
        t = along / len2 if len2 > 0 else 0.0  # a repeated point: t = 0, as feet's
        if t < 0.0:  # np.maximum(t, 0.0), then np.minimum(t, 1.0)
            t = 0.0
        elif t > 1.0:
            t = 1.0
        i = j - a
        ts[i] = t
        v2s[i] = v2 = x0 * x0 + y0 * y0  # the start vertex's, as `Feet.v2`
        if t == 0.0:  # x0 + ±0.0 is x0 (±0.0 alike squared): the foot is the start vertex
            d2s[i] = d2 = v2
        else:
            px, py = x0 + t * dx, y0 + t * dy
            d2s[i] = d2 = px * px + py * py
        if d2 < best2:
            best2 = d2
    return best2


def _one_pass(
    segs: range, ts: list[float], d2s: list[float], v2s: list[float], best2: float
) -> Foot | None:
    """`Route.pick`'s first return: the nearest (`best2`, the least of `d2s`), when the ties
    are one run that stays near: the run through the nearest, walked out from it, with no tie
    either side of it and no vertex inside it farther than the pass gap."""
    k = d2s.index(best2)  # the first of equal minima, as argmin
    best = math.sqrt(best2)
    tie2, gap2 = (best + TIE_M) ** 2, (best + PASS_GAP_M) ** 2
    n, t0, t1 = len(d2s), k, k + 1
    while t1 < n and d2s[t1] <= tie2:
        t1 += 1
    while t0 > 0 and d2s[t0 - 1] <= tie2:
        t0 -= 1
    # (min and max of list slices: C loops, not a Python one, over the ~20 feet)
    if (t0 > 1 and min(d2s[: t0 - 1]) <= tie2) or (t1 < n - 1 and min(d2s[t1 + 1 :]) <= tie2):
        return None  # a foot between two ties is not one: maybe two passes
    if t1 - t0 > 1 and max(v2s[t0 + 1 : t1]) > gap2:
        return None  # the path went farther away between two ties
    return _new_foot(Foot, (segs[k], ts[k], best2))
