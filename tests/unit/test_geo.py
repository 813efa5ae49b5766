"""Geodesics against GeographicLib's own published values (never against our own output)."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from companion.core import geo

SHARED = Path(__file__).resolve().parents[2].parent / "shared"


def _pairs() -> list[tuple[float, float, float, float, float, str]]:
    path = SHARED / "data" / "reference-pairs.tsv"
    if not path.exists():
        pytest.skip("../shared/data is not beside the checkout")
    rows = []
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        coords, ref, _hav, desc = line.split("\t")
        a, b, c, d = (float(x) for x in coords.split())
        rows.append((a, b, c, d, float(ref), desc))
    return rows


def test_single_distance_matches_geodsolve_pairs() -> None:
    for lat1, lon1, lat2, lon2, ref, desc in _pairs():
        assert geo.distance_m(lat1, lon1, lat2, lon2) == pytest.approx(ref, abs=1e-3), desc


def test_vectorised_segments_match_geodsolve_pairs() -> None:
    rows = _pairs()
    for lat1, lon1, lat2, lon2, ref, desc in rows:
        got = geo.segment_lengths_m(np.array([lat1, lat2]), np.array([lon1, lon2]))
        assert float(got[0]) == pytest.approx(ref, abs=1e-3), desc


def test_vectorised_matches_karney_geodtest() -> None:
    path = SHARED / "corpus" / "GeodTest-100.dat"
    if not path.exists():
        pytest.skip("../shared/corpus is not beside the checkout")
    lat1s, lon1s, lat2s, lon2s, refs = [], [], [], [], []
    for line in path.read_text().splitlines():
        f = line.split()
        lat1s.append(float(f[0]))
        lon1s.append(float(f[1]))
        lat2s.append(float(f[3]))
        lon2s.append(float(f[4]))
        refs.append(float(f[6]))
    for a, b, c, d, s in zip(lat1s, lon1s, lat2s, lon2s, refs, strict=True):
        got = geo.segment_lengths_m(np.array([a, c]), np.array([b, d]))[0]
        assert got == pytest.approx(s, abs=1e-3)


def test_equator_and_meridian_polylines_by_hand() -> None:
    # Points along the equator: the geodesic is the equator itself, so the polyline's length is
    # the 1-degree value (GeographicLib: 111319.490793 m) whatever the spacing.
    lons = np.linspace(0.0, 1.0, 101)
    cum = geo.cumulative_m(np.zeros_like(lons), lons)
    assert cum[0] == 0.0
    assert cum[-1] == pytest.approx(111319.490793, abs=1e-3)
    lats = np.linspace(0.0, 1.0, 51)
    cum = geo.cumulative_m(lats, np.zeros_like(lats))
    assert cum[-1] == pytest.approx(110574.388558, abs=1e-3)


def test_bulk_agrees_with_single_distances_to_a_metre_per_100_km() -> None:
    rng = random.Random(7)
    lat, lon = 21.0, 73.0
    lats, lons = [lat], [lon]
    for _ in range(300):
        lat += rng.uniform(-0.02, 0.03)
        lon += rng.uniform(-0.02, 0.03)
        lats.append(lat)
        lons.append(lon)
    bulk = geo.cumulative_m(np.array(lats), np.array(lons))[-1]
    loop = sum(
        geo.distance_m(lats[i], lons[i], lats[i + 1], lons[i + 1]) for i in range(len(lats) - 1)
    )
    assert abs(bulk - loop) <= max(1.0, loop / 100_000.0)
