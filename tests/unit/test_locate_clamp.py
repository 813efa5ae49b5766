"""`locate`'s fast path clamps the km to the window and the route by comparisons (PLACE-3), not
min(max()): the same Placement as the full search's path, which still calls min and max.

A real route (the first Kovner day, FIT) and fixes placed along it, some metres off, with a
prior km up to 50 m either side and a reach of 1-20 m: the foot often falls outside the window,
so the km is clamped to its ends (counted: the test must reach them). The reference is the same
`locate` with core/nearfast's two answers turned off (the full search); every field equal.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from companion.core import placement
from companion.core.models import Placement
from companion.core.placement import locate
from companion.formats import load_route

KOVNER_DAY1 = "corpus/eta-tracks/zach-kovner-cross-country/20061711391_ACTIVITY.fit"


def test_the_fast_paths_clamp_is_the_full_searchs(
    shared_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    route = load_route(shared_dir / KOVNER_DAY1)
    rng = np.random.default_rng(17)
    cases = []
    for _ in range(3000):
        km = float(rng.uniform(1.0, route.length_km - 1.0))
        p = route.point_at(km)
        dn, de = rng.normal(0.0, 5.0, 2)
        lat = p.lat + dn / 111_320.0
        lon = p.lon + de / (111_320.0 * math.cos(math.radians(p.lat)))
        prior = km + float(rng.uniform(-0.05, 0.05))
        reach = float(rng.uniform(0.001, 0.02))
        cases.append((lat, lon, prior, reach))
    answered = []
    real = placement.nearest_in_window
    monkeypatch.setattr(
        placement, "nearest_in_window", lambda *a: answered.append(f := real(*a)) or f
    )
    fast = [locate(route, lat, lon, prior, reach) for lat, lon, prior, reach in cases]
    assert sum(f is not None for f in answered) >= 2000  # the fast path did answer
    monkeypatch.setattr(placement, "anchored", lambda *a: None)
    monkeypatch.setattr(placement, "nearest_in_window", lambda *a: None)
    full = [locate(route, lat, lon, prior, reach) for lat, lon, prior, reach in cases]
    assert fast == full
    assert all(isinstance(p, Placement) and isinstance(p.km, float) for p in fast)
    lo_end = sum(p.km == c[2] - c[3] for p, c in zip(fast, cases, strict=True))
    hi_end = sum(p.km == c[2] + c[3] for p, c in zip(fast, cases, strict=True))
    assert lo_end >= 300 and hi_end >= 300, (lo_end, hi_end)
