"""A loaded route file's path checked, and its distances stretched onto its route book's km.

What `core.route.build_route` does to the file's data before any Route exists: both are plain
functions of the arrays (kept apart so route.py holds the Route and its search alone).
"""

from __future__ import annotations

import itertools

import numpy as np

from companion.core.geo import FloatArray
from companion.core.models import RouteData, RouteError


def check_path(data: RouteData) -> None:
    """A path of two points or more, each a finite position: else a RouteError saying where."""
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


def scale_to_anchors(
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
