"""The bundled routes through the core: out-and-back tracking, and day totals that add up."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from companion.core.models import Fix
from companion.core.tracker import Tracker
from companion.formats import load_route
from companion.locations import bundled_routes_dir

IST = ZoneInfo("Asia/Kolkata")


def test_every_bundled_route_loads_with_ordered_unique_towns() -> None:
    files = sorted(bundled_routes_dir().glob("*.csv"))
    assert {f.stem for f in files} >= {
        "unity-run-2021",
        "baroda-delhi",
        "baramulla-uri",
        "paris-marathon",
        "mumbai-marathon",
        "satara-hill-half",
    }
    for f in files:
        r = load_route(f)
        kms = [t.km for t in r.towns]
        assert kms == sorted(kms) and kms[0] == 0.0, f.name
        assert len({t.name.casefold() for t in r.towns}) == len(r.towns)
        assert r.length_km == pytest.approx(kms[-1]), f.name
    assert load_route(bundled_routes_dir() / "paris-marathon.csv").length_km == pytest.approx(
        42.195
    )


@pytest.mark.parametrize("with_receiver_speed", [True, False])
def test_gps_on_the_mumbai_out_and_back_never_takes_the_other_pass(
    with_receiver_speed: bool,
) -> None:
    route = load_route(bundled_routes_dir() / "mumbai-marathon.csv")
    tr = Tracker(route, IST, planned_kmh=10.0)
    rng = random.Random(3)
    t0 = datetime(2024, 1, 21, 0, 30, tzinfo=UTC)
    speed_mps = 10 / 3.6
    worst = 0.0
    truth = 0.0
    i = 0
    while truth < route.length_km:
        p = route.point_at(truth)
        # About 5 m of GPS noise: 1e-5 deg latitude is 1.1 m.
        lat = p.lat + rng.uniform(-4.5e-5, 4.5e-5)
        lon = p.lon + rng.uniform(-4.5e-5, 4.5e-5) / math.cos(math.radians(p.lat))
        tr.add(
            Fix(
                t0 + timedelta(seconds=20 * i),
                lat,
                lon,
                source="gps",
                speed_mps=speed_mps if with_receiver_speed else None,
            )
        )
        worst = max(worst, abs(tr.km - truth))
        i += 1
        truth += speed_mps * 20 / 1000
    # This GPS runs on the straight lines between the towns while the route book counts road
    # km (longer): between two towns the km is approximate (the odometer of core/placement
    # measures the straight line), and exact again at each town. The other pass is kilometres
    # away in km: never near it.
    assert worst < 0.5
    assert tr.km == pytest.approx(route.length_km, abs=0.1)


def test_unity_run_day_by_day_checkpoints_add_up() -> None:
    route = load_route(bundled_routes_dir() / "unity-run-2021.csv")
    tr = Tracker(route, IST, planned_kmh=7.0, start=datetime(2021, 8, 15, 5, 30, tzinfo=IST))
    ends = [56, 104, 149, 179, 231, 298, 360, 416]  # the file's day notes
    prev = 0
    for n, km in enumerate(ends):
        day = datetime(2021, 8, 15 + n, tzinfo=IST)
        if n:
            tr.add(Fix(day.replace(hour=6), 0, 0, km=float(prev)))
        tr.add(Fix(day.replace(hour=18, minute=30), 0, 0, km=float(km)))
        prev = km
    days = tr.day_totals()
    assert [d.km for d in days] == pytest.approx([56, 48, 45, 30, 52, 67, 62, 56])
    assert sum(d.km for d in days) == pytest.approx(tr.km) == pytest.approx(416.0)
    pr = tr.progress(datetime(2021, 8, 22, 19, tzinfo=IST))
    assert pr.day_number == 8 and pr.km_today == pytest.approx(56.0)
    assert pr.km_remaining == pytest.approx(0.0)
