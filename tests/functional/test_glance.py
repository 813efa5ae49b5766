"""Issue 13, the 2-second glance, with Pilot on the fixed event (companion_fixtures): the FEED
line keeps the state and the age, notifications never cover the ETA columns, `q Quit` is always
in the footer, the two averages are named, a terminal below 60x20 gets one plain message, and
the checkpoint form's examples and confirmations are of this route."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from companion_fixtures import FrozenClock, Setup, screen_text
from textual.widgets import Input
from textual.widgets._toast import Toast

from companion import render
from companion.app.app import make_app
from companion.app.screens.checkpoint import CheckpointScreen
from companion.app.screens.dashboard import DashboardScreen
from companion.app.screens.too_small import TooSmallScreen
from companion.app.values import FeedView
from companion.app.widgets.footer import choose
from companion.event import Event, redact, write_event
from companion.locations import bundled_routes_dir
from companion.logsetup import configure
from companion.service import EventSession

LONG_URL = "https://crew:pw-9Q2x@tracker.example.org:8443/api/v1/devices/" + "a1b2c3d4" * 8


def feed_line(app: object) -> str:
    """The FEED line of the left column (at 120 columns the right column follows a │)."""
    rows = screen_text(app).splitlines()  # type: ignore[arg-type]
    return next(r for r in rows if r.lstrip().startswith("FEED ")).split("│")[0]


def footer_line(app: object) -> str:
    return screen_text(app).splitlines()[-1]  # type: ignore[arg-type]


# --- the FEED line ----------------------------------------------------------------------------
@pytest.mark.parametrize("cols", [60, 80, 120])
async def test_the_feed_line_keeps_state_and_age_and_cuts_the_url_in_the_middle(
    setup: Setup, session: EventSession, cols: int
) -> None:
    shown = redact(LONG_URL)
    assert "pw-9Q2x" not in shown  # what a source hands the widget (Source.url_redacted)
    app = setup.app(session)
    async with app.run_test(size=(cols, 24)) as pilot:
        app.dashboard.feed = FeedView(shown, "reconnecting", "connection refused", rejected=2)
        await pilot.pause()
        line = feed_line(app)
    # The fixture's last position is a GPS fix at 06:20, 20 min before the frozen clock.
    assert "RECONNECTING" in line and "20 min ago" in line, line
    assert line.rstrip().endswith("ago") or line.rstrip().endswith("(gps)"), line
    assert "…" in line and shown[:8] in line and shown[-3:] in line  # start and end, middle cut
    if cols >= 80:
        assert shown[:17] in line  # the host's start, beside the state and the age
    assert len(line.rstrip()) <= cols


# --- notifications ----------------------------------------------------------------------------
def _eta_rows(app: object, names: tuple[str, ...]) -> dict[str, str]:
    rows = {}
    for r in screen_text(app).splitlines():  # type: ignore[arg-type]
        for name in names:
            if r.strip("│ ").startswith(name):
                rows[name] = r
    return rows


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_notifications_never_cover_the_eta_columns(
    setup: Setup, session: EventSession, size: tuple[int, int]
) -> None:
    towns = ("Chikhli", "Navsari", "Surat (finish)")
    app = setup.app(session)
    async with app.run_test(size=size) as pilot:
        before = _eta_rows(app, towns)
        assert set(before) == set(towns)
        # Three at once, as a crew may raise them: a warning, an error and an information.
        app.notify("Feed lost: no data for 30 s, reconnecting", title="Feed", severity="warning")
        app.notify("cannot log it: disk full", title="Log", severity="error")
        app.notify("Saved: Vapi (km 14.0) at 2021-08-19 06:40", title="Checkpoint")
        await pilot.pause()
        after = _eta_rows(app, towns)
        text = screen_text(app)
        assert not list(app.screen.query(Toast))  # no toast drawn over anything
    assert after == before  # every ETA row whole, to the last column
    # The newest two show on the notice line, in words ("!" for the error, not colour alone).
    assert "! Log: cannot log it: disk full" in text
    assert "Checkpoint: Saved: Vapi (km 14.0) at 2021-08-19 06:40" in text


async def test_the_notices_go_to_the_log_file_too(
    setup: Setup, session: EventSession, tmp_path: Path
) -> None:
    log = tmp_path / "run.log"
    configure(1, str(log), screen=True)  # `companion -v --log run.log run EVENT`
    try:
        app = setup.app(session)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("c", *"km 38", "enter")
            await pilot.pause()
    finally:
        configure(0, None)
    text = log.read_text()
    assert "INFO companion.app: Checkpoint: Saved: km 38.0 at 2021-08-19 06:40" in text, text


# --- the footer -------------------------------------------------------------------------------
async def test_q_quit_and_help_always_fit_the_footer_at_80_columns(
    setup: Setup, session: EventSession
) -> None:
    app = setup.app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        line = footer_line(app)
        assert "q Quit" in line and "? Help" in line and "c Checkpoint" in line
        # Other parts add keys: say three more, with long names. q and ? stay; what has no
        # room waits in the help screen and the palette.
        for key, name in (("h", "Handover"), ("f", "Fed/drank"), ("x", "Something long")):
            app.dashboard._bindings.bind(key, f"app.bell_{key}", name)
        app.dashboard.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        line = footer_line(app)
        assert "q Quit" in line and "? Help" in line, line
        assert "Something long" not in line
        await pilot.press("q")
    assert app.return_code == 0


async def test_the_palette_key_shows_when_there_is_room(
    setup: Setup, session: EventSession
) -> None:
    app = setup.app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "^p palette" in footer_line(app) and "q Quit" in footer_line(app)
    app = setup.app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        line = footer_line(app)
        assert "q Quit" in line and "^p palette" not in line  # `?` says ctrl+p opens it


def test_choose_keeps_the_pinned_keys_and_the_order() -> None:
    keys = [("a", 10), ("b", 30), ("c", 5), ("help", 8), ("quit", 8)]
    assert choose(keys, 40) == ["a", "help", "quit"]  # c would fit but does not jump b
    assert choose(keys, 16) == ["help", "quit"]
    assert choose(keys, 100) == ["a", "b", "c", "help", "quit"]


# --- the two averages -------------------------------------------------------------------------
async def test_the_recent_pace_and_today_s_average_are_named(
    setup: Setup, session: EventSession
) -> None:
    app = setup.app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        line = next(r for r in screen_text(app).splitlines() if r.lstrip().startswith("now "))
        p = app.dashboard.progress
    assert p is not None and p.speed_avg_kmh is not None
    # Today: km 36 at 06:00 to the GPS fix at km 37.5 at 06:20, 1.5 km in 20 min = 4.5 km/h.
    assert f"today avg {4.5:.1f} km/h" in line, line
    assert f"recent {p.speed_avg_kmh:.1f} km/h" in line
    assert " avg " not in line.replace("today avg", "")  # no bare "avg" left


def test_status_text_and_json_name_the_two_averages(setup: Setup, session: EventSession) -> None:
    p = session.progress(setup.clock())
    assert p.speed_avg_kmh is not None
    text = render.status_text(session.event, p)
    # Today, by hand as above: 1.5 km in 20 min = 4.5 km/h.
    want = f"recent {p.speed_avg_kmh:.1f} km/h (last 30 min moving), today avg 4.5 km/h"
    assert want in text, text
    doc = render.status_json(session.event, p)
    assert doc["speed_recent_kmh"] == doc["speed_avg_kmh"] == round(p.speed_avg_kmh, 2)
    assert doc["speed_today_kmh"] == pytest.approx(4.5)


# --- too small --------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(59, 24), (80, 19), (40, 10)])
async def test_below_60x20_one_plain_message_and_back(
    setup: Setup, session: EventSession, size: tuple[int, int]
) -> None:
    app = setup.app(session)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen)
        text = " ".join(screen_text(app).split())
        want = f"terminal too small: needs 60×20 (now {size[0]}×{size[1]})"  # noqa: RUF001
        assert want in text
        assert "KM TODAY" not in text
        await pilot.press("c")  # the dashboard's keys wait under it
        assert isinstance(app.screen, TooSmallScreen)
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert "KM TODAY" in screen_text(app) and "q Quit" in footer_line(app)
        await pilot.resize_terminal(*size)
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen)
        await pilot.press("q")
    assert app.return_code == 0


async def test_60x20_is_the_dashboard(setup: Setup, session: EventSession) -> None:
    app = setup.app(session)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert isinstance(app.screen, DashboardScreen)
    for part in ("KM TODAY", "NEXT  Valsad  2.5 km  ETA", "Surat (finish)", "FEED ", "q Quit"):
        assert part in text, part
    # The speeds line gives way by whole parts (the units, then the elapsed time), not mid-word.
    speeds = next(r for r in text.splitlines() if r.lstrip().startswith("now "))
    assert speeds.rstrip().endswith("today avg 4.5 km/h  moving 20 min"), speeds


# --- the checkpoint form ----------------------------------------------------------------------
def _book_towns(path: Path) -> list[str]:
    rows = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln[:1] != "#"]
    return [r["name"] for r in csv.DictReader(rows)]


@pytest.mark.parametrize("route", ["mumbai-marathon", "paris-marathon", "baramulla-uri"])
async def test_the_form_s_example_is_a_town_of_this_route(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, route: str
) -> None:
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path / "data"))
    book = bundled_routes_dir() / f"{route}.csv"
    towns = _book_towns(book)  # read with csv, not our route loader
    start = datetime(2024, 1, 21, 5, 0)
    event = write_event(Event(name=route, athlete="A", route=route, timezone="Asia/Kolkata",
                              planned_kmh=10.0, start=start), tmp_path / "e.toml")  # fmt: skip
    clock = FrozenClock(datetime(2024, 1, 21, 6, 0, tzinfo=ZoneInfo("Asia/Kolkata")))
    with EventSession.open(event.path, tmp_path / "e.sqlite") as session:
        app = make_app(session, clock, cursor_blink=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("c")
            form = app.screen
            assert isinstance(form, CheckpointScreen)
            placeholder = form.query_one("#where", Input).placeholder
    assert placeholder in towns[1:], (placeholder, towns)  # the next town, not the start
    assert placeholder != "Valsad" or "Valsad" in towns


async def test_a_km_entry_is_confirmed_without_an_empty_label(
    setup: Setup, session: EventSession
) -> None:
    app = setup.app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c", *"km 38", "enter")
        await pilot.pause()
        text = screen_text(app)
    assert "Saved: km 38.0 at 2021-08-19 06:40" in text, text
    assert "Saved: (" not in text
