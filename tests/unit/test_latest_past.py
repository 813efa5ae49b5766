"""HH:MM means its latest past occurrence, for the CLI's --time and the dashboard's form alike
(both go through EventSession.checkpoint -> sources.manual.parse_time)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from companion.cli import main
from companion.service import EventSession
from companion.sources.manual import parse_time

IST = ZoneInfo("Asia/Kolkata")
NEW_YORK = ZoneInfo("America/New_York")


def ist(*args: int) -> datetime:
    return datetime(*args, tzinfo=IST)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("typed", "now", "expected"),
    [
        ("23:50", ist(2021, 8, 16, 0, 10), ist(2021, 8, 15, 23, 50)),  # after midnight: yesterday
        ("00:05", ist(2021, 8, 16, 0, 10), ist(2021, 8, 16, 0, 5)),
        ("00:10", ist(2021, 8, 16, 0, 10), ist(2021, 8, 16, 0, 10)),  # now itself
        ("00:12", ist(2021, 8, 16, 0, 10), ist(2021, 8, 16, 0, 12)),  # clocks differ: 2 min slack
        ("00:13", ist(2021, 8, 16, 0, 10), ist(2021, 8, 15, 0, 13)),  # beyond it: yesterday
        ("9.30", ist(2021, 8, 15, 12, 0), ist(2021, 8, 15, 9, 30)),
    ],
)
def test_hh_mm_is_its_latest_past_occurrence(typed: str, now: datetime, expected: datetime) -> None:
    assert parse_time(typed, now, IST) == expected


def test_across_a_dst_change_the_wall_clock_time_is_kept() -> None:
    # New York springs forward at 02:00 on 14 March 2021: 01:30 is EST (UTC-5), 03:30 EDT (-4).
    now = datetime(2021, 3, 14, 7, 30, tzinfo=UTC)  # 03:30 EDT
    assert parse_time("01:30", now, NEW_YORK) == datetime(2021, 3, 14, 6, 30, tzinfo=UTC)
    # 04:00 has not come yet today: yesterday's, in EST.
    assert parse_time("04:00", now, NEW_YORK) == datetime(2021, 3, 13, 9, 0, tzinfo=UTC)


def test_the_cli_logs_23_50_typed_after_midnight_on_the_day_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path / "data"))
    ev = tmp_path / "unity.toml"
    assert main(["new", "unity-run-2021", "-o", str(ev), "--start", "2021-08-15T05:30"]) == 0
    assert main(["checkpoint", str(ev), "--km", "40", "--time", "23:50",
                 "--now", "2021-08-16T00:10+05:30"]) == 0  # fmt: skip
    with EventSession.open(ev, None, readonly=True) as s:
        fix = s.tracker.last_fix
        assert fix is not None and fix.time == ist(2021, 8, 15, 23, 50)
