"""The plausibility filter's cheap upper bound of a distance (filters.bound_m, issue 11).

The speed test accepts a fix without a geodesic when the bound is within the limit; that can
change no decision only if the bound is never below the geodesic distance. Reference: pyproj's
own `Geod(ellps="WGS84").inv` on the raw points. And on real tracks (the NMEA logs in ../shared,
with positions thrown off by generated jumps) the filter decides every fix as it does without
the shortcut.
"""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyproj import Geod

from companion.core.models import Fix
from companion.sources import filters
from companion.sources.filters import PlausibilityFilter, bound_m
from companion.sources.nmea import parse_nmea_file

SHARED = Path(__file__).resolve().parents[3] / "shared"
LOGS = sorted([*SHARED.glob("data/nmea/*.log"), *SHARED.glob("corpus/nmea/gpsd/*.log")])
GEOD = Geod(ellps="WGS84")

LAT = st.floats(-90, 90)
LON = st.floats(-180, 180)
STEP = st.floats(-0.01, 0.01)  # up to ~1 km: the 1-10 Hz case


def _geodesic(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2])


@given(LAT, LON, LAT, LON)
def test_the_bound_is_never_below_the_geodesic_anywhere(
    lat1: float, lon1: float, lat2: float, lon2: float
) -> None:
    assert bound_m(lat1, lon1, lat2, lon2) >= _geodesic(lat1, lon1, lat2, lon2)


@given(LAT, LON, STEP, STEP)
def test_the_bound_is_never_below_the_geodesic_between_near_points(
    lat: float, lon: float, dlat: float, dlon: float
) -> None:
    lat2 = max(-90.0, min(90.0, lat + dlat))
    lon2 = (lon + dlon + 180.0) % 360.0 - 180.0  # across the antimeridian too
    got, want = bound_m(lat, lon, lat2, lon2), _geodesic(lat, lon, lat2, lon2)
    assert got >= want
    if abs(lat) < 80:  # and it is tight enough to spare the geodesic at 10 Hz
        assert got <= want * 1.5 + 0.01


def _decisions(logs: list[list[Fix]], max_kmh: float) -> list[str | None]:
    out: list[str | None] = []
    for fixes in logs:  # a filter per log, as a feed has
        f = PlausibilityFilter(max_kmh=max_kmh)
        out += [f.check(fix) for fix in fixes]
    return out


@pytest.mark.skipif(not LOGS, reason=f"{SHARED} is not beside the checkout")
@pytest.mark.parametrize("max_kmh", [5.0, 30.0, 200.0])
def test_real_tracks_with_jumps_are_judged_as_with_the_geodesic_alone(max_kmh: float) -> None:
    rng = random.Random(11)
    fixes: list[list[Fix]] = []
    for path in LOGS:
        fixes.append([])
        for fix in parse_nmea_file(str(path))[0]:
            if rng.random() < 0.05:  # a corrupted sentence: metres to degrees off
                d = rng.choice([0.0005, 0.005, 0.05, 1.0])
                fix = replace(fix, lat=max(-90.0, min(90.0, fix.lat + d)), lon=fix.lon - d)
            fixes[-1].append(fix)
    calls = {"geodesic": 0}
    real_distance = filters.distance_m

    def counted(*args: float) -> float:
        calls["geodesic"] += 1
        return real_distance(*args)

    with pytest.MonkeyPatch.context() as m:
        m.setattr(filters, "distance_m", counted)
        fast = _decisions(fixes, max_kmh)
        used = calls["geodesic"]
        m.setattr(filters, "bound_m", lambda *_a: float("inf"))
        assert _decisions(fixes, max_kmh) == fast
    speeding = sum(1 for r in fast if r is not None and "faster than" in r)
    assert speeding >= 10 and fast.count(None) > 1000  # both kinds of decision were made
    assert used < 0.5 * calls["geodesic"] - used  # the shortcut spared most geodesics


def test_the_bound_goes_the_short_way_across_the_antimeridian() -> None:
    # Fiji: 179.9999 E to 179.9999 W is 22 m east, not 40,000 km west.
    want = _geodesic(-17.0, 179.9999, -17.0, -179.9999)
    assert want <= bound_m(-17.0, 179.9999, -17.0, -179.9999) <= want * 1.5
