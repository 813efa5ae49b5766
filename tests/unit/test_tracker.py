"""Tracker: progress, speeds, ETAs, daily totals and manual positions, with hand-computed values."""

from __future__ import annotations

import math
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from companion.core.models import Fix, PositionError, RouteData, TownSpec
from companion.core.route import Route, build_route
from companion.core.tracker import Tracker
from companion.sources.manual import parse_position, parse_time

IST = ZoneInfo("Asia/Kolkata")
NAN = math.nan


@pytest.fixture
def road() -> Route:
    """A 100 km route book along the equator: towns every 25 km."""
    towns = [
        TownSpec(n, 0.0, lon, f"line {i + 2}", km)
        for i, (n, lon, km) in enumerate(
            [
                ("Start", 0.0, 0.0),
                ("Alpha", 0.25, 25.0),
                ("Bravo", 0.5, 50.0),
                ("Charlie", 0.75, 75.0),
                ("Finish Line", 1.0, 100.0),
            ]
        )
    ]
    data = RouteData(
        "Test road",
        "mem",
        [0.0] * 5,
        [t.lon for t in towns],
        [NAN] * 5,
        towns,
        [(i, t.km or 0.0, t.where) for i, t in enumerate(towns)],
    )
    return build_route(data)


def ist(y: int, mo: int, d: int, h: int, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=IST).astimezone(UTC)


def at_km(
    route: Route, t: datetime, km: float, source: str = "gps", speed_mps: float | None = None
) -> Fix:
    p = route.point_at(km)
    return Fix(t, p.lat, p.lon, source=source, speed_mps=speed_mps)


def test_no_history_uses_planned_speed(road: Route) -> None:
    tr = Tracker(road, IST, planned_kmh=10.0)
    now = ist(2021, 8, 15, 6)
    pr = tr.progress(now)
    assert pr.km_total == 0.0 and pr.km_remaining == pytest.approx(100.0)
    assert pr.eta_speed_basis == "plan" and pr.eta_speed_kmh == 10.0
    assert pr.next_town is not None and pr.next_town.name == "Alpha"
    assert pr.next_town.eta_at == now + timedelta(hours=2.5)
    assert [t.name for t in pr.towns_ahead] == ["Alpha", "Bravo", "Charlie", "Finish Line"]
    assert pr.finish is not None and pr.finish.km_to_go == pytest.approx(100.0)


def test_gps_fixes_progress_and_eta_across_a_long_stop(road: Route) -> None:
    tr = Tracker(road, IST, planned_kmh=8.0)
    t0 = ist(2021, 8, 15, 6)
    # 2 h at 12 km/h with a fix a minute (0.2 km a minute), then a 40-minute crew break.
    for i in range(121):
        tr.add(at_km(road, t0 + timedelta(minutes=i), 0.2 * i, speed_mps=12 / 3.6))
    for i in range(1, 41):
        tr.add(at_km(road, t0 + timedelta(minutes=120 + i), 24.0, speed_mps=0.0))
    now = t0 + timedelta(minutes=160)
    pr = tr.progress(now)
    assert pr.km_total == pytest.approx(24.0, abs=0.01)
    # The break does not dilute the speed: still 12 km/h over recent moving time.
    assert pr.eta_speed_basis == "recent"
    assert pr.eta_speed_kmh == pytest.approx(12.0, rel=1e-3)
    assert pr.moving_s_today == pytest.approx(7200.0)
    assert pr.elapsed_s_today == pytest.approx(160 * 60.0)
    assert pr.speed_now_kmh == pytest.approx(0.0)
    # Stopped: the ETA counts from now. 1 km to Alpha at 12 km/h = 5 minutes.
    assert pr.next_town is not None and pr.next_town.name == "Alpha"
    assert pr.next_town.km_to_go == pytest.approx(1.0, abs=0.01)
    assert pr.next_town.eta_s == pytest.approx(300.0, abs=2.0)
    assert pr.next_town.speed_kmh == pytest.approx(12.0, rel=1e-3)
    finish = pr.towns_ahead[-1]
    assert finish.name == "Finish Line"
    # 76 km at 12 km/h, T = 6 h 20; a one-day run slows 5 %/h ahead: T x (1 + 0.05 x T / 2).
    t = 76 / 12
    expect = now + timedelta(hours=t * (1 + 0.05 * t / 2))
    assert finish.eta_at == pytest.approx(expect, abs=timedelta(seconds=5))


