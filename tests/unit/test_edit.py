"""`companion edit`: a new time that puts the entries out of km order or needs more than the
event's max_kmh is refused (unless --force), times are shown in the event's timezone, and the log
shows an edited entry at its new time with the old one noted.

Through the real CLI (companion.cli.main) on a real SQLite file, on the bundled Unity Run route
(Bandra km 4, Andheri km 11, Borivali km 24; max_kmh is the default 25 km/h for a 7 km/h plan).
Expected speeds are hand arithmetic on those km and the typed times.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from companion.cli import main
from companion.service import EventSession

IST = ZoneInfo("Asia/Kolkata")


@pytest.fixture
def event(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path / "data"))
    ev = tmp_path / "unity.toml"
    new = ["new", "unity-run-2021", "-o", str(ev), "--speed", "7", "--start", "2021-08-15T05:30"]
    assert main(new) == 0
    return ev


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()  # what earlier commands printed
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def checkpoint(ev: Path, town: str, at: str) -> None:
    assert main(["checkpoint", str(ev), "--town", town, "--time", at]) == 0


def status(capsys: pytest.CaptureFixture[str], ev: Path, now: str) -> dict[str, object]:
    code, out, err = cli(capsys, "status", str(ev), "--json", "--now", now)
    assert code == 0, err
    doc = json.loads(out)
    assert isinstance(doc, dict)
    return doc


def log_lines(ev: Path) -> list[str]:
    """The log as the log view words it (newest first), in the event's timezone."""
    with EventSession.open(ev, readonly=True) as s:
        return [e.line(s.event.zone) for e in s.logbook.entries(without_gps=True)]


