"""The handover's alerts that came and went (companion/shift_alerts.py), from a real log: a GPS
feed quiet for longer than `stale_min`, a feed lost and back. Times by hand, IST (UTC+5:30)."""

from __future__ import annotations

import json
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from companion.cli import main
from companion.core.models import Fix
from companion.logbook import Logbook
from companion.logrows import LogEntry
from companion.shift_alerts import came_and_went

IST = ZoneInfo("Asia/Kolkata")
T0 = datetime(2021, 8, 18, 4, 30, tzinfo=UTC)  # 10:00 IST
# Bhilad -> Vapi, a line north; GPS fixes along it.
ROUTE = "name,lat,lon,km\nBhilad,20.2650,72.9080,0\nVapi,20.3800,72.9100,14\n"


def gps(minutes: float, lat: float = 20.27) -> Fix:
    return Fix(T0 + timedelta(minutes=minutes), lat, 72.908, source="nmea")


def feed_row(minutes: float, summary: str) -> LogEntry:
    at = T0 + timedelta(minutes=minutes)
    return LogEntry(1, "feed", at, None, "nmea", None, summary, False)


def test_a_gap_longer_than_stale_min_within_the_shift_is_listed_once_over() -> None:
    # GPS fixes at 10:00, 10:01, then 10:40 (a 39 min gap), 10:41 (a typed entry at 10:20 is
    # no GPS: Tracker.gps_times_from leaves it out, tests/unit/test_feed_reads.py).
    fixes = [f.time for f in (gps(0), gps(1), gps(40), gps(41))]
    said = came_and_went(fixes, [], T0, T0 + timedelta(hours=1), 600.0, IST)
    assert said == ["STALE 10:01-10:40 (39 min without a GPS position)"]
    # A gap that ended before the shift began is the last shift's.
    assert came_and_went(fixes, [], T0 + timedelta(minutes=45), T0 + timedelta(hours=1),
                         600.0, IST) == []  # fmt: skip
    # One shorter than stale_min is no alert.
    assert came_and_went(fixes, [], T0, T0 + timedelta(hours=1), 3600.0, IST) == []


def test_a_lost_feed_is_listed_with_its_reason_and_only_within_the_shift() -> None:
    rows = [feed_row(5, "feed lost: no answer within 30 s"), feed_row(6, "feed connected"),
            feed_row(90, "feed lost")]  # fmt: skip
    said = came_and_went([], rows, T0, T0 + timedelta(hours=1), 600.0, IST)
    assert said == ["FEED LOST 10:05: no answer within 30 s"]


def test_many_are_cut_to_the_newest_with_a_count() -> None:
    rows = [feed_row(m, "feed lost") for m in range(10)]
    said = came_and_went([], rows, T0, T0 + timedelta(hours=1), 600.0, IST)
    assert said[0] == "5 earlier" and said[-1] == "FEED LOST 10:09" and len(said) == 6


@pytest.fixture
def event(tmp_path: Path) -> Path:
    (tmp_path / "route.csv").write_text(ROUTE, encoding="utf-8")
    ev = tmp_path / "ride.toml"
    ev.write_text(textwrap.dedent("""\
        name = "Shift test"
        athlete = "A"
        route = "route.csv"
        timezone = "Asia/Kolkata"
        planned_kmh = 10.0
        start = 2021-08-18T09:00:00+05:30
        stale_min = 10
        """), encoding="utf-8")  # fmt: skip
    return ev


def test_the_handover_card_lists_them_from_a_real_log(
    event: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = event.with_suffix(".sqlite")
    with Logbook.open(db, clock=lambda: T0 + timedelta(minutes=20)) as book:
        for m, lat in ((0, 20.27), (1, 20.271), (40, 20.28), (41, 20.281)):
            book.append_fix(gps(m, lat))
        book.log_feed_status("lost", "no answer within 30 s", source="nmea")  # at 10:20 IST
    code = main(["handover", str(event), "--db", str(db), "--since", "2021-08-18T09:55+05:30",
                 "--json", "--now", "2021-08-18T10:45+05:30"])  # fmt: skip
    assert code == 0
    alerts = json.loads(capsys.readouterr().out)["alerts"]
    assert "STALE 10:01-10:40 (39 min without a GPS position)" in alerts
    assert "FEED LOST 10:20: no answer within 30 s" in alerts