def test_moving_eta_counts_from_the_last_fix(road: Route) -> None:
    tr = Tracker(road, IST, planned_kmh=10.0)
    t0 = ist(2021, 8, 15, 6)
    tr.add(Fix(t0, 0.0, 0.0, km=0.0))
    tr.add(Fix(t0 + timedelta(hours=2), 0.0, 0.0, km=20.0))  # 10 km/h, manual
    pr = tr.progress(t0 + timedelta(hours=2, minutes=15))
    # Still moving at the last checkpoint: Alpha (5 km) is due half an hour after it, and
    # 22.5 s for the slowing of a one-day run (0.5 h x 0.05 x 0.5 / 2).
    assert pr.next_town is not None
    assert pr.next_town.eta_at == t0 + timedelta(hours=2, minutes=30, seconds=22.5)
    assert pr.next_town.eta_s == pytest.approx(15 * 60.0 + 22.5)


def test_daily_totals_split_at_local_midnight(road: Route) -> None:
    tr = Tracker(road, IST, planned_kmh=20.0)
    start = ist(2021, 8, 15, 23, 0)
    # Riding through midnight IST (18:30 UTC) at 20 km/h with a fix every 7 minutes.
    for i in range(0, 121, 7):
        tr.add(at_km(road, start + timedelta(minutes=i), 20.0 * i / 60.0, speed_mps=20 / 3.6))
    days = tr.day_totals()
    assert [d.date.isoformat() for d in days] == ["2021-08-15", "2021-08-16"]
    # 23:00-00:00 is 20 km; the interval 23:56-00:03 is split 4:3 at midnight.
    assert days[0].km == pytest.approx(20.0, abs=1e-6)
    assert days[1].km == pytest.approx(tr.km - 20.0, abs=1e-6)
    assert sum(d.km for d in days) == pytest.approx(tr.km)
    assert days[0].moving_s == pytest.approx(3600.0)
    assert days[0].avg_kmh == pytest.approx(20.0)


def test_overnight_halt_progress_goes_to_the_new_day(road: Route) -> None:
    tr = Tracker(road, IST, planned_kmh=5.0)
    tr.add(Fix(ist(2021, 8, 15, 7), 0, 0, km=0.0))
    tr.add(Fix(ist(2021, 8, 15, 19), 0, 0, km=53.0))
    tr.add(Fix(ist(2021, 8, 16, 8), 0, 0, km=60.0))  # first entry of the morning
    tr.add(Fix(ist(2021, 8, 16, 18), 0, 0, km=98.0))
    days = tr.day_totals()
    assert [(d.km, d.first_km, d.last_km) for d in days] == [(53.0, 0.0, 53.0), (45.0, 53.0, 98.0)]
    pr = tr.progress(ist(2021, 8, 16, 18, 30))
    assert pr.km_today == 45.0 and pr.km_total == 98.0 and pr.day_number == 2


def test_manual_positions_of_each_kind(road: Route) -> None:
    tr = Tracker(road, IST, planned_kmh=6.0)
    now = ist(2021, 8, 15, 12)
    town = parse_position("bravo", road, tr.km, now - timedelta(hours=3))
    assert town.km == 50.0 and town.label == "Bravo"
    tr.add(town)
    plus = parse_position("+5", road, tr.km, now - timedelta(hours=2))
    assert plus.km == 55.0 and plus.label == "+5 km"
    tr.add(plus)
    marker = parse_position("km 60.5", road, tr.km, now - timedelta(hours=1))
    assert marker.km == 60.5
    tr.add(marker)
    # 0.7 deg east on the equator: Charlie is at 0.75 deg = km 75, Bravo 0.5 = km 50.
    pos = parse_position("0.0, 0.7", road, tr.km, now)
    assert pos.km == pytest.approx(70.0, abs=0.01)
    tr.add(pos)
    # A checkpoint entered late, with an earlier time, is put in its place.
    late = parse_position("km 58", road, tr.km, now - timedelta(hours=1, minutes=30))
    tr.add(late)
    assert [f.km for f in tr.fixes] == [50.0, 55.0, 58.0, 60.5, pytest.approx(70.0, abs=0.01)]
    assert tr.km == pytest.approx(70.0, abs=0.01)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Bravoo", "not a town on Test road. Did you mean: Bravo"),
        ("km 170", r"km 170 is beyond the route \(0 to 100.0 km\)"),
        ("+80", "km 130 is beyond the route"),
        ("1.0, 0.5", "110.6 km from the route"),  # 1 deg of latitude: 110.57 km
        ("", "empty entry"),
        # Meant as a km or a +km, said so (they read "... is not a town on Test road").
        ("km -5", r"^km -5: a km is 0 to 100.0 km \(u undoes the last entry\)$"),
        ("-3", r"^-3: a km is 0 to 100.0 km"),
        ("km 5.5.5", r"^'km 5.5.5': the km as a number, e.g. km 171$"),
        ("+abc", r"^'\+abc': the km since the last entry as a number, e.g. \+5$"),
    ],
)
def test_bad_manual_entries(road: Route, text: str, message: str) -> None:
    now = ist(2021, 8, 15, 12)
    with pytest.raises(PositionError, match=message):
        parse_position(text, road, 50.0, now)


