"""HH:MM in the hour a fall-back repeats: its latest past occurrence is the second reading of the
wall clock when that one has come. New York falls back at 02:00 EDT on 7 November 2021 to 01:00
EST: 01:40 reads twice, at 05:40 UTC (EDT, -4) and at 06:40 UTC (EST, -5). By hand."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from companion.sources.manual import parse_time

NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("typed", "now_utc", "expected_utc"),
    [
        ("01:40", (6, 45), (6, 40)),  # at 01:45 EST: 01:40 EST, 5 min ago (not 1h05)
        ("01:50", (6, 45), (5, 50)),  # 01:50 EST has not come: the EDT one
        ("01:40", (5, 45), (5, 40)),  # at 01:45 EDT, the first pass: 01:40 EDT
        ("00:30", (6, 45), (4, 30)),  # before the repeated hour: once, EDT
        ("03:00", (8, 30), (8, 0)),  # after it: once, EST
    ],
)
def test_the_repeated_hour_gives_the_latest_reading(
    typed: str, now_utc: tuple[int, int], expected_utc: tuple[int, int]
) -> None:
    now = datetime(2021, 11, 7, *now_utc, tzinfo=UTC)
    expected = datetime(2021, 11, 7, *expected_utc, tzinfo=UTC)
    assert parse_time(typed, now, NEW_YORK) == expected
    # The same `now` given in the event's own zone (the dashboard's clock) answers the same.
    assert parse_time(typed, now.astimezone(NEW_YORK), NEW_YORK) == expected
