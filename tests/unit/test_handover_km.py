"""The handover card's km for the shift when the fix at its start carries no km of its own (an
off-route GPS fix is logged without one): the shift counts from where the athlete was then.
Expected values are the route book's km, by hand."""

from __future__ import annotations

import textwrap
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from companion import handover
from companion.core.models import Fix
from companion.crew import Crew
from companion.service import EventSession

IST = ZoneInfo("Asia/Kolkata")
ROUTE = """\
name,lat,lon,km
Bhilad,20.2650,72.9080,0
Vapi,20.3800,72.9100,14
Pardi,20.5150,72.9450,30
Valsad,20.6000,72.9340,40
"""


def at(hhmm: str) -> datetime:
    return datetime.fromisoformat(f"2021-08-18T{hhmm}:00+05:30")


def test_shift_km_from_an_off_route_fix_at_its_start(tmp_path: Path) -> None:
    (tmp_path / "route.csv").write_text(ROUTE, encoding="utf-8")
    ev = tmp_path / "ride.toml"
    ev.write_text(
        textwrap.dedent(
            """\
            name = "Handover km"
            athlete = "A"
            route = "route.csv"
            timezone = "Asia/Kolkata"
            planned_kmh = 10.0
            """
        ),
        encoding="utf-8",
    )
    with EventSession.open(ev, tmp_path / "ride.sqlite") as s:
        for hhmm, lat, lon in (
            ("08:00", 20.3800, 72.9100),  # Vapi, book km 14
            ("09:00", 20.5150, 72.9450),  # Pardi, book km 30
            ("09:05", 20.5150, 72.9700),  # ~2.6 km east of Pardi: off route, km stays 30
            ("10:00", 20.6000, 72.9340),  # Valsad, book km 40
        ):
            r = s.add_feed_fix(Fix(at(hhmm), lat, lon, source="nmea"), at(hhmm), prefiltered=True)
            assert r.accepted
        assert s.tracker.last_fix_at(at("09:06")).km is None  # type: ignore[union-attr]
        card = handover.build(Crew(s), at("10:30"), since=at("09:06"))
        assert abs(card.progress.km_total - 40.0) < 0.05
        assert abs(card.km_since - 10.0) < 0.05  # km 30 -> 40, not 0 -> 40
