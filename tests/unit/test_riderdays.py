"""Rider-days: a day runs from night halt to night halt. Typed entries 18:00 -> 02:30 are one day
of 170 km, not 120 + 50 (hand arithmetic); a real two-day ride (Hokkaido, 1 s GPX) in a timezone
where its first day runs past midnight splits at its own 16 h night, where the track's own
timestamps say, with each day's km from pyproj over the raw points."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from helpers.real_tracks import HOKKAIDO_DAY1, HOKKAIDO_DAY2, RealTrack, fixes, load_real_track

from companion.core.models import Fix, RouteData
from companion.core.route import build_route
from companion.core.stops import Stop
from companion.core.tracker import Tracker

IST = ZoneInfo("Asia/Kolkata")


def ist(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=IST)


def _line_route(km: float) -> RouteData:
    # A meridian line long enough for `km` (1 degree of latitude is ~110.6 km here).
    n = 50
    lats = [20.0 + i * (km / 110.0) / (n - 1) for i in range(n)]
    return RouteData("line", "test", lats, [73.0] * n, [math.nan] * n, [])


def _typed(days: str) -> Tracker:
    tr = Tracker(
        build_route(_line_route(400.0)), IST, 20.0, start=ist("2021-08-15T18:00"), days=days
    )
    entries = [  # (time, km): on the road 18:00 -> 02:30, a night halt, off again 09:00
        ("2021-08-15T18:00", 0.0),
        ("2021-08-15T20:00", 40.0),
        ("2021-08-15T22:00", 80.0),
        ("2021-08-16T00:00", 120.0),
        ("2021-08-16T02:30", 170.0),
        ("2021-08-16T09:00", 170.0),
        ("2021-08-16T12:00", 230.0),
    ]
    for at, km in entries:
        tr.add(Fix(ist(at), 0.0, 0.0, km=km))
    return tr


def test_rider_day_runs_from_night_halt_to_night_halt() -> None:
    tr = _typed("rider")
    days = tr.day_totals()
    # 18:00 -> 02:30: 170 km in 8.5 h moving; the next day from 09:00: 60 km in 3 h.
    assert [(d.date.isoformat(), d.km) for d in days] == [
        ("2021-08-15", 170.0),
        ("2021-08-16", 60.0),
    ]
    assert [d.moving_s for d in days] == [8.5 * 3600, 3 * 3600]
    p = tr.progress(ist("2021-08-16T12:00"))
    assert p.km_today == 60.0 and p.day_number == 2
    assert p.elapsed_s_today == 3 * 3600  # since 09:00, the day's start
    # At 01:00, still riding the day that began at 18:00: Day 1, km today from 18:00.
    early = _typed("rider")
    early.rebuild([f for f in early.fixes if f.time <= ist("2021-08-16T02:30")])
    p = early.progress(ist("2021-08-16T02:30"))
    assert p.day_number == 1 and p.km_today == 170.0 and p.elapsed_s_today == 8.5 * 3600


def test_calendar_days_cut_at_midnight() -> None:
    days = _typed("calendar").day_totals()
    # Split at midnight: 120 km before it, 50 + 60 after.
    assert [(d.date.isoformat(), d.km) for d in days] == [
        ("2021-08-15", 120.0),
        ("2021-08-16", 110.0),
    ]


def test_a_long_midday_rest_is_not_a_night() -> None:
    tr = Tracker(build_route(_line_route(200.0)), IST, 20.0, days="rider")
    for at, km in (("08:00", 0.0), ("11:00", 60.0), ("15:00", 60.0), ("18:00", 120.0)):
        tr.add(Fix(ist(f"2021-08-15T{at}"), 0.0, 0.0, km=km))
    assert [d.km for d in tr.day_totals()] == [120.0]


def test_real_two_day_ride_splits_at_its_night(shared_dir: Path) -> None:
    one = load_real_track(shared_dir / HOKKAIDO_DAY1)
    two = load_real_track(shared_dir / HOKKAIDO_DAY2)
    lats = np.concatenate([one.lats, two.lats]).tolist()
    lons = np.concatenate([one.lons, two.lons]).tolist()
    route = build_route(RouteData("hokkaido", "t", lats, lons, [math.nan] * len(lats), []))
    # Pacific time: day 1 (01:11-08:29 UTC) is 18:11 -> 01:29, past midnight; day 2 17:26-23:20.
    la = ZoneInfo("America/Los_Angeles")
    assert one.times[0].astimezone(la).date() != one.times[-1].astimezone(la).date()
    feed = fixes(one) + fixes(two)
    tr = Tracker(route, la, 15.0, max_kmh=80.0, days="rider")
    for f in feed:
        tr.add(f)
    days = tr.day_totals()
    assert len(days) == 2
    # Day 1 is the first file's ride; day 2 the second file's and the 1.2 km between them.
    assert days[0].date == one.times[0].astimezone(la).date()
    assert days[1].date == two.times[0].astimezone(la).date()
    assert days[0].km == pytest.approx(one.length_km, rel=0.01)
    total = tr.progress(two.times[-1]).km_total
    gap_km = total - one.length_km - two.length_km
    assert abs(gap_km) < 1.5
    assert days[1].km == pytest.approx(two.length_km + gap_km, rel=0.01)
    # The second day begins in the night between the two files (the 1.2 km between them is
    # taken at the planned speed just before the second file's first point), by its first move.
    p = tr.progress(two.times[-1])
    assert p.day_number == 2 and p.km_today == pytest.approx(days[1].km)
    began = two.times[-1].timestamp() - p.elapsed_s_today
    # The km between the files (2 km at most) are filled in at the planned 15 km/h at the end of
    # the gap: the day begins minutes before the second file's first point, not at 01:29.
    assert two.times[0].timestamp() - 8 * 60 <= began <= _first_move(two).timestamp()
    # Calendar days of the same feed cut day 1 at midnight instead.
    cal = Tracker(route, la, 15.0, max_kmh=80.0, days="calendar")
    for f in feed:
        cal.add(f)
    cal_days = cal.day_totals()
    assert cal_days[0].km < days[0].km - 5.0
    assert sum(d.km for d in cal_days) == pytest.approx(sum(d.km for d in days))


def _first_move(track: RealTrack) -> datetime:
    """The time the track first moves 50 m from its first point (pyproj over the raw points)."""
    cum = track.cum_m
    i = int(np.argmax(cum > 50.0))
    return track.times[max(i - 1, 0)]


def test_a_rider_day_past_midnight_is_still_today_on_the_screen_and_in_the_summary(
    tmp_path: Path,
) -> None:
    """At 01:00, riding the day that began at 18:00: the days table numbers it Day 1 and marks
    it today (it said "0", unmarked: the calendar date had moved on), and the summary says the
    day goes on (it said "Ended the day")."""
    from companion.app.widgets.day_totals import days_table

    tr = _typed("rider")
    tr.rebuild([f for f in tr.fixes if f.time <= ist("2021-08-16T00:00")])
    p = tr.progress(ist("2021-08-16T01:00"))
    assert p.day_number == 1 and p.today is not None and p.today.isoformat() == "2021-08-15"
    table = days_table(p, IST)
    cells = [list(c.cells) for c in table.columns]
    assert cells[0] == ["1"] and cells[1] == ["Sun 15 Aug"] and cells[5] == ["◀ today"]
    # Calendar days at the same moment: today is the 16th (no km logged on it yet at 01:00).
    cal = _typed("calendar")
    cal.rebuild([f for f in cal.fixes if f.time <= ist("2021-08-16T00:00")])
    assert cal.progress(ist("2021-08-16T01:00")).today.isoformat() == "2021-08-16"  # type: ignore[union-attr]

    # The summary, through the CLI on a real log.
    event = tmp_path / "ride.toml"
    event.write_text(
        'name = "Night ride"\nathlete = "Asha"\nroute = "baroda-delhi"\ntimezone = "Asia/Kolkata"\n'
        'planned_kmh = 20\nstart = "2021-08-15T18:00"\ndays = "rider"\n'
    )
    from companion.cli import main

    entries = [("2021-08-15T18:00", "0"), ("2021-08-15T20:00", "40"), ("2021-08-15T22:00", "80"),
               ("2021-08-16T00:30", "130")]  # fmt: skip
    for at, km in entries:
        assert main(["checkpoint", str(event), "--km", km, "--time", at]) == 0
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["summary", str(event), "--now", "2021-08-16T01:00+05:30"]) == 0
    text = out.getvalue()
    assert "Day 1 (Sun 15 Aug 2021)" in text and "130.0 km" in text
    assert "Ended the day" not in text


def test_a_stop_past_midnight_counts_on_the_rider_day_it_fell_in() -> None:
    """The days table's off-the-bike column (core/stops.py): a stop at 01:00 of a rider-day
    begun at 18:00 is that day's, not the next date's (which has no row in the table); the night
    halt from 02:30 too; a stop on the next rider-day (from 09:00) is the 16th's. Calendar days
    cut at midnight."""
    from companion.core.stops import off_bike_by_day

    def stop(n: int, start: str, minutes: int) -> Stop:
        t = ist(start)
        return Stop(n, t, t + timedelta(minutes=minutes), 0.0, "gps", "", 0.0)

    stops = [stop(1, "2021-08-15T21:00", 10), stop(2, "2021-08-16T01:00", 20),
             stop(3, "2021-08-16T02:30", 390), stop(4, "2021-08-16T10:00", 30)]  # fmt: skip
    now = ist("2021-08-16T12:00")
    rider = _typed("rider")
    by_day = off_bike_by_day(stops, IST, now, rider.day_of)
    assert {d.isoformat(): sum(t.values()) / 60 for d, t in by_day.items()} == {
        "2021-08-15": 10 + 20 + 390,
        "2021-08-16": 30,
    }
    assert set(by_day) == {d.date for d in rider.day_totals()}
    calendar = _typed("calendar")
    by_date = off_bike_by_day(stops, IST, now, calendar.day_of)
    assert {d.isoformat(): sum(t.values()) / 60 for d, t in by_date.items()} == {
        "2021-08-15": 10,
        "2021-08-16": 20 + 390 + 30,
    }


def test_a_long_gap_between_entries_ridden_through_midnight_is_no_night() -> None:
    """Entries 3.5 h apart at night (18:00, 21:00 km 60, 00:30 km 130): the 70 km between the
    last two were ridden, so there was no night's halt and the day is one, 130 km (it was cut at
    the 00:30 entry: 60 + 70 km, the second "day" dated the 16th)."""
    tr = Tracker(build_route(_line_route(400.0)), IST, 20.0, start=ist("2021-08-15T18:00"),
                 days="rider")  # fmt: skip
    for at, km in [("2021-08-15T18:00", 0.0), ("2021-08-15T21:00", 60.0),
                   ("2021-08-16T00:30", 130.0)]:  # fmt: skip
        tr.add(Fix(ist(at), 0.0, 0.0, km=km))
    days = tr.day_totals()
    assert [(d.date.isoformat(), d.km) for d in days] == [("2021-08-15", 130.0)]
    assert days[0].moving_s == 6.5 * 3600  # 3 h + 3.5 h at 20 km/h: the whole time moving
    p = tr.progress(ist("2021-08-16T01:00"))
    assert p.day_number == 1 and p.km_today == 130.0
    # A real night between entries still cuts the day: 00:30 km 130, then 08:00 km 135.
    tr.add(Fix(ist("2021-08-16T08:00"), 0.0, 0.0, km=135.0))
    assert [(d.date.isoformat(), d.km) for d in tr.day_totals()] == [
        ("2021-08-15", 130.0),
        ("2021-08-16", 5.0),
    ]