def test_moving_the_last_entry_before_the_previous_one_is_refused(
    event: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoint(event, "Bandra", "2021-08-15T06:05")
    checkpoint(event, "Andheri", "2021-08-15T07:00")
    checkpoint(event, "Borivali", "2021-08-15T08:45")
    before = status(capsys, event, "2021-08-15T09:00+05:30")
    code, _out, err = cli(capsys, "edit", str(event), "--time", "06:50", "--now",
                          "2021-08-15T09:00+05:30")  # fmt: skip
    assert code == 2
    # At 06:50 Borivali (km 24) would come before Andheri (km 11, 07:00): 13 km backwards.
    assert err.strip() == (
        "companion: at 06:50, Borivali (km 24.0) would be 13.0 km past the entry after it "
        "(Andheri (km 11.0) at 07:00); add --force to change it anyway"
    )
    assert status(capsys, event, "2021-08-15T09:00+05:30") == before  # nothing changed
    assert not any(line.startswith("edit") for line in log_lines(event))


def test_moving_a_late_typed_entry_after_the_next_one_is_refused(
    event: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoint(event, "Bandra", "2021-08-15T06:05")
    checkpoint(event, "Borivali", "2021-08-15T08:45")
    checkpoint(event, "Andheri", "2021-08-15T07:00")  # typed late: the last entry logged
    code, _out, err = cli(capsys, "edit", str(event), "--time", "09:00", "--now",
                          "2021-08-15T09:30+05:30")  # fmt: skip
    assert code == 2
    assert (
        "at 09:00, Andheri (km 11.0) would be 13.0 km behind the entry before it "
        "(Borivali (km 24.0) at 08:45)"
    ) in err


def test_a_time_needing_more_than_max_kmh_is_refused_then_forced(
    event: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoint(event, "Bandra", "2021-08-15T06:05")
    checkpoint(event, "Andheri", "2021-08-15T07:00")
    checkpoint(event, "Borivali", "2021-08-15T08:45")
    args = ["edit", str(event), "--time", "07:20", "--now", "2021-08-15T09:00+05:30"]
    code, _out, err = cli(capsys, *args)
    # Andheri km 11 at 07:00 to Borivali km 24 at 07:20: 13 km in 1/3 h = 39 km/h > 25.
    assert code == 2
    assert (
        "Andheri (km 11.0) at 07:00 to Borivali (km 24.0) at 07:20 is 13.0 km in 20 min: "
        "39 km/h, faster than the event's 25 km/h; add --force" in err
    )
    code, out, err = cli(capsys, *args, "--force")
    assert code == 0, err
    # Shown in the event's timezone (07:20 IST is 01:50 UTC).
    assert out.strip() == "changed Borivali (km 24.0) at 2021-08-15 07:20"
    doc = status(capsys, event, "2021-08-15T09:00+05:30")
    assert doc["last_fix"] == {"time": "2021-08-15T07:20:00+05:30", "source": "manual"}
    # The log shows the entry at its new time, the logged one noted, and the edit itself.
    lines = log_lines(event)
    assert lines[0] == "edit #3 Borivali (km 24.0): time 08:45 → 07:20"
    assert lines[1] == "Borivali (km 24.0) · edited, was 08:45"
    with EventSession.open(event, readonly=True) as s:
        fix_row = s.logbook.entries(without_gps=True)[1]
    assert fix_row.time == datetime(2021, 8, 15, 7, 20, tzinfo=IST).astimezone(UTC)


def test_a_believable_edit_passes_and_a_second_edit_notes_the_logged_time(
    event: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoint(event, "Bandra", "2021-08-15T06:05")
    checkpoint(event, "Andheri", "2021-08-15T07:00")
    now = "2021-08-15T09:00+05:30"
    # 7 km in 40 min (10.5 km/h) and then in 50 min (8.4 km/h): both believable.
    assert cli(capsys, "edit", str(event), "--time", "06:45", "--now", now)[0] == 0
    code, out, _err = cli(capsys, "edit", str(event), "--time", "06:55", "--now", now)
    assert code == 0 and out.strip() == "changed Andheri (km 11.0) at 2021-08-15 06:55"
    lines = log_lines(event)
    assert lines[:3] == [
        "edit #2 Andheri (km 11.0): time 06:45 → 06:55",
        "edit #2 Andheri (km 11.0): time 07:00 → 06:45",
        "Andheri (km 11.0) · edited, was 07:00",
    ]
    doc = status(capsys, event, now)
    assert doc["km_total"] == pytest.approx(11.0)
    assert doc["last_fix"] == {"time": "2021-08-15T06:55:00+05:30", "source": "manual"}


def test_the_first_entry_is_checked_against_the_start(
    event: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoint(event, "Andheri", "2021-08-15T07:00")
    # km 0 at the 05:30 start to km 11 at 05:45: 11 km in 15 min = 44 km/h.
    code, _out, err = cli(capsys, "edit", str(event), "--time", "05:45", "--now",
                          "2021-08-15T09:00+05:30")  # fmt: skip
    assert code == 2 and "the start (km 0.0) at 05:30 to Andheri (km 11.0) at 05:45" in err
    assert "44 km/h" in err
    code, _out, err = cli(capsys, "edit", str(event), "--time", "05:00", "--now",
                          "2021-08-15T09:00+05:30")  # fmt: skip
    assert code == 2 and "before the event's start (2021-08-15 05:30)" in err


def test_an_edit_onto_the_time_of_the_entry_before_says_no_time_not_inf(
    event: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoint(event, "Andheri", "2021-08-15T07:00")
    checkpoint(event, "Borivali", "2021-08-15T08:45")
    code, _out, err = cli(
        capsys, "edit", str(event), "--time", "07:00", "--now", "2021-08-15T09:00+05:30"
    )
    # Andheri km 11 to Borivali km 24 at the same minute: 13 km at 25 km/h needs 0.52 h = 31 min.
    assert code == 2
    assert (
        "Andheri (km 11.0) at 07:00 to Borivali (km 24.0) at 07:00 is 13.0 km in 0 min: "
        "in no time, where 25 km/h needs at least 31 min; add --force" in err
    )
    assert "inf" not in err
