"""An event with fixed data and a frozen clock, for the Pilot and snapshot tests.

Two days on a small route book (tests/data/dashboard-route.csv): day 1 Bhilad → km 36 with a
break at Pardi; day 2 from km 36 at 06:00 and one GPS fix at 06:20. The clock stands at day 2,
06:40 IST, so the GPS fix is 20 min old (a STALE alert) and Valsad (km 40) is the next town.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from companion.app.app import CompanionApp, make_app
from companion.core.models import Fix
from companion.event import Event, write_event
from companion.service import EventSession

ROUTE_CSV = Path(__file__).resolve().parents[1] / "data" / "dashboard-route.csv"
IST = ZoneInfo("Asia/Kolkata")
NOW = datetime(2021, 8, 19, 6, 40, tzinfo=IST)

DAY_1 = [
    ("Bhilad", "2021-08-18T06:00"),
    ("Vapi", "2021-08-18T07:50"),
    ("Pardi", "2021-08-18T10:00"),
    ("Pardi", "2021-08-18T11:00"),
    ("km 36", "2021-08-18T11:45"),
]
DAY_2 = [("km 36", "2021-08-19T06:00")]


class FrozenClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Setup:
    event_path: Path
    db_path: Path
    clock: FrozenClock

    def open(self) -> EventSession:
        return EventSession.open(self.event_path, self.db_path)

    def app(self, session: EventSession) -> CompanionApp:
        return make_app(session, self.clock, cursor_blink=False)


def write_fixed_event(folder: Path) -> Setup:
    """Write the event and its log (the same every time) into `folder`."""
    route = folder / "route.csv"
    route.write_bytes(ROUTE_CSV.read_bytes())
    event = Event(
        name="Test Run",
        athlete="Test Athlete",
        route="route.csv",
        timezone="Asia/Kolkata",
        planned_kmh=7.5,
        start=datetime(2021, 8, 18, 6, 0),
    )
    event = write_event(event, folder / "event.toml")
    clock = FrozenClock()
    setup = Setup(event.path, folder / "event.sqlite", clock)
    session = setup.open()
    try:
        for text, at in DAY_1 + DAY_2:
            session.checkpoint(text, at, clock())
        pos = session.route.point_at(37.5)
        gps = Fix(
            datetime(2021, 8, 19, 6, 20, tzinfo=IST).astimezone(UTC),
            pos.lat,
            pos.lon,
            source="gps",
            speed_mps=2.0,
        )
        session.add_feed_fix(gps, clock())
        session.flush()
    finally:
        session.close()
    return setup


def screen_text(app: CompanionApp) -> str:
    """The plain text of what the terminal shows now (the top screen composited)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def manual_entries(session: EventSession) -> Iterator[tuple[str, bool]]:
    """(summary, undone) of every manual fix in the log, newest first."""
    for e in session.logbook.entries():
        if e.kind == "fix" and e.source == "manual":
            yield e.summary, e.undone


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Setup:
    """The fixed event in tmp_path, with the data dir there too."""
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path / "data"))
    return write_fixed_event(tmp_path)


@pytest.fixture
def session(setup: Setup) -> Iterator[EventSession]:
    s = setup.open()
    yield s
    s.close()


def state_run(folder: Path) -> EventSession:
    """The test route book's event (Pardi km 30, Valsad km 40, Surat km 115), start 06:00 IST on
    18 Aug 2021, and one entry "km 16" at 08:00: 8 km/h (test_dashboard_states' hand arithmetic)."""
    (folder / "route.csv").write_bytes(ROUTE_CSV.read_bytes())
    event = Event("State Run", "Test Athlete", "route.csv", "Asia/Kolkata", 8.0,
                  start=datetime(2021, 8, 18, 6, 0))  # fmt: skip
    event = write_event(event, folder / "event.toml")
    s = EventSession.open(event.path, folder / "event.sqlite")
    s.checkpoint("km 16", "2021-08-18T08:00", datetime(2021, 8, 18, 8, 0, tzinfo=IST))
    return s


def state_at(h: int, mi: int = 0) -> datetime:
    """A time of `state_run`'s day, 18 Aug 2021 IST."""
    return datetime(2021, 8, 18, h, mi, tzinfo=IST)


@pytest.fixture
def state_session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> EventSession:
    """`state_run` in a fresh folder, its data directory there too."""
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path / "data"))
    return state_run(tmp_path)
