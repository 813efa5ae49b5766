"""Which search windows hold no town-to-town leg: a traced road's rules apply to them alone.

A real GPX track often has one long straight segment where the recording stopped (a tunnel, a
dead battery): the route's longest segment is then a "leg" and `placement.locate` weighed every
fix against the corridors (issue 11: the fast path of core/nearfast was never taken). The
corridor rules (`placement._in_corridor`, `_is_leg`) only differ from a traced road's on foot
points whose segment is long: its length in the fix's local metres (`Feet.len2`) or its
route-book-scaled length (`Route.seg_m`) at least `TOWN_TO_TOWN_LEG_M`. A window with neither
is a traced road whatever the rest of the route holds.

The local length depends on the fix; it is bounded here for any fix at all: a degree is at most
`_K_LAT_MAX` metres north and `_K_LON_MAX` east in `route.radii` (the meridian radius is largest
at the poles, the parallel's at the equator). Segments within that bound are counted once per
route into a prefix count, so asking about a window (a slice) is two look-ups.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from companion.core.route import TOWN_TO_TOWN_LEG_M, Route, radii

_K_LAT_MAX = math.radians(1.0) * radii(90.0)[0]  # the meridian radius, largest at the poles
_K_LON_MAX = math.radians(1.0) * radii(0.0)[1]  # the parallel's, largest at the equator
# Room for the rounding of `feet`'s floats (~1e-13 m here): a metre is far more than enough.
_MARGIN_M = 1.0


@lru_cache(maxsize=8)
def _before(route: Route) -> memoryview:
    """The number of segments that may be a leg before each vertex (n_points values)."""
    dy = np.abs(route._dlat) * _K_LAT_MAX
    dx = np.abs(route._dlon) * _K_LON_MAX
    maybe = (np.hypot(dx, dy) + _MARGIN_M >= TOWN_TO_TOWN_LEG_M) | (
        route.seg_m >= TOWN_TO_TOWN_LEG_M
    )
    count = np.concatenate(([0], np.cumsum(maybe)))
    return np.ascontiguousarray(count, dtype=np.int64).data  # indexed, a Python int


def traced(route: Route, seg: slice) -> bool:
    """A traced road's rules apply to the window `seg`: no segment of it can be a leg, for any
    fix (or the route's longest segment is short, as `locate` has always decided)."""
    if route.max_segment_m < TOWN_TO_TOWN_LEG_M:
        return True
    count = _before(route)
    n = len(count) - 1
    lo, hi = seg.start, seg.stop  # each clipped to 0..n (comparisons: min/max cost ~1.5k each)
    lo = 0 if lo < 0 else n if lo > n else lo
    hi = 0 if hi < 0 else n if hi > n else hi
    return hi <= lo or count[hi] == count[lo]