def test_accent_and_prefix_matching(road: Route) -> None:
    now = ist(2021, 8, 15, 12)
    assert parse_position("  BRÁVO ", road, None, now).label == "Bravo"
    assert parse_position("fin", road, None, now).label == "Finish Line"
    assert parse_position("C", road, None, now).label == "Charlie"
    with pytest.raises(PositionError, match="needs an earlier position"):
        parse_position("+3", road, None, now)


def test_parse_time() -> None:
    now = ist(2021, 8, 15, 12, 0)
    assert parse_time("09:30", now, IST) == ist(2021, 8, 15, 9, 30)
    assert parse_time("2021-08-14T18:00", now, IST) == ist(2021, 8, 14, 18)
    assert parse_time("2021-08-14T12:30:00Z", now, IST) == datetime(2021, 8, 14, 12, 30, tzinfo=UTC)
    assert parse_time(None, now, IST) == now
    # HH:MM is its latest past occurrence: 13:00 typed at 12:00 is yesterday's.
    assert parse_time("13:00", now, IST) == ist(2021, 8, 14, 13, 0)
    with pytest.raises(PositionError, match="in the future"):
        parse_time("2021-08-15T13:00", now, IST)
    with pytest.raises(PositionError, match="use HH:MM"):
        parse_time("noonish", now, IST)


def test_off_route_gps_fix_is_flagged_and_does_not_move(road: Route) -> None:
    tr = Tracker(road, IST, planned_kmh=10.0)
    t0 = ist(2021, 8, 15, 6)
    tr.add(at_km(road, t0, 10.0))
    # 0.1 deg of latitude is 11.1 km north of a 27.8 km town-to-town leg: beyond its corridor
    # (a quarter of the leg, 6.9 km); 5.5 km off would still be on a road between the towns.
    p = tr.add(Fix(t0 + timedelta(minutes=5), 0.1, 0.1, source="gps"))
    assert p.off_route
    pr = tr.progress(t0 + timedelta(minutes=5))
    assert pr.off_route and pr.km_total == pytest.approx(10.0, abs=0.01)
    assert any("OFF ROUTE" in a for a in pr.alerts)
    assert any("STALE" in a for a in tr.progress(t0 + timedelta(hours=1)).alerts)


def test_update_state_stays_bounded_over_a_day_of_1hz_fixes(road: Route) -> None:
    # The per-fix work must not grow with history: the speed window keeps at most its span of
    # intervals, and the projection looks only near the last km (checked by the benchmark for
    # time; here for the structures that would grow).
    tr = Tracker(road, IST, planned_kmh=10.0, window_s=600.0)
    t0 = ist(2021, 8, 15, 6)
    for i in range(20_000):
        tr.add(at_km(road, t0 + timedelta(seconds=i), i * 0.003, speed_mps=3.0))
    assert len(tr._window) <= 601
    # Between the towns of this route book the km come from the distance moved: a few metres
    # off the book's (its km are shorter than the straight line, so the distance is shrunk).
    assert tr.km == pytest.approx(59.997, abs=0.05)


