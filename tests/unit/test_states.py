"""What the screen says as time passes (core/states.py through Tracker.progress): due, overdue,
no entry, stopped (crew and GPS), finished. Expected values are hand arithmetic on a 100 km
route book along the equator with towns every 25 km, or a real track's own timestamps."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from helpers.real_tracks import emparis_to_its_end

from companion.core.models import Fix, RouteData, TownSpec
from companion.core.route import Route, build_route
from companion.core.states import DUE_FOR_S, finish_km, town_state
from companion.core.tracker import Tracker

IST = ZoneInfo("Asia/Kolkata")
NAN = math.nan


def book(towns: list[tuple[str, float]], length_km: float = 100.0) -> Route:
    """A route book along the equator: (name, km) towns, the path ending at `length_km`."""
    specs = [TownSpec(n, 0.0, km / 100.0, f"line {i + 2}", km) for i, (n, km) in enumerate(towns)]
    lons = [t.lon for t in specs]
    anchors = [(i, t.km or 0.0, t.where) for i, t in enumerate(specs)]
    if towns[-1][1] < length_km:
        lons.append(length_km / 100.0)
        anchors.append((len(lons) - 1, length_km, "end"))
    data = RouteData("Test road", "mem", [0.0] * len(lons), lons, [NAN] * len(lons), specs, anchors)
    return build_route(data)


@pytest.fixture
def road() -> Route:
    return book([("Start", 0), ("Alpha", 25), ("Bravo", 50), ("Charlie", 75), ("Finish", 100)])


def ist(h: int, mi: int = 0, d: int = 15) -> datetime:
    return datetime(2021, 8, d, h, mi, tzinfo=IST).astimezone(UTC)


def typed(t: datetime, km: float, route: Route, label: str = "", mark: str = "") -> Fix:
    p = route.point_at(km)
    return Fix(t, p.lat, p.lon, km=km, label=label, mark=mark)


def gps(t: datetime, km: float, route: Route, speed_kmh: float) -> Fix:
    p = route.point_at(km)
    return Fix(t, p.lat, p.lon, source="gps", speed_mps=speed_kmh / 3.6)


def two_entries(road: Route, **kw: float) -> Tracker:
    """km 0 at 06:00 and km 20 at 08:00: 10 km/h over 2 h of moving time (the ETA speed)."""
    tr = Tracker(road, IST, planned_kmh=8.0, start=ist(6), **kw)  # type: ignore[arg-type]
    tr.add(typed(ist(6), 0.0, road, "Start"))
    tr.add(typed(ist(8), 20.0, road, "km 20"))
    return tr


def test_town_state_rule() -> None:
    eta_at = ist(8, 30)
    assert town_state(eta_at, eta_at - timedelta(seconds=1)) == ("ahead", None)
    assert town_state(eta_at, eta_at) == ("due", 0.0)
    assert town_state(eta_at, eta_at + timedelta(seconds=DUE_FOR_S)) == ("due", DUE_FOR_S)
    late = eta_at + timedelta(seconds=DUE_FOR_S + 1)
    assert town_state(late, late) == ("due", 0.0)
    assert town_state(eta_at, late) == ("overdue", DUE_FOR_S + 1)
    assert town_state(None, late) == ("ahead", None)


def test_a_passed_eta_is_due_then_overdue_never_in_0_min(road: Route) -> None:
    tr = two_entries(road)
    # Alpha is 5 km on at 10 km/h: 08:30, and 22.5 s for the slowing of a one-day run (5 %/h:
    # 0.5 h x 0.05 x 0.5 / 2). Bravo 30 km on: 11:00 and 3 h x 0.05 x 3 / 2 = 13 min 30 s.
    slow_5, slow_30 = timedelta(seconds=22.5), timedelta(minutes=13, seconds=30)
    at_0820 = tr.progress(ist(8, 20))
    alpha = at_0820.towns_ahead[0]
    assert (alpha.name, alpha.state, alpha.past_eta_s) == ("Alpha", "ahead", None)
    assert alpha.eta_at == ist(8, 30) + slow_5 and alpha.eta_s == 622.5
    assert at_0820.eta_speed_basis == "recent" and at_0820.eta_speed_kmh == pytest.approx(10.0)

    at_0840 = tr.progress(ist(8, 40))
    alpha, bravo = at_0840.towns_ahead[:2]
    # The ETA keeps its time (it is not moved to "now"): due 10 minutes ago.
    assert alpha.eta_at == ist(8, 30) + slow_5 and alpha.state == "due"
    assert alpha.past_eta_s == 600.0 - 22.5
    assert bravo.eta_at == ist(11) + slow_30 and bravo.state == "ahead"
    assert bravo.eta_s == 2 * 3600 + 1200 + 810  # 13 min 30 s of slowing

    at_0855 = tr.progress(ist(8, 55))
    alpha = at_0855.towns_ahead[0]
    assert alpha.state == "overdue" and alpha.past_eta_s == 25 * 60.0 - 22.5
    assert at_0855.next_town == alpha


def test_no_entry_when_the_next_town_is_due(road: Route) -> None:
    tr = two_entries(road)
    # The next town (Alpha) is expected 30 minutes after the last entry.
    assert tr.progress(ist(8, 30)).no_entry_s is None
    p = tr.progress(ist(10, 10))
    assert p.no_entry_s == 2 * 3600 + 600.0
    assert "NO ENTRY for 2h10 (last: km 20 at 08:00)" in p.alerts


def test_no_entry_threshold_from_the_event(road: Route) -> None:
    tr = two_entries(road, no_entry_s=15 * 60.0)
    assert tr.progress(ist(8, 15)).no_entry_s is None
    p = tr.progress(ist(8, 20))
    assert p.no_entry_s == 20 * 60.0
    assert "NO ENTRY for 20 min (last: km 20 at 08:00)" in p.alerts


def test_no_entry_is_for_manual_entries_only(road: Route) -> None:
    tr = Tracker(road, IST, planned_kmh=10.0)
    tr.add(gps(ist(6), 0.0, road, 10.0))
    tr.add(gps(ist(6, 1), 10 / 60, road, 10.0))
    p = tr.progress(ist(9))
    assert p.no_entry_s is None
    assert not any(a.startswith("NO ENTRY") for a in p.alerts)
    assert any(a.startswith("STALE") for a in p.alerts)


def test_crew_stop_holds_the_etas_to_the_clock_and_go_releases_them(road: Route) -> None:
    """Needs the motion model to honour marks: "stop" stops from its own time."""
    tr = two_entries(road)
    tr.add(typed(ist(8, 10), 20.0, road, "stopped", mark="stop"))
    p = tr.progress(ist(8, 50))
    assert p.stopped_since == ist(8, 10) and p.stopped_by == "crew"
    # Resting: the ETA counts from now. Alpha 5 km at 10 km/h: 09:20 (and 22.5 s for a one-day
    # run's slowing, 0.5 h x 0.05 x 0.5 / 2), still ahead.
    slow_5 = timedelta(seconds=22.5)
    alpha = p.towns_ahead[0]
    assert alpha.eta_at == ist(9, 20) + slow_5 and alpha.state == "ahead"
    assert alpha.eta_s == 1822.5
    assert p.no_entry_s is None  # the crew said they rest: no entry is expected
    later = tr.progress(ist(11))
    assert later.towns_ahead[0].eta_at == ist(11, 30) + slow_5 and later.no_entry_s is None

    tr.add(typed(ist(9, 30), 20.0, road, "going", mark="go"))
    p = tr.progress(ist(9, 40))
    assert p.stopped_since is None and p.stopped_by is None
    # On the move from 09:30: Alpha at 10:00.
    assert p.towns_ahead[0].eta_at == ist(10) + slow_5 and p.towns_ahead[0].state == "ahead"


def test_gps_stop_slides_the_etas(road: Route) -> None:
    tr = Tracker(road, IST, planned_kmh=8.0)
    # An hour at 12 km/h, a fix a minute (0.2 km), then 40 minutes standing at km 12.
    for i in range(61):
        tr.add(gps(ist(6) + timedelta(minutes=i), 0.2 * i, road, 12.0))
    for i in range(1, 41):
        tr.add(gps(ist(7) + timedelta(minutes=i), 12.0, road, 0.0))
    p = tr.progress(ist(7, 40))
    assert p.stopped_by == "gps"
    assert p.stopped_since == ist(7)  # the last fix that was still moving
    # 13 km to Alpha at 12 km/h = 65 min from now, however long the stop lasts; a one-day run
    # slows 5 %/h: 65 min x 0.05 x (65/60 h) / 2 = 105.6 s more.
    slow = timedelta(hours=13 / 12 * 0.05 * 13 / 12 / 2)
    alpha = p.towns_ahead[0]
    assert alpha.eta_at == pytest.approx(ist(8, 45) + slow, abs=timedelta(seconds=5))
    assert alpha.state == "ahead"
    later = tr.progress(ist(9))
    assert later.towns_ahead[0].eta_at == pytest.approx(
        ist(10, 5) + slow, abs=timedelta(seconds=5)
    )


def test_a_stop_between_two_typed_entries_is_not_shown(road: Route) -> None:
    tr = two_entries(road)
    tr.add(typed(ist(9), 20.0, road, "km 20"))  # typed again an hour later, same place
    p = tr.progress(ist(9, 5))
    assert p.stopped_since is None
    # From the last entry, at 10 km/h (and 22.5 s of a one-day run's slowing).
    assert p.towns_ahead[0].eta_at == ist(9, 30) + timedelta(seconds=22.5)


def test_finished_fixes_the_clock_at_the_finish_entry(road: Route) -> None:
    tr = Tracker(road, IST, planned_kmh=10.0, start=ist(6))
    tr.add(typed(ist(6), 0.0, road, "Start"))
    tr.add(typed(ist(10), 40.0, road, "km 40"))
    tr.add(typed(ist(15, 45), 100.0, road, "Finish"))
    tr.add(typed(ist(16, 30), 100.0, road, "Finish"))  # typed again later: still 15:45
    p = tr.progress(ist(19))
    assert p.finished_at == ist(15, 45)
    # 06:00 -> 15:45 is 9 h 45 min, whatever the clock says now.
    assert p.elapsed_s_total == 9 * 3600 + 45 * 60
    assert p.elapsed_s_today == 9 * 3600 + 45 * 60
    assert p.towns_ahead == () and p.next_town is None and p.finish is None
    assert p.km_remaining == 0.0 and p.alerts == () and p.no_entry_s is None
    assert p.stopped_since is None
    next_week = tr.progress(ist(9, d=22))
    assert next_week.elapsed_s_total == p.elapsed_s_total and next_week.day_number == 1


def test_undoing_the_finish_entry_reopens_the_route(road: Route) -> None:
    tr = Tracker(road, IST, planned_kmh=10.0, start=ist(6))
    tr.add(typed(ist(6), 0.0, road))
    finish = typed(ist(16), 100.0, road, "Finish")
    tr.add(finish)
    assert tr.progress(ist(17)).finished_at == ist(16)
    assert tr.remove(finish)
    p = tr.progress(ist(17))
    assert p.finished_at is None and p.elapsed_s_total == 11 * 3600
    assert [t.name for t in p.towns_ahead] == ["Alpha", "Bravo", "Charlie", "Finish"]


def test_gps_finish_is_the_first_fix_at_the_line(road: Route) -> None:
    tr = Tracker(road, IST, planned_kmh=10.0)
    # The last 2 km at 12 km/h (0.2 km a minute): the line (km 100) at 06:10, then standing.
    for i in range(11):
        tr.add(gps(ist(6) + timedelta(minutes=i), 98.0 + 0.2 * i, road, 12.0))
    for i in range(1, 31):
        tr.add(gps(ist(6, 10) + timedelta(minutes=i), 100.0, road, 0.0))
    p = tr.progress(ist(7))
    assert p.finished_at == ist(6, 10)
    assert p.elapsed_s_total == 600.0
    assert p.stopped_since is None and p.alerts == ()


def test_finish_of_a_route_book_whose_last_town_stops_short() -> None:
    # The last town 0.15 km before the path's end is the finish: typing it finishes.
    r = book([("Start", 0), ("Middle", 50), ("Stadium", 99.85)], length_km=100.0)
    assert finish_km(r) == pytest.approx(99.85)
    tr = Tracker(r, IST, planned_kmh=10.0)
    tr.add(typed(ist(6), 0.0, r))
    tr.add(typed(ist(16), 99.85, r, "Stadium"))
    assert tr.progress(ist(17)).finished_at == ist(16)


def test_a_real_track_used_as_its_own_route_finishes_at_its_last_point(
    shared_dir: Path,
) -> None:
    """Emparis run (MyTrails, a point every 5 s): fed as GPS fixes, the finish is where the
    track ends, and elapsed time is the track's own first-to-last span."""
    track, route, first_at_end, feed = emparis_to_its_end(shared_dir)
    tr = Tracker(route, "Europe/Paris", planned_kmh=6.0)
    for f in feed[:first_at_end]:
        tr.add(f)
    assert tr.progress(track.times[first_at_end]).finished_at is None
    for f in feed[first_at_end:]:
        tr.add(f)
    end = track.times[-1]
    p = tr.progress(end + timedelta(hours=3))
    assert p.finished_at is not None
    assert abs((p.finished_at - track.times[first_at_end]).total_seconds()) <= 60.0
    assert p.elapsed_s_total == pytest.approx((p.finished_at - track.times[0]).total_seconds())
    assert p.towns_ahead == () and p.next_town is None
