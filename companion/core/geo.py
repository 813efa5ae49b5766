"""WGS-84 geodesics. The only module that imports geopy (single distances) and pyproj (bulk).

geopy's geodesic costs ~50 us a call: fine for one distance, 10 s for a 200k-point route. The
bulk path uses pyproj's Geod, which runs Karney's algorithm in C over whole arrays.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from geopy.distance import geodesic
from pyproj import Geod

_WGS84 = Geod(ellps="WGS84")

FloatArray = npt.NDArray[np.float64]


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic distance on WGS-84 between two points, in metres."""
    return float(geodesic((lat1, lon1), (lat2, lon2), ellipsoid="WGS-84").meters)


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
