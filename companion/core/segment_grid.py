"""A grid over a path's segments: which segments may pass near a point, without looking at all of
them. Snapping each row of a 100,000-row route book by a scan of the whole path took 116 s
(issue 10 F7); with the grid each town looks only at the cells around it.

Cells are squares of `cell` degrees of latitude and longitude. Every segment is put in the cells
of sample points along it, spaced so that no point of the segment is more than one cell (in
latitude and in longitude) from a sample: a query that widens its box by one cell each way
therefore returns every segment with some point in the box, plus some farther ones, never fewer.
Degrees, not metres: the caller turns its radius into degrees at its latitude, so the grid
holds no geodesy.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from companion.core.geo import FloatArray

IntArray = npt.NDArray[np.intp]

_WIDER = 1.0 + 1e-6


class SegmentGrid:
    """The segments of the path `lats`/`lons` by grid cell.

    Args:
        lats, lons: the path's vertices, degrees; segment i runs from vertex i to i + 1.
        cell_deg: the smallest cell wanted; about the query radius is best (a query then reads
            a few cells). Cells widen when the path's segments are long, to keep the samples to
            about twice the segments, so building costs O(n log n) whatever the path.
    """

    def __init__(self, lats: FloatArray, lons: FloatArray, cell_deg: float) -> None:
        n_seg = len(lats) - 1
        dlat = np.diff(lats)
        dlon = (np.diff(lons) + 180.0) % 360.0 - 180.0  # the short way round, as the feet go
        span = np.maximum(np.abs(dlat), np.abs(dlon))
        cell = max(cell_deg, float(span.sum()) / max(n_seg, 1), 1e-6)
        # A whole number of columns round the globe: a column index then wraps exactly at 180.
        self._ncols = max(1, int(360.0 // min(cell, 360.0)))
        self._cell = 360.0 / self._ncols
        self._nrows = int(180.0 // self._cell) + 1
        # Samples at j / pieces along each segment, j = 0 .. pieces - 1: a point in piece j (the
        # end vertex is in the last piece) is within span / pieces <= one cell of sample j.
        pieces = np.maximum(np.ceil(span / self._cell), 1.0).astype(np.intp)
        seg = np.repeat(np.arange(n_seg, dtype=np.intp), pieces)
        first = np.cumsum(pieces) - pieces
        t = (np.arange(len(seg)) - np.repeat(first, pieces)) / np.repeat(pieces, pieces)
        slat = lats[seg] + t * dlat[seg]
        slon = (lons[seg] + t * dlon[seg] + 180.0) % 360.0
        del t, first
        rows = np.clip(np.floor((slat + 90.0) / self._cell), 0, self._nrows - 1).astype(np.int64)
        cols = np.floor(slon / self._cell).astype(np.int64) % self._ncols
        del slat, slon
        keys = rows * self._ncols + cols
        order = np.lexsort((seg, keys))
        keys, seg = keys[order], seg[order]
        keep = np.ones(len(keys), dtype=bool)
        keep[1:] = (np.diff(keys) != 0) | (np.diff(seg) != 0)
        self._keys: npt.NDArray[np.int64] = keys[keep]
        self._repeats = len(self._keys) > n_seg
        self._segs: IntArray = seg[keep]

    @property
    def cell_deg(self) -> float:
        return self._cell

    def near(self, lat: float, lon: float, dlat: float, dlon: float) -> IntArray:
        """Segments, ascending, with a point that may lie within `dlat` degrees of latitude and
        `dlon` of longitude of (lat, lon): every one that does, and some that do not."""
        c, ncols = self._cell, self._ncols
        # Wider by the sample spacing (one cell) and a hair for rounding, each way.
        dlat = min(dlat, 180.0) + c * _WIDER  # also inf, near a pole
        r0 = max(math.floor((lat - dlat + 90.0) / c), 0)
        r1 = min(math.floor((lat + dlat + 90.0) / c), self._nrows - 1)
        ranges: list[tuple[int, int]]
        dlon = min(dlon, 360.0) + c * _WIDER
        c0 = math.floor((lon - dlon + 180.0) / c)
        c1 = math.floor((lon + dlon + 180.0) / c)
        if c1 - c0 + 1 >= ncols:
            ranges = [(0, ncols - 1)]
        elif c0 < 0:
            ranges = [(c0 + ncols, ncols - 1), (0, c1)]
        elif c1 >= ncols:
            ranges = [(c0, ncols - 1), (0, c1 - ncols)]
        else:
            ranges = [(c0, c1)]
        lo_keys = [r * ncols + a for r in range(r0, r1 + 1) for a, _b in ranges]
        hi_keys = [r * ncols + b for r in range(r0, r1 + 1) for _a, b in ranges]
        lo = np.searchsorted(self._keys, lo_keys, side="left")
        hi = np.searchsorted(self._keys, hi_keys, side="right")
        parts = [self._segs[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True) if b > a]
        if not parts:
            return np.zeros(0, dtype=np.intp)
        found = np.concatenate(parts)
        # Only a segment sampled more than once can be in two cells.
        return np.unique(found) if self._repeats else np.sort(found)
