"""Terrain in the ETA model (core/pace_terrain.py): the route's climbing (a rise counts once
5 m above the last low), the factor of the climbing ahead against the climbing done, by hand;
a real hilly track's climbing between bounds read from its raw heights; the ETA through the
Tracker says so."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from helpers.real_tracks import EMPARIS_RUN

from companion.core.models import Fix, RouteData, TownSpec
from companion.core.pace import PaceModel, rhythm_eta
from companion.core.pace_priors import Shape, event_shape, on_foot
from companion.core.pace_terrain import (
    ASCENT_HYSTERESIS_M,
    TERRAIN_KM_PER_100M,
    TERRAIN_KM_PER_100M_BIKE,
    climb_profile,
    terrain_factor,
)
from companion.core.route import Route, build_route
from companion.core.tracker import Tracker
from companion.formats import load_route

IST = ZoneInfo("Asia/Kolkata")


def hill_route(heights: list[float], name: str = "Hill") -> Route:
    """Points 1 km apart along the equator (0.008993 deg of longitude is about 1001 m) with
    these heights; towns at the ends."""
    lons = [i * 0.008993 for i in range(len(heights))]
    towns = [TownSpec("Start", 0.0, 0.0, "start"), TownSpec("End", 0.0, lons[-1], "end")]
    data = RouteData(name, "mem", [0.0] * len(lons), lons, heights, towns)
    return build_route(data)


def test_climbing_counts_a_rise_once_past_the_wobble() -> None:
    assert ASCENT_HYSTERESIS_M == 5.0
    # Up 100 m, wobbling 3 m (not climbing), down 50, up 60: 100 + 60 = 160 m.
    route = hill_route([0, 50, 100, 97, 100, 97, 50, 110, 110])
    climb = climb_profile(route)
    assert climb is not None
    km = route.cum_m / 1000.0
    assert climb.between(0.0, float(km[-1])) == pytest.approx(160.0)
    assert climb.between(0.0, float(km[2])) == pytest.approx(100.0)
    assert climb.between(float(km[2]), float(km[6])) == pytest.approx(0.0)
    # Half way up the last rise: 30 of its 60 m.
    mid = float((km[6] + km[7]) / 2)
    assert climb.between(float(km[6]), mid) == pytest.approx(30.0)
    assert climb_profile(route) is climb  # once per route


def test_a_route_without_heights_has_no_terrain() -> None:
    route = hill_route([math.nan] * 5)
    assert climb_profile(route) is None
    assert terrain_factor(None, 3.0, 5.0) == 1.0


def test_the_climbing_ahead_against_the_climbing_done_by_hand() -> None:
    assert TERRAIN_KM_PER_100M == 0.15
    # 10 flat km done, 10 km ahead climbing 1000 m: (1 + 0.0015 x 1000 / 10) / 1 = 1.15.
    route = hill_route([0.0] * 11 + [100.0 * i for i in range(1, 11)])
    climb = climb_profile(route)
    assert climb is not None
    km = route.cum_m / 1000.0
    done, end = float(km[10]), float(km[20])
    expect = 1 + 0.0015 * 1000 / (end - done)
    assert terrain_factor(climb, done, end) == pytest.approx(expect)
    # Done climbing 1000 m in 10 km, 10 flat km ahead: 1 / 1.15, quicker than the pace so far.
    back = hill_route([100.0 * i for i in range(11)] + [1000.0] * 10)
    climb = climb_profile(back)
    assert climb is not None
    km = back.cum_m / 1000.0
    ratio = terrain_factor(climb, float(km[10]), float(km[20]))
    assert ratio == pytest.approx(1 / (1 + 0.0015 * 1000 / float(km[10])))
    # Under 1 km done: no ratio yet.
    assert terrain_factor(climb, 0.5, 5.0) == 1.0


def test_on_a_bike_a_climb_costs_more_of_the_flat() -> None:
    assert TERRAIN_KM_PER_100M_BIKE == 0.5
    # 10 flat km done, 10 km ahead climbing 1000 m: on a bike 1 + 0.005 x 1000 / 10 = 1.5,
    # on foot (and by default) 1.15.
    route = hill_route([0.0] * 11 + [100.0 * i for i in range(1, 11)])
    climb = climb_profile(route)
    assert climb is not None
    km = route.cum_m / 1000.0
    done, end = float(km[10]), float(km[20])
    assert terrain_factor(climb, done, end, on_foot=False) == pytest.approx(
        1 + 0.005 * 1000 / (end - done)
    )
    assert terrain_factor(climb, done, end, on_foot=True) == pytest.approx(
        1 + 0.0015 * 1000 / (end - done)
    )
    assert terrain_factor(climb, done, end) == terrain_factor(climb, done, end, on_foot=True)
    # Done 1000 m up in 10 km, 10 flat km ahead: quicker by 1 / (1 + 0.005 x 1000 / 10) = 1 / 1.5.
    back = hill_route([100.0 * i for i in range(11)] + [1000.0] * 10)
    climb = climb_profile(back)
    assert climb is not None
    km = back.cum_m / 1000.0
    ratio = terrain_factor(climb, float(km[10]), float(km[20]), on_foot=False)
    assert ratio == pytest.approx(1 / (1 + 0.005 * 1000 / float(km[10])))


def test_the_cost_of_a_climb_by_the_kind_of_event() -> None:
    # 20 km at 20 km/h is a ride; at 8 km/h a run; without a speed, not known: the foot's.
    assert not on_foot(event_shape(20.0, 20.0))
    assert on_foot(event_shape(20.0, 8.0))
    assert on_foot(None) and on_foot(Shape(multi_day=True, on_foot=True))


def test_the_rhythm_eta_takes_the_terrain() -> None:
    m = PaceModel()
    t0 = datetime(2021, 8, 15, 6, tzinfo=IST).astimezone(UTC)
    t1 = t0 + timedelta(hours=2)
    m.add_credit(t0, t1, 7200.0, 20.0, True, IST)  # 10 km/h, no stops
    # 10 km at 10 km/h is 1 h; climbing 15 % more: 1 h 09 min.
    at, _, basis = rhythm_eta(
        m, 10.0, t1, IST, planned_kmh=9.0, window=None, resting_since=None, terrain=1.15
    )
    assert at == t1 + timedelta(minutes=69) and basis == "stint pace, climbing"


def test_through_the_tracker_the_climb_ahead_slows_the_eta() -> None:
    # 10 flat km, then 10 km climbing 1000 m to the end; a GPS fix a minute at 10 km/h.
    route = hill_route([0.0] * 11 + [100.0 * i for i in range(1, 11)])
    tr = Tracker(route, IST, planned_kmh=20.0)  # a ride by the plan: no runner's slowing...
    t0 = datetime(2021, 8, 15, 6, tzinfo=IST).astimezone(UTC)
    km = route.cum_m / 1000.0
    flat_end = float(km[10])
    for i in range(61):
        at_km = flat_end * i / 60
        p = route.point_at(at_km)
        tr.add(Fix(t0 + timedelta(minutes=i), p.lat, p.lon, source="gps", speed_mps=None))
    now = t0 + timedelta(hours=1)
    end = tr.progress(now).towns_ahead[-1]
    rhythm = end.eta_of("rhythm")
    assert rhythm is not None and rhythm.at is not None and "climbing" in rhythm.basis
    pace = rhythm.speed_kmh
    assert pace is not None
    # ... but a one-day ride's 5 %/h: T = to_go / pace x the climb (a bike's 0.5 km of flat
    # per 100 m up: x 1.5), then T x (1 + 0.05 T / 2).
    t = end.km_to_go / pace * (1 + 0.005 * 1000 / (float(km[20]) - tr.km))
    expect = now + timedelta(hours=t * (1 + 0.05 * t / 2))
    assert abs((rhythm.at - expect).total_seconds()) < 2.0


def _raw_heights(path: Path) -> np.ndarray:
    heights = []
    for _event, elem in ET.iterparse(path, events=("end",)):
        if elem.tag.rsplit("}", 1)[-1] == "trkpt":
            ele = [c.text for c in elem if c.tag.rsplit("}", 1)[-1] == "ele"]
            if ele and ele[0] is not None:
                heights.append(float(ele[0]))
            elem.clear()
    return np.asarray(heights, dtype=float)


def test_a_real_mountain_runs_climbing_lies_between_its_raw_bounds(shared_dir: Path) -> None:
    path = shared_dir / EMPARIS_RUN
    route = load_route(path)
    climb = climb_profile(route)
    assert climb is not None
    total = climb.between(0.0, route.length_km)
    raw = _raw_heights(path)
    # At most every rise of the raw heights; at least the way from the start up to the highest
    # point (less one wobble), and from the lowest point before it.
    upper = float(np.clip(np.diff(raw), 0, None).sum())
    top = int(np.argmax(raw))
    lower = float(raw[top] - raw[: top + 1].min()) - ASCENT_HYSTERESIS_M
    assert lower > 1000.0  # a mountain run: the bound means something
    assert lower <= total <= upper
