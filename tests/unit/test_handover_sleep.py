"""The handover card's "EAT late" follows the timers' rule that sleep pauses them: a meal after
a nap is late only if it came more than its interval after waking. A real SQLite log through the
CLI; the expected gaps by hand."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from companion.cli import main

ROUTE = """\
name,lat,lon,km
Bhilad,20.2650,72.9080,0
Vapi,20.3800,72.9100,14
Pardi,20.5150,72.9450,30
"""


@pytest.fixture
def event(tmp_path: Path) -> Path:
    (tmp_path / "route.csv").write_text(ROUTE, encoding="utf-8")
    ev = tmp_path / "ride.toml"
    ev.write_text(
        textwrap.dedent(
            """\
            name = "Nap test"
            athlete = "A"
            route = "route.csv"
            timezone = "Asia/Kolkata"
            planned_kmh = 10.0
            start = 2021-08-18T06:00:00+05:30

            [feeding]
            eat_every_min = 45
            """
        ),
        encoding="utf-8",
    )
    return ev


def cli(ev: Path, *args: str, now: str) -> int:
    return main([args[0], str(ev), "--db", str(ev.with_suffix(".sqlite")), *args[1:],
                 "--now", f"2021-08-18T{now}+05:30"])  # fmt: skip


def late_eats(ev: Path, capsys: pytest.CaptureFixture[str], now: str) -> list[str]:
    capsys.readouterr()
    assert cli(ev, "handover", "--json", "--since", "08:00", now=now) == 0
    card = json.loads(capsys.readouterr().out)
    return [a for a in card["alerts"] if a.startswith("EAT late")]


def test_a_meal_soon_after_a_nap_is_not_late(
    event: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(event, "checkpoint", "--town", "Vapi", "--time", "07:30", now="07:31") == 0
    assert cli(event, "fed", "--eat", "poha", "--time", "07:45", now="07:46") == 0
    assert cli(event, "stop", "--time", "08:00", now="08:01") == 0
    assert cli(event, "go", "--time", "10:00", now="10:01") == 0
    assert cli(event, "stops", "--tag", "1", "sleep", now="10:02") == 0
    # Ate 30 min after waking (10:00): within 45 min; the 2h45 since 07:45 were mostly asleep.
    assert cli(event, "fed", "--eat", "banana", "--time", "10:30", now="10:31") == 0
    assert late_eats(event, capsys, now="11:00") == []


def test_a_meal_long_after_waking_is_late_from_waking(
    event: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(event, "fed", "--eat", "poha", "--time", "07:45", now="07:46") == 0
    assert cli(event, "stop", "--time", "08:00", now="08:01") == 0
    assert cli(event, "go", "--time", "10:00", now="10:01") == 0
    assert cli(event, "stops", "--tag", "1", "sleep", now="10:02") == 0
    assert cli(event, "fed", "--eat", "dal", "--time", "11:10", now="11:11") == 0
    # 10:00 (waking) to 11:10: 1h10 against 45 min.
    assert late_eats(event, capsys, now="11:30") == [
        "EAT late: 1h10 (10:00 to 11:10; every 45 min)"
    ]