def test_night_halt_then_gps_with_speed_is_not_moving_time(road: Route) -> None:
    tr = Tracker(road, IST, planned_kmh=8.0)
    evening = ist(2021, 8, 15, 18)
    for i in range(61):  # 18:00-19:00 at 9 km/h, a fix a minute
        tr.add(at_km(road, evening + timedelta(minutes=i), 0.15 * i, speed_mps=2.5))
    # Next morning the first GPS fix already carries a running speed, 20 m on.
    morning = ist(2021, 8, 16, 6)
    tr.add(at_km(road, morning, 9.02, speed_mps=2.5))
    for i in range(1, 11):
        tr.add(at_km(road, morning + timedelta(minutes=i), 9.02 + 0.1 * i, speed_mps=1.67))
    pr = tr.progress(morning + timedelta(minutes=10))
    assert pr.moving_s_today == pytest.approx(600.0)  # the night is not moving time
    assert pr.elapsed_s_today == pytest.approx(600.0)
    # Yesterday's 9 km/h does not leak into this morning's 6 km/h average.
    assert pr.speed_avg_kmh == pytest.approx(6.0, rel=1e-3)


def test_late_entries_and_removals_equal_a_fresh_replay(
    road: Route, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Snapshots every 7 fixes so a short test crosses many of them.
    import random

    from companion.core import runstate

    monkeypatch.setattr(runstate, "SNAPSHOT_EVERY", 7)
    rng = random.Random(5)
    t0 = ist(2021, 8, 15, 6)
    live = Tracker(road, IST, planned_kmh=8.0)
    fixes = []
    for i in range(300):
        f = at_km(road, t0 + timedelta(minutes=2 * i), 0.25 * i, speed_mps=2.1)
        live.add(f)
        fixes.append(f)
    for _ in range(40):
        if rng.random() < 0.5:  # a checkpoint typed in late
            minute = rng.randrange(0, 600)
            f = Fix(t0 + timedelta(minutes=minute, seconds=30), 0, 0, km=0.25 * minute / 2)
            live.add(f)
            fixes.append(f)
        else:  # an entry undone
            f = fixes.pop(rng.randrange(len(fixes)))
            assert live.remove(f)
    fresh = Tracker(road, IST, planned_kmh=8.0)
    fresh.rebuild(fixes)
    now = t0 + timedelta(hours=11)
    assert live.progress(now) == fresh.progress(now)
    assert live.day_totals() == fresh.day_totals()
    assert not live.remove(Fix(now, 0, 0, km=1.0))


def test_day_window_skips_the_nights_by_hand() -> None:
    from companion.core.eta import DayWindow

    w = DayWindow(time(6, 0), time(19, 0), IST)
    # 5 h from 17:00: 2 h today, 3 h from 06:00 tomorrow.
    assert w.advance(ist(2021, 8, 15, 17), 5 * 3600) == ist(2021, 8, 16, 9)
    # Starting at night: from 06:00 next morning.
    assert w.advance(ist(2021, 8, 15, 22), 3600) == ist(2021, 8, 16, 7)
    assert w.advance(ist(2021, 8, 16, 4), 3600) == ist(2021, 8, 16, 7)
    # 30 h of moving at 13 h a day: two full days and 4 h of the third.
    assert w.advance(ist(2021, 8, 15, 6), 30 * 3600) == ist(2021, 8, 17, 10)
    assert w.advance(ist(2021, 8, 15, 6), 13 * 3600) == ist(2021, 8, 15, 19)


def test_eta_of_a_multi_day_event_skips_the_nights(road: Route) -> None:
    from companion.core.eta import DayWindow

    tr = Tracker(road, IST, planned_kmh=5.0, day_window=DayWindow(time(6), time(18), IST))
    tr.add(Fix(ist(2021, 8, 15, 6), 0, 0, km=0.0))
    tr.add(Fix(ist(2021, 8, 15, 16), 0, 0, km=50.0))  # 5 km/h, moving at 16:00
    pr = tr.progress(ist(2021, 8, 15, 16))
    # The finish is 50 km on at 5 km/h = 10 h: 2 h today, 8 h tomorrow from 06:00.
    assert pr.finish is not None and pr.finish.eta_at == ist(2021, 8, 16, 14)
    assert pr.next_town is not None and pr.next_town.name == "Charlie"
    assert pr.next_town.eta_at == ist(2021, 8, 16, 9)  # 25 km = 5 h: 2 h today, 3 h tomorrow
