"""Pilot: the crew's keys on a frozen clock. `s` then one digit tags the stop (and a GPS stop
offers the same picker), S lists the stops (tag, note, untag), f / w log "ate" / "drank" and the
feeding timers come due and overdue as the clock is driven, h shows the handover card and n logs
the outgoing shift's note. Every entry is read back by a fresh session (what a restart shows).

The event: the test route book (tests/data/dashboard-route.csv: Vapi km 14, Pardi km 30, Valsad
km 40), start 06:00 IST on 18 Aug, one entry "km 16" at 08:00; eat every 45 min, drink every 20.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from companion_fixtures import IST, ROUTE_CSV, FrozenClock, screen_text

from companion.app.app import CompanionApp, make_app
from companion.app.screens.handover import HandoverScreen
from companion.app.screens.note import NoteScreen
from companion.app.screens.stops import StopsScreen
from companion.core.models import Fix
from companion.crew import Crew
from companion.event import Event, write_event
from companion.service import EventSession

SIZE = (80, 24)


def at(h: int, mi: int = 0) -> datetime:
    return datetime(2021, 8, 18, h, mi, tzinfo=IST)


@pytest.fixture
def paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "route.csv").write_bytes(ROUTE_CSV.read_bytes())
    event = Event("Crew Run", "Test Athlete", "route.csv", "Asia/Kolkata", 8.0,
                  start=datetime(2021, 8, 18, 6, 0))  # fmt: skip
    event = write_event(event, tmp_path / "event.toml")
    with event.path.open("a", encoding="utf-8") as f:
        f.write("\n[feeding]\neat_every_min = 45\ndrink_every_min = 20\n")
    db = tmp_path / "event.sqlite"
    with EventSession.open(event.path, db) as s:
        s.checkpoint("km 16", "2021-08-18T08:00", at(8))
    return event.path, db


@pytest.fixture
def session(paths: tuple[Path, Path]) -> EventSession:
    return EventSession.open(*paths)


def app_at(session: EventSession, clock: FrozenClock) -> CompanionApp:
    return make_app(session, clock, cursor_blink=False)


def reopened(paths: tuple[Path, Path], now: datetime) -> Crew:
    return Crew(EventSession.open(*paths, readonly=True))


async def test_s_then_one_digit_tags_the_stop(
    session: EventSession, paths: tuple[Path, Path]
) -> None:
    clock = FrozenClock(at(8, 30))
    app = app_at(session, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "tag it" not in screen_text(app)
        await pilot.press("3")  # no stop to tag: nothing happens, nothing is logged
        await pilot.press("s")
        await pilot.pause()
        text = screen_text(app)
        assert "STOP 08:30 · tag it: 1 food 2 sleep 3 mechanical" in text
        await pilot.press("3")
        await pilot.pause()
        text = screen_text(app)
        assert "tag it" not in text and "Stop 1: mechanical" in text
        clock.advance(20 * 60)
        await pilot.press("s")  # going again: the stop was 20 min, still mechanical
        await pilot.pause()
    now = at(8, 50)
    (stop,) = reopened(paths, now).stops(now)
    assert (stop.tag_name, stop.start, stop.end) == ("mechanical", at(8, 30), at(8, 50))
    assert stop.where == "km 16.0" or stop.where.startswith("Vapi")


async def test_a_detected_gps_stop_offers_the_picker(
    session: EventSession, paths: tuple[Path, Path]
) -> None:
    # GPS every 5 s at 8 km/h from km 16, then standing at km 17 for 3 min.
    t, km = at(8, 0), 16.0
    for _ in range(90):
        t, km = t + timedelta(seconds=5), km + 8.0 * 5 / 3600
        pos = session.route.point_at(km)
        session.add_feed_fix(Fix(t.astimezone(UTC), pos.lat, pos.lon, source="gpsd"), t)
    halt = t
    for _ in range(36):
        t += timedelta(seconds=5)
        pos = session.route.point_at(km)
        session.add_feed_fix(Fix(t.astimezone(UTC), pos.lat, pos.lon, source="gpsd"), t)
    session.flush()
    clock = FrozenClock(t)
    app = app_at(session, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "tag it: 1 food" in text
        assert "gpsd" in text and "just now" in text  # the freshness line
        # Vapi (km 14) was passed by the typed km 16 at 08:00; the GPS fixes since are beyond it.
        assert "last town Vapi 08:00" in text
        clock.advance(60)
        app.dashboard.refresh_progress()
        await pilot.pause()
        assert "1 min ago" in screen_text(app) and "last town Vapi 08:00" in screen_text(app)
        await pilot.press("5")
        await pilot.pause()
        assert "tag it" not in screen_text(app)
    (stop,) = reopened(paths, t).stops(t)
    assert stop.by == "gps" and stop.tag_name == "toilet"
    assert abs((stop.start - halt).total_seconds()) <= 60  # the motion's own start


async def test_a_feeding_timer_comes_due_as_the_clock_runs(
    session: EventSession, paths: tuple[Path, Path]
) -> None:
    clock = FrozenClock(at(8, 30))
    app = app_at(session, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # Nothing logged since the start at 06:00: eat fell due at 06:45, drink at 06:20.
        assert "eat OVERDUE 1h45 · drink OVERDUE 2h10" in screen_text(app)
        await pilot.press("f")
        assert isinstance(app.screen, NoteScreen)
        await pilot.press(*"banana", "enter")
        await pilot.press("w", "enter")  # drank, nothing said
        await pilot.pause()
        text = screen_text(app)
        assert "eat in 45 min · drink in 20 min" in text
        assert "EAT" not in text and "DRINK" not in text
        clock.advance(19 * 60)  # 08:49
        app.dashboard.refresh_progress()
        await pilot.pause()
        assert "drink in 1 min" in screen_text(app)
        clock.advance(2 * 60)  # 08:51: drink due since 08:50 (for 5 min: a quarter of 20)
        app.dashboard.refresh_progress()
        await pilot.pause()
        text = screen_text(app)
        assert "drink DUE" in text and "DRINK due (last: 08:30)" in text
        clock.advance(10 * 60)  # 09:01
        app.dashboard.refresh_progress()
        await pilot.pause()
        text = screen_text(app)
        assert "drink OVERDUE 11 min" in text and "eat in 14 min" in text
    got = reopened(paths, at(9)).entries().fed
    assert [(f.kind, f.what, f.at) for f in got] == [
        ("eat", "banana", at(8, 30)),
        ("drink", "", at(8, 30)),
    ]


async def test_S_lists_the_stops_and_tags_notes_and_untags(
    session: EventSession, paths: tuple[Path, Path]
) -> None:
    session.mark("stop", "2021-08-18T08:10", at(8, 10))
    session.mark("go", "2021-08-18T08:40", at(8, 40))
    session.checkpoint("km 24", "2021-08-18T09:40", at(9, 40))
    session.mark("stop", "2021-08-18T09:45", at(9, 45))
    clock = FrozenClock(at(10, 0))
    app = app_at(session, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("S")
        await pilot.pause()
        assert isinstance(app.screen, StopsScreen)
        text = screen_text(app)
        assert "08:10" in text and "30 min" in text and "15 min" in text
        await pilot.press("2")  # the newest, selected first: sleep
        await pilot.press("up", "1")  # the first: food
        await pilot.press("n", *"dal rice", "enter")
        await pilot.pause()
        text = screen_text(app)
        assert "food (crew)" in text and "dal rice" in text and "sleep (crew)" in text
        assert "Off the bike" in text and "45 min: food 30 min · sleep 15 min" in text
        await pilot.press("down", "x")  # the newest's tag taken back
        await pilot.pause()
        assert "sleep (crew)" not in screen_text(app) and "untagged (crew)" in screen_text(app)
        await pilot.press("escape")
        await pilot.press("d")  # the days table's off-bike column
        await pilot.pause()
        assert "food 30 min" in screen_text(app)
    stops = reopened(paths, at(10)).stops(at(10))
    assert [(s.tag_name, s.tag.note if s.tag else "") for s in stops] == [
        ("food", "dal rice"),
        ("untagged", ""),
    ]


async def test_h_shows_the_handover_and_n_logs_the_note(
    session: EventSession, paths: tuple[Path, Path]
) -> None:
    session.mark("stop", "2021-08-18T08:10", at(8, 10))
    session.mark("go", "2021-08-18T08:40", at(8, 40))
    session.checkpoint("Pardi", "2021-08-18T10:00", at(10, 0))
    clock = FrozenClock(at(10, 5))
    app = app_at(session, clock)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, HandoverScreen)
        text = screen_text(app)
        assert "shift since 06:00 (start of the event)" in text
        # km 0 -> 30 (Pardi); moving: 06:00-08:10 and 08:40-10:00 = 3h30 of 4h05.
        assert "Shift: 30.0 km · on the move 3h30 of 4h05" in text
        assert "1. 08:10-08:40 30 min" in text
        assert "last town Pardi 10:00" in text and "Valsad 10.0 km" in text
        await pilot.press("n", *"knee sore", "enter")
        await pilot.pause()
        assert "shift since 10:05 (last handover)" in screen_text(app)
        assert "Last shift's note (10:05): knee sore" in screen_text(app)
    (h,) = reopened(paths, at(10, 5)).entries().handovers
    assert (h.at, h.note) == (at(10, 5), "knee sore")


async def test_the_help_lists_the_crew_keys(session: EventSession) -> None:
    app = app_at(session, FrozenClock(at(8, 30)))
    async with app.run_test(size=(100, 50)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        text = screen_text(app)
        for line in ("1-6      tag the stop", "S        the stops", "f / w    the athlete ate",
                     "h        the shift handover"):  # fmt: skip
            assert line in text
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Stops", "Ate", "Drank", "Handover"} <= titles  # the command palette too


@pytest.mark.parametrize("size", [(80, 24), (110, 34), (120, 40)])
async def test_the_tag_picker_keeps_every_key_on_a_narrow_line(
    session: EventSession, size: tuple[int, int]
) -> None:
    """A stop begun yesterday ("STOP Wed 08:30") in the left pane at 80 and 120 columns: the
    picker shortens its words rather than cut off "6 other" (it did, as the demo showed)."""
    clock = FrozenClock(at(8, 30))
    app = app_at(session, clock)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press("s")
        clock.advance(22 * 3600)  # still stopped the next morning, untagged
        app.dashboard.refresh_progress()
        await pilot.pause()
        screen = screen_text(app)
        lines = [t for t in screen.splitlines() if "STOP Wed 08:30" in t]
        assert lines, screen  # at 110 columns a long first line wrapped and pushed it out
        line = lines[0]
        keys = "1 food 2 sleep 3 mech 4 medic 5 toilet 6 other" if size[0] != 110 else (
            "1 food 2 sleep 3 mech 4 med 5 wc 6 other"  # the left pane is ~56 columns there
        )
        assert keys in line, line
