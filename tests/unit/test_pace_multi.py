"""The multi-day parts of the ETA model (core/pace.py) against hand arithmetic: an athlete resting
into the usual night is up at its usual end (not on the road because the night is half over),
and after typed entries the pace for the next km is the median of the entries' intervals (the
short stops hidden inside them left out), fading into the stint pace; through a real Tracker,
and a real rider's three days (FIT files of ../shared) asked in the night."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from companion.core.models import Fix, RouteData, TownSpec
from companion.core.pace import (
    TYPED_INTERVALS,
    TYPED_MIN_INTERVALS,
    TYPED_NEAR_S,
    PaceModel,
    night_base,
    rhythm_eta,
    side_by_side,
)
from companion.core.pace_nights import Night
from companion.core.pace_priors import Shape
from companion.core.route import Route, build_route
from companion.core.tracker import Tracker
from companion.formats import load_route
from companion.formats.fit import read_fit_fixes

LA = ZoneInfo("America/Los_Angeles")
IST = ZoneInfo("Asia/Kolkata")
MULTI_BIKE = Shape(multi_day=True, on_foot=False)
# Nights from 15:40 for 17 h (to 08:40), as the rider of the bench's kovner-cascades halts.
NIGHT = Night(3 * 3600.0 + 40 * 60.0, 17 * 3600.0)


def la(d: int, h: int, mi: int = 0) -> datetime:
    return datetime(2025, 9, d, h, mi, tzinfo=LA).astimezone(UTC)


def ist(h: int, mi: int = 0) -> datetime:
    return datetime(2021, 8, 15, h, mi, tzinfo=IST).astimezone(UTC)


def test_resting_into_the_usual_night_is_up_at_its_end() -> None:
    # Halted Thursday 12:30 (3 h 10 min before the usual 15:40: not "bedtime"), asked Friday
    # 00:45: inside the night since 15:40, so up at 15:40 + 17 h = 08:40.
    assert night_base(la(12, 0, 45), la(11, 12, 30), NIGHT, LA) == la(12, 8, 40)
    # Asked Thursday 14:00, before tonight's stop: no night yet.
    assert night_base(la(11, 14), la(11, 12, 30), NIGHT, LA) == la(11, 14)
    # Halted at 16:00, near the usual hour: the usual length from then, 09:00.
    assert night_base(la(12, 0, 45), la(11, 16), NIGHT, LA) == la(12, 9)
    # Stopped at 02:00 inside the night: up and about in it (a break), not put back to bed.
    assert night_base(la(12, 3), la(12, 2), NIGHT, LA) == la(12, 3)
    # Moving: from the base.
    assert night_base(la(12, 0, 45), None, NIGHT, LA) == la(12, 0, 45)
    # A night past noon (15:40 for 21 h, to 12:40): asked at 12:10 the next day, up at 12:40.
    long_night = Night(NIGHT.stop_s, 21 * 3600.0)
    assert night_base(la(12, 12, 10), la(11, 12, 30), long_night, LA) == la(12, 12, 40)


def test_the_rhythm_of_a_rider_resting_into_the_night() -> None:
    m = PaceModel()
    m.add_credit(la(11, 8), la(11, 12), 4 * 3600.0, 80.0, True, LA)  # 20 km/h, no stops
    m.nights.append(NIGHT)
    # 10 km at 20 km/h is 30 min of riding (no stops allowed in the first hour): from 08:40,
    # 09:10 (resting since 12:30, asked at 00:45). Was 01:15: on the road from now.
    at, kmh, basis = rhythm_eta(
        m, 10.0, la(12, 0, 45), LA, planned_kmh=22.0, window=None,
        resting_since=la(11, 12, 30), shape=MULTI_BIKE,
    )  # fmt: skip
    assert at == la(12, 9, 10) and kmh == pytest.approx(20.0)
    assert basis == "stint pace, nights as seen"


def typed_hour(m: PaceModel, t0: datetime, km: float, typed: bool = True) -> datetime:
    t1 = t0 + timedelta(hours=1)
    m.add_credit(t0, t1, 3600.0 if km > 0 else 0.0, km, True, IST, typed)
    return t1


def test_the_typed_pace_is_the_median_of_the_last_entries() -> None:
    m = PaceModel()
    t = typed_hour(m, ist(6), 20.0)
    t = typed_hour(m, t, 24.0)
    assert TYPED_MIN_INTERVALS == 3 and m.typed_kmh() is None  # two intervals: too few
    t = typed_hour(m, t, 10.0)  # a stop hidden in the hour
    t = typed_hour(m, t, 0.0)  # standing still: no interval moving
    t = typed_hour(m, t, 30.0, typed=False)  # a GPS interval: not an entry's
    assert m.typed_kmh() == 20.0  # median of 20, 24, 10
    # Only the last TYPED_INTERVALS count: 10 more at 15 km/h and one at 40.
    for _ in range(TYPED_INTERVALS):
        t = typed_hour(m, t, 15.0)
    t = typed_hour(m, t, 40.0)
    assert TYPED_INTERVALS == 10 and len(m.typed) == 10
    assert m.typed_kmh() == 15.0  # nine at 15 and one at 40
    twin = m.copy()
    typed_hour(twin, t, 50.0)
    assert m.typed == [15.0] * 9 + [40.0]  # the copy is its own


def test_after_typed_entries_on_a_multi_day_event_the_entries_median_for_the_next_km() -> None:
    m = PaceModel()
    t = ist(6)
    for km in (24.0, 24.0, 12.0, 24.0, 24.0):  # 108 km in 5 h; a stop hidden in the third
        t = typed_hour(m, t, km)
    kw: dict[str, object] = {
        "recent_kmh": 12.0, "recent_basis": "recent", "planned_kmh": 22.0, "window": None,
        "resting_since": None, "typed": True,
    }  # fmt: skip
    assert TYPED_NEAR_S == 4 * 3600.0
    # 1000 km at 22 km/h: a multi-day ride. The stint 108 / 5 = 21.6 km/h; 10 km are
    # 10 / 21.6 h of it, the entries' median 24 km/h weighs exp(-(10 / 21.6) / 4).
    w = math.exp(-(10 / 21.6) / 4)
    v = w * 24.0 + (1 - w) * 21.6
    rhythm = side_by_side(m, 10.0, t, IST, route_km=1000.0, **kw)[0]  # type: ignore[arg-type]
    assert rhythm.speed_kmh == pytest.approx(v)
    assert abs((rhythm.at - (t + timedelta(hours=10 / v))).total_seconds()) < 1e-3  # type: ignore[operator]
    assert rhythm.basis == "entries' pace, nights assumed"
    # A one-day ride (150 km): the stint pace alone (one typed interval is no speed).
    one_day = side_by_side(m, 10.0, t, IST, route_km=150.0, **kw)[0]  # type: ignore[arg-type]
    assert one_day.speed_kmh == pytest.approx(21.6)
    assert one_day.basis == "stint pace"


@pytest.fixture
def road() -> Route:
    """A 100 km route book along the equator with towns every 25 km (as in test_pace)."""
    towns = [("Start", 0.0), ("Alpha", 25.0), ("Bravo", 50.0), ("Charlie", 75.0), ("Finish", 100.0)]
    specs = [TownSpec(n, 0.0, km / 100.0, f"line {i + 2}", km) for i, (n, km) in enumerate(towns)]
    anchors = [(i, t.km or 0.0, t.where) for i, t in enumerate(specs)]
    lons = [t.lon for t in specs]
    nan = float("nan")
    return build_route(RouteData("Test road", "mem", [0.0] * 5, lons, [nan] * 5, specs, anchors))


def test_typed_entries_through_the_tracker(road: Route) -> None:
    # 100 km at a planned 4 km/h is 25 h: a multi-day event on foot.
    tr = Tracker(road, IST, planned_kmh=4.0, start=ist(6))
    for h, km in ((6, 0.0), (7, 5.0), (8, 10.0), (9, 13.0), (10, 18.0)):
        p = road.point_at(km)
        tr.add(Fix(ist(h), p.lat, p.lon, km=km, label=f"km {km}"))
    alpha = tr.progress(ist(10)).towns_ahead[0]
    rhythm = alpha.eta_of("rhythm")
    assert alpha.name == "Alpha" and rhythm is not None
    # Entries 5, 5, 3 and 5 km/h: median 5. The stint 18 km in 4 h, 4.5 km/h. 7 km to Alpha:
    # 7 / 4.5 h of the stint's pace, the median weighing exp(-(7 / 4.5) / 4); no stops seen,
    # and before the assumed night at midnight.
    w = math.exp(-(7 / 4.5) / 4)
    v = w * 5.0 + (1 - w) * 4.5
    assert rhythm.speed_kmh == pytest.approx(v)
    assert abs((rhythm.at - (ist(10) + timedelta(hours=7 / v))).total_seconds()) < 1e-3  # type: ignore[operator]
    assert rhythm.basis == "entries' pace, nights assumed"
    assert alpha.eta_at == rhythm.at


KOVNER = "corpus/eta-tracks/zach-kovner-cross-country"
CASCADES_DAYS = ("20347046825", "20356199757", "20366112839")  # 10-12 Sep 2025, Washington


def test_a_real_rider_resting_into_the_night_is_up_in_the_morning(shared_dir: Path) -> None:
    # Three days of a loaded tour as one route; the first two ridden. Day 1 ends 15:40, day 2
    # begins 08:22 and ends 12:33: the night seen is day 1's halt, 16 h 41 min from 15:40.
    paths = [shared_dir / KOVNER / f"{n}_ACTIVITY.fit" for n in CASCADES_DAYS]
    routes = [load_route(p) for p in paths]
    route = build_route(RouteData(
        "cascades", "joined", [x for r in routes for x in r.lats.tolist()],
        [x for r in routes for x in r.lons.tolist()],
        [x for r in routes for x in r.elevations.tolist()], [],
    ))  # fmt: skip
    day1, day2 = read_fit_fixes(paths[0]), read_fit_fixes(paths[1])
    tr = Tracker(route, LA, planned_kmh=22.0)
    for f in day1 + day2:
        tr.add(f)
    night_s = (day2[0].time - day1[-1].time).total_seconds()
    assert 16.5 * 3600 < night_s < 17 * 3600
    # Halted at 12:33, three hours before the usual 15:40: asked in the night that follows,
    # the rider is up at 15:40 + 16 h 41 min = 08:22 tomorrow, then rides the km left (at
    # most 40 km/h). Asked any time in the night, the same answer: nothing is ridden in it.
    up = day1[-1].time + timedelta(days=1, seconds=night_s)
    to_go_h = (route.length_km - tr.km) / 40.0
    answers = set()
    for hours in (9, 12, 15, 19):  # 21:33, 00:33, 03:33, 07:33
        finish = tr.progress(day2[-1].time + timedelta(hours=hours)).finish
        rhythm = finish.eta_of("rhythm") if finish is not None else None
        assert rhythm is not None and rhythm.at is not None
        assert rhythm.at >= up - timedelta(minutes=1) + timedelta(hours=to_go_h)
        answers.add(rhythm.at)
    assert len(answers) == 1


def test_a_town_typed_among_gps_fixes_is_no_typed_interval(road: Route) -> None:
    # GPS every minute at 5 km/h; each hour the crew types the km, 0.3 km on from the last fix
    # 10 s earlier (rounded to the book). Those 10 s are no typed interval (108 km/h): four of
    # them must not become the entries' pace for the next km.
    tr = Tracker(road, IST, planned_kmh=4.0, start=ist(6))
    for i in range(4 * 60 + 1):
        t, km = ist(6) + timedelta(minutes=i), i * 5.0 / 60.0
        p = road.point_at(km)
        tr.add(Fix(t, p.lat, p.lon, source="gps"))
        if i and i % 60 == 0:
            q = road.point_at(km + 0.3)
            tr.add(Fix(t + timedelta(seconds=10), q.lat, q.lon, km=km + 0.3, label="typed"))
    rhythm = tr.progress(ist(10, 1)).towns_ahead[0].eta_of("rhythm")
    assert rhythm is not None and rhythm.speed_kmh is not None
    assert "entries' pace" not in rhythm.basis and rhythm.speed_kmh < 10.0
