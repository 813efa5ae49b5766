"""The states as time passes through the real CLI (`main`, a real SQLite log): due and overdue
towns, NO ENTRY, stopped (crew: `stop`/`go`/`undo`; GPS), finished, in `status` (text and
`--json`) and `summary`. Expected values are hand arithmetic on the bundled Unity Run 2021 route
book (Bandra km 4, Andheri km 11, Borivali km 24, Statue of Unity km 416), IST = UTC+05:30."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from companion.cli import main
from companion.core.models import Fix
from companion.service import EventSession

Capsys = pytest.CaptureFixture[str]


def cli(capsys: Capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def status(capsys: Capsys, event: Path, now: str) -> dict[str, Any]:
    code, out, err = cli(capsys, "status", str(event), "--json", "--now", now)
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


@pytest.fixture
def event(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capsys) -> Path:
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path / "data"))
    ev = tmp_path / "unity.toml"
    code, _out, err = cli(
        capsys,
        "new",
        "unity-run-2021",
        "-o",
        str(ev),
        "--name",
        "Unity",
        "--athlete",
        "Milind",
        "--speed",
        "7",
        "--start",
        "2021-08-15T05:30",
    )
    assert code == 0, err
    return ev


def bandra_at_0610(capsys: Capsys, event: Path) -> None:
    """Bandra (km 4) 40 min after the 05:30 start: 6 km/h, the recent moving average."""
    code, _out, err = cli(
        capsys,
        "checkpoint",
        str(event),
        "--town",
        "Bandra",
        "--time",
        "2021-08-15T06:10",
        "--now",
        "2021-08-15T06:10+05:30",
    )
    assert code == 0, err


def test_due_overdue_and_no_entry(event: Path, capsys: Capsys) -> None:
    bandra_at_0610(capsys, event)
    # Andheri is 7 km on at 6 km/h: 70 min after 06:10 = 07:20. Borivali 20 km on: 09:30.
    doc = status(capsys, event, "2021-08-15T07:30+05:30")
    assert doc["eta_basis"]["basis"] == "recent"
    assert doc["eta_basis"]["speed_kmh"] == pytest.approx(6.0)
    andheri, borivali = doc["towns_ahead"][:2]
    # (Its three ETAs side by side, "etas", are test_three_etas_side_by_side's.)
    assert {k: andheri[k] for k in ("name", "km", "km_to_go", "eta", "state", "past_eta_s")} == {
        "name": "Andheri",
        "km": 11.0,
        "km_to_go": 7.0,
        "eta": "2021-08-15T07:20:00+05:30",
        "state": "due",
        "past_eta_s": 600.0,
    }
    assert doc["next_town"]["state"] == "due" and doc["next_town"]["speed_kmh"] == 6.0
    assert borivali["eta"] == "2021-08-15T09:30:00+05:30" and borivali["state"] == "ahead"
    assert borivali["past_eta_s"] is None
    # The entry is 80 min old and the next town was expected after 70: no entry.
    assert doc["no_entry"] == {"since": "2021-08-15T06:10:00+05:30", "for_s": 4800}
    assert "NO ENTRY for 1h20 (last: Bandra at 06:10)" in doc["alerts"]
    assert doc["last_entry"] == {
        "time": "2021-08-15T06:10:00+05:30",
        "km": 4.0,
        "label": "Bandra",
        "source": "manual",
        "mark": None,
        "age_s": 4800.0,
    }
    assert doc["day_number"] == 1 and doc["finished"] is None and doc["stopped"] is None
    assert doc["feed"] is None
    # Kept as they were: users read these.
    assert doc["last_fix"] == {"time": "2021-08-15T06:10:00+05:30", "source": "manual"}

    doc = status(capsys, event, "2021-08-15T07:45+05:30")
    assert doc["towns_ahead"][0]["state"] == "overdue"
    assert doc["towns_ahead"][0]["past_eta_s"] == 25 * 60.0
    code, out, _err = cli(capsys, "status", str(event), "--now", "2021-08-15T07:45+05:30")
    assert code == 0
    assert "next  Andheri: 7.0 km, ETA 07:20 (overdue by 25 min) at 6.0 km/h" in out
    assert "in 0 min" not in out
    assert "! NO ENTRY for 1h35 (last: Bandra at 06:10)" in out
    code, out, _err = cli(capsys, "summary", str(event), "--now", "2021-08-15T07:45+05:30")
    assert code == 0
    assert "Last position at 06:10: Bandra. No entry for 1h35." in out


def test_no_entry_threshold_from_the_event_file(event: Path, capsys: Capsys) -> None:
    event.write_text(event.read_text() + "no_entry_min = 30\n")
    bandra_at_0610(capsys, event)
    assert status(capsys, event, "2021-08-15T06:40+05:30")["no_entry"] is None
    doc = status(capsys, event, "2021-08-15T06:45+05:30")
    assert doc["no_entry"] == {"since": "2021-08-15T06:10:00+05:30", "for_s": 2100}
    assert doc["towns_ahead"][0]["state"] == "ahead"  # Andheri is not due before 07:20
    event.write_text(event.read_text().replace("no_entry_min = 30", "no_entry_min = -5"))
    code, _out, err = cli(capsys, "status", str(event))
    assert code == 2 and "no_entry_min: -5 minutes is out of range" in err


def test_crew_stop_go_and_undo(event: Path, capsys: Capsys) -> None:
    """Needs the motion model to honour marks ("stop" stops from its own time)."""
    bandra_at_0610(capsys, event)
    code, out, err = cli(
        capsys, "stop", str(event), "--time", "06:30", "--now", "2021-08-15T06:35+05:30"
    )
    assert code == 0, err
    assert out.strip() == "stopped (km 4.0) at 2021-08-15 06:30"
    doc = status(capsys, event, "2021-08-15T07:10+05:30")
    assert doc["stopped"] == {"since": "2021-08-15T06:30:00+05:30", "by": "crew", "for_s": 2400}
    # Resting: Andheri 7 km at 6 km/h counts from now, 07:10 + 70 min; nothing is overdue.
    assert doc["towns_ahead"][0]["eta"] == "2021-08-15T08:20:00+05:30"
    assert doc["towns_ahead"][0]["state"] == "ahead"
    assert doc["no_entry"] is None and doc["alerts"] == []
    assert doc["last_entry"]["label"] == "stopped" and doc["last_entry"]["mark"] == "stop"
    code, out, _err = cli(capsys, "status", str(event), "--now", "2021-08-15T07:10+05:30")
    assert "STOPPED 40 min (crew, since 06:30)" in out
    code, out, _err = cli(capsys, "summary", str(event), "--now", "2021-08-15T07:10+05:30")
    assert "Stopped at km 4.0" not in out and "Stopped at Bandra for 40 min (since 06:30)." in out

    code, _out, err = cli(capsys, "stop", str(event), "--now", "2021-08-15T07:10+05:30")
    assert code == 2 and "already stopped since Sun 06:30 (the crew said so)" in err
    assert len(err.strip().splitlines()) == 1

    code, out, err = cli(
        capsys, "go", str(event), "--time", "07:20", "--now", "2021-08-15T07:20+05:30"
    )
    assert code == 0 and out.strip() == "going (km 4.0) at 2021-08-15 07:20", err
    doc = status(capsys, event, "2021-08-15T07:30+05:30")
    assert doc["stopped"] is None
    assert doc["towns_ahead"][0]["eta"] == "2021-08-15T08:30:00+05:30"  # 07:20 + 70 min
    code, _out, err = cli(capsys, "go", str(event), "--now", "2021-08-15T07:30+05:30")
    assert code == 2 and "not stopped" in err

    code, out, _err = cli(capsys, "undo", str(event))
    assert code == 0 and "undid going" in out
    doc = status(capsys, event, "2021-08-15T07:30+05:30")
    assert doc["stopped"] == {"since": "2021-08-15T06:30:00+05:30", "by": "crew", "for_s": 3600}


def test_a_checkpoint_typed_in_late_before_a_stop_moves_the_stop_with_it(
    event: Path, capsys: Capsys
) -> None:
    """Bandra (km 4) at 06:10, "stop" at 07:30, then "+5" typed in late at 07:00: the athlete
    was at km 9 when they stopped, so the total is 9 (it went back to the 4 the stop was logged
    at), and the stop stands."""
    bandra_at_0610(capsys, event)
    now = "2021-08-15T07:40+05:30"
    code, _out, err = cli(capsys, "stop", str(event), "--time", "07:30", "--now", now)
    assert code == 0, err
    code, _out, err = cli(
        capsys, "checkpoint", str(event), "--plus", "5", "--time", "07:00", "--now", now
    )
    assert code == 0, err
    doc = status(capsys, event, "2021-08-15T07:45+05:30")
    assert doc["km_total"] == 9.0
    assert doc["stopped"] == {"since": "2021-08-15T07:30:00+05:30", "by": "crew", "for_s": 900}


def test_one_entry_then_silence_is_no_entry(tmp_path: Path, capsys: Capsys) -> None:
    """An event without a start and a single entry (Bandra, km 4, 06:10) shows no motion yet,
    so the ETAs count from now and slide with the clock; NO ENTRY still comes once the entry is
    older than the time it allows to the next town: Andheri 7 km at the planned 7 km/h, 1 h
    (it never came: the limit slid with the ETA)."""
    ev = tmp_path / "nostart.toml"
    code, _out, err = cli(capsys, "new", "unity-run-2021", "-o", str(ev), "--athlete", "Milind",
                          "--speed", "7")  # fmt: skip
    assert code == 0, err
    code, _out, err = cli(capsys, "checkpoint", str(ev), "--town", "Bandra", "--time",
                          "2021-08-15T06:10", "--now", "2021-08-15T06:10+05:30")  # fmt: skip
    assert code == 0, err
    doc = status(capsys, ev, "2021-08-15T07:00+05:30")
    assert doc["towns_ahead"][0]["eta"] == "2021-08-15T08:00:00+05:30"  # from now, 1 h
    assert doc["no_entry"] is None and doc["alerts"] == []
    doc = status(capsys, ev, "2021-08-15T07:20+05:30")  # 1h10 since the entry
    assert doc["towns_ahead"][0]["eta"] == "2021-08-15T08:20:00+05:30"
    assert doc["no_entry"] == {"for_s": 4200, "since": "2021-08-15T06:10:00+05:30"}
    assert doc["alerts"] == ["NO ENTRY for 1h10 (last: Bandra at 06:10)"]


def test_gps_stop_and_the_logged_feed_state(event: Path, capsys: Capsys) -> None:
    """GPS fixes through the feed path into the real log, read back by `status`."""
    t0 = datetime(2021, 8, 15, 0, 0, tzinfo=UTC)  # 05:30 IST, the start
    with EventSession.open(event) as s:
        # 40 min at 9 km/h (0.15 km a minute, the receiver says 2.5 m/s) to km 6, then
        # 30 min standing there.
        for i in range(71):
            km, speed = (0.15 * i, 2.5) if i <= 40 else (6.0, 0.0)
            pos = s.route.point_at(km)
            t = t0 + timedelta(minutes=i)
            fix = Fix(t, pos.lat, pos.lon, source="gpsd", speed_mps=speed)
            assert s.add_feed_fix(fix, t).accepted
        s.flush()
        before = datetime.now(UTC).replace(microsecond=0)
        s.logbook.log_feed_status("lost", "timeout", source="gpsd://localhost:2947")
    doc = status(capsys, event, "2021-08-15T06:40+05:30")
    assert doc["stopped"] == {"since": "2021-08-15T06:10:00+05:30", "by": "gps", "for_s": 1800}
    # Andheri is about 5 km on at about 9 km/h (the bundled route is drawn town to town: the km
    # between towns come from the distance the GPS moved). Stopped: counted from now, 06:40.
    andheri, nxt = doc["towns_ahead"][0], doc["next_town"]
    assert andheri["name"] == "Andheri" and andheri["km_to_go"] == pytest.approx(5.0, abs=0.5)
    assert nxt["speed_kmh"] == pytest.approx(9.0, rel=0.08)
    travel_s = andheri["km_to_go"] / nxt["speed_kmh"] * 3600
    now = datetime.fromisoformat("2021-08-15T06:40+05:30")
    eta_off = datetime.fromisoformat(andheri["eta"]) - (now + timedelta(seconds=travel_s))
    assert abs(eta_off.total_seconds()) <= 2.0  # the JSON rounds km, speed and the time
    assert doc["towns_ahead"][0]["state"] == "ahead"
    assert doc["no_entry"] is None
    assert doc["last_entry"].pop("km") == pytest.approx(6.0, abs=0.3)  # town to town: about
    assert doc["last_entry"] == {
        "time": "2021-08-15T06:40:00+05:30",
        "label": "",
        "source": "gpsd",
        "mark": None,
        "age_s": 0.0,
    }
    feed = doc["feed"]
    assert (feed["state"], feed["detail"], feed["source"]) == (
        "lost",
        "timeout",
        "gpsd://localhost:2947",
    )
    since = datetime.fromisoformat(feed["since"])
    assert before <= since <= datetime.now(UTC)  # when it was logged (the wall clock)
    lost = [a for a in doc["alerts"] if a.startswith("FEED LOST since ")]
    assert len(lost) == 1 and lost[0].endswith(": lost (timeout)")
    _code, out, _err = cli(capsys, "status", str(event), "--now", "2021-08-15T06:40+05:30")
    assert "STOPPED 30 min (GPS, since 06:10)" in out
    assert "feed  gpsd://localhost:2947: lost since" in out and "! FEED LOST since" in out


def test_finished(event: Path, capsys: Capsys) -> None:
    for flag, value, at in (
        ("--km", "400", "2021-08-22T15:00"),
        ("--town", "Statue of Unity", "2021-08-22T18:30"),
    ):
        code, _out, err = cli(
            capsys,
            "checkpoint",
            str(event),
            flag,
            value,
            "--time",
            at,
            "--force",
            "--now",
            "2021-08-22T19:00+05:30",
        )
        assert code == 0, err
    doc = status(capsys, event, "2021-08-23T09:00+05:30")
    # 15 Aug 05:30 to 22 Aug 18:30: 7 days and 13 h = 181 h, however late `status` is asked.
    assert doc["finished"] == {"at": "2021-08-22T18:30:00+05:30", "elapsed_s": 651600}
    assert doc["elapsed_s_total"] == 651600.0
    assert doc["towns_ahead"] == [] and doc["next_town"] is None
    assert doc["km_remaining"] == 0.0 and doc["alerts"] == [] and doc["no_entry"] is None
    assert doc["day_number"] == 8  # the finish day, not the day after
    code, out, _err = cli(capsys, "status", str(event), "--now", "2021-08-23T09:00+05:30")
    assert "FINISHED 416.0 km in 181h00 (Sun 22 Aug 18:30)" in out and "next " not in out
    code, out, _err = cli(capsys, "summary", str(event), "--now", "2021-08-23T09:00+05:30")
    assert "FINISHED at Statue of Unity at 18:30: 416.0 km in 181h00." in out
    assert "Stopped at" not in out
    code, _out, err = cli(capsys, "stop", str(event), "--now", "2021-08-23T09:00+05:30")
    assert code == 2 and "the athlete finished at Sun 18:30" in err


def test_three_etas_side_by_side(event: Path, capsys: Capsys) -> None:
    """The rhythm (the main ETA), the recent pace and the plan, each with its basis."""
    for args in (
        ("checkpoint", "--km", "4", "--time", "2021-08-15T06:10"),  # 40 min at 6 km/h
        ("stop", "--time", "2021-08-15T06:10"),
        ("go", "--time", "2021-08-15T06:40"),  # 30 min stopped
        ("checkpoint", "--km", "12", "--time", "2021-08-15T08:00"),  # 80 min at 6 km/h
    ):
        now = ("--now", "2021-08-15T08:00+05:30")
        code, _out, err = cli(capsys, args[0], str(event), *args[1:], *now)
        assert code == 0, err
    doc = status(capsys, event, "2021-08-15T08:05+05:30")
    borivali = doc["towns_ahead"][0]
    assert borivali["name"] == "Borivali" and borivali["km_to_go"] == 12.0
    # Moving 120 of the 150 min since the start (20 % stopped), 6 km/h since the stop: 12 km is
    # 2 h moving from the last entry at 08:00; no stop in the first hour, then 1 h x 1.1 (the
    # 150 min of day per 120 moving weighed with 3 h moving without stops: 330 / 300). 416 km
    # at 7 km/h is a multi-day run: its nights are assumed (a 3 h sleep from midnight).
    assert borivali["etas"]["rhythm"] == {
        "eta": "2021-08-15T10:06:00+05:30",
        "speed_kmh": 6.0,
        "basis": "stint pace + 9 % stops, nights assumed",
    }
    # The recent moving average, 6 km/h, no more stops: 10:00.
    assert borivali["etas"]["recent"] == {
        "eta": "2021-08-15T10:00:00+05:30",
        "speed_kmh": 6.0,
        "basis": "recent moving average, no more stops",
    }
    # The plan, 7 km/h: 12/7 h = 1h42m51s (to the second).
    assert borivali["etas"]["plan"] == {
        "eta": "2021-08-15T09:42:51+05:30",
        "speed_kmh": 7.0,
        "basis": "planned speed",
    }
    assert borivali["eta"] == borivali["etas"]["rhythm"]["eta"]
    assert borivali["eta_kind"] == "rhythm" and doc["next_town"]["speed_kmh"] == 6.0
    # The recent-pace basis as before, for readers of eta_basis.
    assert doc["eta_basis"]["basis"] == "recent" and doc["eta_basis"]["speed_kmh"] == 6.0
    code, out, _err = cli(capsys, "status", str(event), "--now", "2021-08-15T08:05+05:30")
    next_line = "next  Borivali: 12.0 km, ETA 10:06 (in 2h01) at 6.0 km/h, stint pace + 9 % stops"
    assert next_line in out
    assert "also: recent pace 10:00, plan 09:42" in out
