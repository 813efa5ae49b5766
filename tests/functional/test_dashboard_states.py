"""Pilot: the dashboard says what time passing means, on a frozen clock: due, overdue and NO
ENTRY; the crew's stop and go on `s` (the footer shows the one that applies); a GPS stop;
FINISHED with the clock stopped at the finish entry.

The event: the test route book (tests/data/dashboard-route.csv: Pardi km 30, Valsad km 40,
Surat km 115), start 06:00 IST on 18 Aug, and one entry "km 16" at 08:00: 8 km/h. Hand
arithmetic: Pardi 14 km on is 1h45 at 8 km/h, and a one-day run (115 km at 8 km/h) slows 5 %/h
over the way, T x (1 + 0.05 x T / 2): 1h49m36s, due at 09:49; Valsad 24 km on, 3 h x 1.075:
3h13m30s, at 11:13.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from companion_fixtures import IST, FrozenClock, screen_text, state_at

from companion.app.app import CompanionApp, make_app
from companion.app.screens.confirm import ConfirmScreen
from companion.core.models import Fix
from companion.service import EventSession

SIZE = (80, 24)


at = state_at


@pytest.fixture
def session(state_session: EventSession) -> EventSession:
    return state_session


def app_at(session: EventSession, clock: FrozenClock) -> CompanionApp:
    return make_app(session, clock, cursor_blink=False)


async def test_due_overdue_and_no_entry(session: EventSession) -> None:
    clock = FrozenClock(at(9, 50))
    app = app_at(session, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "NEXT  Pardi  14.0 km  ETA 09:49 (due)" in text
        assert "in 0 min" not in text
        assert "! NO ENTRY for 1h50 (last: km 16 at 08:00)" in text
        clock.advance(20 * 60)  # 10:10
        app.dashboard.refresh_progress()
        await pilot.pause()
        text = screen_text(app)
        # 14 km at 8 km/h from 08:00, 1.75 h x (1 + 0.05 x 1.75 / 2) = 1h49m36s: 10:10 - 09:49:36
        # = 20 min overdue.
        assert "NEXT  Pardi  14.0 km  ETA 09:49 (overdue by 20 min)" in text
        assert "! NO ENTRY for 2h10 (last: km 16 at 08:00)" in text
        # The towns panel says it too; Valsad (11:13:30) is still ahead, in 1h04 (63.5 min).
        pardi = next(line for line in text.splitlines() if line.startswith(" Pardi "))
        assert "09:49" in pardi and "overdue by 20 min" in pardi
        valsad = next(line for line in text.splitlines() if line.startswith(" Valsad "))
        assert "11:13" in valsad and "1h04" in valsad
    session.close()


async def test_s_stops_then_goes_and_undo_takes_it_back(session: EventSession) -> None:
    """Needs the motion model to honour marks ("stop" stops from its own time)."""
    clock = FrozenClock(at(10, 10))
    app = app_at(session, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "s Stop" in screen_text(app)
        await pilot.press("s")
        await pilot.pause()
        clock.advance(40 * 60)  # 10:50
        app.dashboard.refresh_progress()
        await pilot.pause()
        text = screen_text(app)
        assert "STOPPED 40 min (crew, since 10:10)" in text
        # Resting: Pardi 14 km at 8 km/h counts from now (10:50 + 1h49m36s with the slowing),
        # no longer overdue.
        assert "NEXT  Pardi  14.0 km  ETA 12:39 (in 1h50)" in text
        assert "NO ENTRY" not in text and "OK: no alerts" in text
        assert "s Go" in text and "s Stop" not in text
        p = app.dashboard.progress
        assert p is not None and p.stopped_by == "crew"

        await pilot.press("s")
        await pilot.pause()
        text = screen_text(app)
        assert "STOPPED" not in text and "s Stop" in text
        assert "NEXT  Pardi  14.0 km  ETA 12:39 (in 1h50)" in text  # on the move from 10:50
        await pilot.press("u")
        assert isinstance(app.screen, ConfirmScreen)
        assert "going" in screen_text(app)  # it says what it will undo
        await pilot.press("y")
        await pilot.pause()
        assert "STOPPED 40 min (crew, since 10:10)" in screen_text(app)
    labels = [(e.summary, e.undone) for e in session.logbook.entries(manual_only=True)]
    assert labels[:2] == [("going (km 16.0)", True), ("stopped (km 16.0)", False)]
    session.close()


async def test_gps_stop(session: EventSession) -> None:
    # From km 16 at 08:00: 30 min at 8 km/h (the receiver says 2.22 m/s), a fix a minute,
    # to km 20 at 08:30, then standing there 30 min.
    for i in range(1, 61):
        km, speed = (16 + 4 * i / 30, 8 / 3.6) if i <= 30 else (20.0, 0.0)
        pos = session.route.point_at(km)
        t = at(8) + timedelta(minutes=i)
        assert session.add_feed_fix(Fix(t, pos.lat, pos.lon, source="gpsd", speed_mps=speed), t)
    session.flush()
    app = app_at(session, FrozenClock(at(9)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "STOPPED 30 min (GPS, since 08:30)" in text
        # Pardi is about 10 km on at about 8 km/h (this route book is drawn town to town: the
        # km between towns come from the distance the GPS moved, so they are approximate).
        p = app.dashboard.progress
        assert p is not None and p.next_town is not None and p.eta_speed_kmh is not None
        assert p.next_town.name == "Pardi" and p.next_town.km_to_go == pytest.approx(10, abs=0.8)
        assert p.eta_speed_kmh == pytest.approx(8.0, rel=0.08)
        # Stopped: the ETA counts from now (09:00), not from the last fix: the main one (the
        # athlete's rhythm, at its stint pace with no stops seen yet) and the recent-pace one.
        main = p.next_town.eta_of("rhythm")
        assert main is not None and main.speed_kmh == pytest.approx(8.0, rel=0.08)
        # A one-day run slows 5 %/h over the way: T x (1 + 0.05 x T / 2).
        t = p.next_town.km_to_go / main.speed_kmh
        travel = timedelta(hours=t * (1 + 0.05 * t / 2))
        assert p.next_town.eta_at is not None
        assert abs(p.next_town.eta_at - (at(9) + travel)) < timedelta(milliseconds=1)
        recent = p.next_town.eta_of("recent")
        recent_travel = timedelta(hours=p.next_town.km_to_go / p.eta_speed_kmh)
        assert recent is not None and recent.at == at(9) + recent_travel
        assert f"ETA {(at(9) + travel).astimezone(IST):%H:%M}" in text
        assert "s Go" in text  # s toggles what the screen says: the crew may override it
    session.close()


async def test_finished(session: EventSession) -> None:
    clock = FrozenClock(at(10, 50))
    app = app_at(session, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c", *"Surat", "enter")
        await pilot.pause()
        await pilot.press("enter")  # 99 km in 2h50 is no runner's pace: confirm it
        await pilot.pause()
        clock.advance(3 * 3600)
        app.dashboard.refresh_progress()
        await pilot.pause()
        text = screen_text(app)
        # 06:00 to 10:50, three hours ago.
        assert "FINISHED  115.0 km in 4h50 (Wed 18 Aug 10:50)" in text
        assert "No towns ahead: the route is done." in text
        assert "NEXT" not in text and "s Stop" not in text and "s Go" not in text
        await pilot.press("s")  # hidden after the finish: nothing is logged
        await pilot.pause()
    newest = next(e.summary for e in session.logbook.entries(manual_only=True))
    assert newest == "Surat (km 115.0)"
    session.close()
