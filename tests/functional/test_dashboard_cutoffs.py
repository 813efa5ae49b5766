"""Pilot: a town's cut-off on the dashboard (the next-town line, the towns panel with its cut-off
column, red when the ETA misses it) and on the towns screen `t` with the pace it needs.

The event: the test route book with a cutoff column added (Pardi km 30 by 09:30, Valsad km 40
by 13:00), start 06:00 IST on 18 Aug, one entry "km 16" at 08:00. Hand arithmetic at 08:00:
Pardi is 14 km on with 1 h 30 left, 9.33 km/h over the clock; the athlete has moved all of the
2 h so far, so the moving pace needed is the same. At 8 km/h of history no ETA makes 09:30.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from companion_fixtures import IST, ROUTE_CSV, FrozenClock, screen_text

from companion.app.app import make_app
from companion.event import Event, write_event
from companion.service import EventSession

CUTOFFS = {"Pardi": "2021-08-18T09:30", "Valsad": "2021-08-18T13:00"}


@pytest.fixture
def session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> EventSession:
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path / "data"))
    rows = []
    for line in ROUTE_CSV.read_text().splitlines():
        if line.startswith("name,"):
            line += ",cutoff"
        elif not line.startswith("#"):
            line += "," + CUTOFFS.get(line.split(",")[0], "")
        rows.append(line)
    (tmp_path / "route.csv").write_text("\n".join(rows) + "\n")
    event = Event(
        "Cut-off Run", "Test Athlete", "route.csv", "Asia/Kolkata", 8.0,
        start=datetime(2021, 8, 18, 6, 0),
    )  # fmt: skip
    event = write_event(event, tmp_path / "event.toml")
    s = EventSession.open(event.path, tmp_path / "event.sqlite")
    s.checkpoint("km 16", "2021-08-18T08:00", datetime(2021, 8, 18, 8, 0, tzinfo=IST))
    return s


async def test_cut_offs_on_the_dashboard_and_the_towns_screen(session: EventSession) -> None:
    app = make_app(
        session, FrozenClock(datetime(2021, 8, 18, 8, 0, tzinfo=IST)), cursor_blink=False
    )
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        p = session.progress(datetime(2021, 8, 18, 8, 0, tzinfo=IST))
        [c] = p.towns_ahead[0].deadlines
        assert c.missed and c.in_hand_s is not None and c.in_hand_s < 0
        assert "cut-off 09:30 \u2212" in text
        assert "needs 9.3 km/h moving, 9.3 with the usual stops" in text
        pardi = next(line for line in text.splitlines() if line.startswith(" Pardi "))
        assert "cut-off 09:30 \u2212" in pardi
        valsad = next(line for line in text.splitlines() if line.startswith(" Valsad "))
        assert "cut-off 13:00 +" in valsad
        await pilot.press("t")
        await pilot.pause()
        text = screen_text(app)
        assert "Pardi: cut-off 09:30 \u2212" in text and "Valsad: cut-off 13:00 +" in text
    session.close()
