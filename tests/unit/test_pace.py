"""The athlete model (core/pace.py) piece by piece, against hand arithmetic: a stint's pace, the
stop allowance (20 % stopped turns 1 h of riding into 1 h 15), a night learned from the
athlete's own halt, day_hours and the plan before there is history; then through the Tracker:
typed checkpoints use the history of entries, not one interval, and a copy is independent."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from companion.core.eta import DayWindow
from companion.core.models import Fix, RouteData, TownSpec
from companion.core.pace import (
    ALLOWANCE_PRIOR_S,
    NO_STOPS_S,
    STINT_MIN_S,
    PaceModel,
    rhythm_eta,
)
from companion.core.pace_nights import NIGHT_GRACE_S
from companion.core.route import Route, build_route
from companion.core.tracker import Tracker

IST = ZoneInfo("Asia/Kolkata")


def ist(h: int, mi: int = 0, d: int = 15) -> datetime:
    return datetime(2021, 8, d, h, mi, tzinfo=IST).astimezone(UTC)


def move(m: PaceModel, t0: datetime, minutes: float, km: float) -> datetime:
    t1 = t0 + timedelta(minutes=minutes)
    m.add_credit(t0, t1, minutes * 60.0, km, True, IST)
    return t1


def rest(m: PaceModel, t0: datetime, minutes: float) -> datetime:
    t1 = t0 + timedelta(minutes=minutes)
    m.add_credit(t0, t1, 0.0, 0.0, True, IST)
    return t1


def eta_of(m: PaceModel, km: float, base: datetime, **kw: object) -> datetime | None:
    at, _kmh, _basis = rhythm_eta(
        m, km, base, IST,
        planned_kmh=kw.get("planned_kmh"),  # type: ignore[arg-type]
        window=kw.get("window"),  # type: ignore[arg-type]
        resting_since=kw.get("resting_since"),  # type: ignore[arg-type]
    )  # fmt: skip
    return at


def test_the_pace_of_the_current_stint() -> None:
    m = PaceModel()
    t = move(m, ist(6), 60, 20.0)  # 20 km/h
    t = rest(m, t, 30)  # a meal: the stint ends
    t = move(m, t, 5 * 60, 80.0)  # 16 km/h since, for 5 h (more than STINT_MIN_S)
    assert STINT_MIN_S == 4 * 3600.0
    assert m.pace_kmh() == pytest.approx(16.0)
    assert m.moving_km == pytest.approx(100.0) and m.moving_s == pytest.approx(6 * 3600)
    assert m.event_kmh() == pytest.approx(100 / 6)


def test_a_short_stint_is_topped_up_with_the_events_pace() -> None:
    m = PaceModel()
    t = move(m, ist(6), 60, 20.0)
    t = rest(m, t, 30)
    move(m, t, 15, 4.0)  # 16 km/h for 15 min only
    # Event: 24 km in 1.25 h = 19.2 km/h; 3 h 45 of it tops the stint up to 4 h:
    # (4 + 19.2 * 3.75) km / 4 h = 19.0 km/h.
    assert m.pace_kmh() == pytest.approx(19.0)


def test_a_stop_allowance_of_20_percent_turns_1_h_of_riding_into_1_h_15() -> None:
    m = PaceModel()
    t = ist(6)
    for _ in range(12):  # 9 h moving at 10 km/h, a 15-min stop after every 45 min: 3 h stopped
        t = move(m, t, 45, 7.5)
        t = rest(m, t, 15)  # shorter than a stint break: the usual stops
    t = move(m, t, 0.001, 0.0)  # moving again: the last stop is over
    # Seen: 12 h of day per 9 h moving; with ALLOWANCE_PRIOR_S (3 h moving, no stops) added:
    # (3 + 12) / (3 + 9) = 1.25, 75 min of the day for every 60 moving (20 % stopped).
    assert ALLOWANCE_PRIOR_S == 3 * 3600.0
    assert m.allowance() == pytest.approx(1.25, abs=1e-6)
    assert m.pace_kmh() == pytest.approx(10.0, abs=1e-3)
    # 20 km is 2 h of riding: the first hour ahead without stops (NO_STOPS_S), then 1 h 15.
    assert NO_STOPS_S == 3600.0
    at, kmh, basis = rhythm_eta(m, 20.0, t, IST, planned_kmh=7.0, window=None, resting_since=None)
    assert at is not None and abs(at - (t + timedelta(hours=2, minutes=15))) < timedelta(seconds=2)
    assert kmh == pytest.approx(10.0, abs=1e-3) and basis == "stint pace + 20 % stops"
    # A town 10 km on, within the hour: no stop expected before it.
    one = eta_of(m, 10.0, t)
    assert one is not None and abs(one - (t + timedelta(hours=1))) < timedelta(seconds=1)


def test_early_on_the_allowance_is_shrunk_towards_no_stops() -> None:
    m = PaceModel()
    t = move(m, ist(6), 30, 5.0)
    t = rest(m, t, 15)
    move(m, t, 30, 5.0)
    # Seen 75 min of day for 60 moving (1.25); weighed with 3 h moving without stops:
    # (180 + 75) / (180 + 60) = 1.0625.
    assert m.allowance() == pytest.approx(255 / 240)


def test_no_stops_seen_no_allowance_and_a_stop_going_on_is_not_counted_yet() -> None:
    m = PaceModel()
    t = move(m, ist(6), 60, 10.0)
    rest(m, t, 40)  # still resting: not in the allowance until it ends
    assert m.allowance() == 1.0
    assert eta_of(m, 10.0, t) == t + timedelta(hours=1)


def night_model() -> PaceModel:
    """Day 1 on the road 08:00-18:00 at 10 km/h, the night 18:00 to 06:00, an hour on day 2."""
    m = PaceModel()
    t = move(m, ist(8), 600, 100.0)
    t = rest(m, t, 12 * 60)
    move(m, t, 60, 10.0)
    return m


def test_a_night_is_learned_from_the_athletes_own_halt() -> None:
    m = night_model()
    night = m.usual_night()
    assert night is not None
    assert night.stop_s == 6 * 3600.0 and night.length_s == 12 * 3600.0  # 18:00, 12 h
    assert m.allowance() == 1.0  # the night is not a stop to allow for every hour
    assert m.pace_kmh() == pytest.approx(10.0)
    # 17:30 on day 2, 10 km (1 h) to go: 30 min before the halt, 30 min after 06:00.
    assert eta_of(m, 10.0, ist(17, 30, d=16)) == ist(6, 30, d=17)
    # 3 km ahead at 18:30, still on the road after the usual stop: this evening, not tomorrow.
    assert NIGHT_GRACE_S >= 18 * 60
    assert eta_of(m, 3.0, ist(18, 30, d=16)) == ist(18, 48, d=16)
    # Resting since 18:00, now 20:00: up at 06:00 after the usual 12 h, there at 07:00.
    at = eta_of(m, 10.0, ist(20, d=16), resting_since=ist(18, d=16))
    assert at == ist(7, d=17)


def test_day_hours_then_the_plan_before_there_is_history() -> None:
    m = PaceModel()
    window = DayWindow(time(6), time(19), IST)
    # No moving yet: the plan, 7 km/h; 14 km = 2 h from 18:00 inside 06:00-19:00 hours.
    at = eta_of(m, 14.0, ist(18), planned_kmh=7.0, window=window)
    assert at == ist(7, d=16)
    assert eta_of(m, 14.0, ist(18), planned_kmh=7.0) == ist(20)
    assert eta_of(m, 14.0, ist(18)) is None  # no plan, no history: no ETA
    # Once moving, the stint's pace inside the day hours.
    t = move(m, ist(17), 60, 10.0)
    assert eta_of(m, 20.0, t, planned_kmh=7.0, window=window) == ist(7, d=16)


def test_copy_is_independent() -> None:
    m = night_model()
    twin = m.copy()
    move(twin, ist(8, d=16), 60, 30.0)
    rest(twin, ist(19, d=16), 11 * 60)  # 19:00 to 06:00: a second night
    move(twin, ist(6, d=17), 10, 1.0)
    assert len(m.nights) == 1 and m.pace_kmh() == pytest.approx(10.0)
    assert len(twin.nights) == 2


@pytest.fixture
def road() -> Route:
    """A 100 km route book along the equator with towns every 25 km (as in test_states)."""
    towns = [("Start", 0.0), ("Alpha", 25.0), ("Bravo", 50.0), ("Charlie", 75.0), ("Finish", 100.0)]
    specs = [TownSpec(n, 0.0, km / 100.0, f"line {i + 2}", km) for i, (n, km) in enumerate(towns)]
    anchors = [(i, t.km or 0.0, t.where) for i, t in enumerate(specs)]
    lons = [t.lon for t in specs]
    nan = float("nan")
    return build_route(RouteData("Test road", "mem", [0.0] * 5, lons, [nan] * 5, specs, anchors))


def typed(t: datetime, km: float, route: Route, mark: str = "") -> Fix:
    p = route.point_at(km)
    return Fix(t, p.lat, p.lon, km=km, label=f"km {km}", mark=mark)


def test_checkpoints_use_the_history_of_entries(road: Route) -> None:
    tr = Tracker(road, IST, planned_kmh=8.0, start=ist(6))
    tr.add(typed(ist(6), 0.0, road))
    tr.add(typed(ist(7), 10.0, road))
    tr.add(typed(ist(8), 30.0, road))
    tr.add(typed(ist(8, 30), 35.0, road))  # the last interval alone: 10 km/h
    p = tr.progress(ist(8, 30))
    bravo = p.towns_ahead[0]
    assert bravo.name == "Bravo" and bravo.eta_kind == "rhythm"
    recent, rhythm, plan = (bravo.eta_of(k) for k in ("recent", "rhythm", "plan"))
    assert recent is not None and rhythm is not None and plan is not None
    # Recent pace: the 30-min window holds the last interval only, 10 km/h: 15 km in 1h30.
    assert recent.speed_kmh == pytest.approx(10.0) and recent.at == ist(10)
    # The stint since the start: 35 km in 2.5 h = 14 km/h, no stops seen: 15 km in 64m17s at
    # that pace; a one-day event on foot (100 km at 8 km/h), slowing 5 %/h over the way:
    # t (1 + 0.05 t / 2) with t = 15/14 h, 66m00s. The typed entries' last interval is no
    # recent GPS speed: the stint pace alone.
    assert rhythm.speed_kmh == pytest.approx(14.0)
    t = 15 / 14
    assert rhythm.at == ist(8, 30) + timedelta(hours=t * (1 + 0.05 * t / 2))
    assert rhythm.basis == "stint pace, slowing"
    assert bravo.eta_at == rhythm.at and bravo.speed_kmh == rhythm.speed_kmh
    # The plan: 8 km/h, 15 km in 1h52m30s.
    assert plan.at == ist(8, 30) + timedelta(hours=15 / 8)
    # A late entry replays the state: the model follows (the first hour was 5 km, not 10).
    tr.add(typed(ist(6, 30), 5.0, road))
    again = tr.progress(ist(8, 30)).towns_ahead[0].eta_of("rhythm")
    assert again is not None and again.at == rhythm.at  # same km and moving time in total
