"""WGS-84 geodesics: the only module that imports pyproj, whose Geod runs Karney's algorithm in C.

Single distances used geopy's geodesic (the same algorithm in Python): ~50 us a call, and
`import geopy.distance` imports every geocoder (~70 ms at start-up). Geod.inv on two points gives
the same metres in ~1 us.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from pyproj import Geod

_WGS84 = Geod(ellps="WGS84")

FloatArray = npt.NDArray[np.float64]


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic distance on WGS-84 between two points, in metres."""
    _az1, _az2, dist = _WGS84.inv(lon1, lat1, lon2, lat2)
    return float(dist)


def segment_lengths_m(lats: FloatArray, lons: FloatArray) -> FloatArray:
    """Geodesic length of each segment of a polyline (len(lats) - 1 values), in metres."""
    if len(lats) < 2:
        return np.zeros(0, dtype=np.float64)
    _az1, _az2, dist = _WGS84.inv(lons[:-1], lats[:-1], lons[1:], lats[1:])
    return np.asarray(dist, dtype=np.float64)


def cumulative_m(lats: FloatArray, lons: FloatArray) -> FloatArray:
    """Cumulative geodesic distance at each vertex of a polyline, starting at 0, in metres."""
    cum = np.zeros(len(lats), dtype=np.float64)
    if len(lats) >= 2:
        np.cumsum(segment_lengths_m(lats, lons), out=cum[1:])
    return cum


def distances_to_m(lat: float, lon: float, lats: FloatArray, lons: FloatArray) -> FloatArray:
    """Geodesic distances from one point to many, in metres."""
    n = len(lats)
    _a, _b, dist = _WGS84.inv(np.full(n, lon), np.full(n, lat), lons, lats)
    return np.asarray(dist, dtype=np.float64)
