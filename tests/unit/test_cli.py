"""The headless CLI end to end: the Unity Run 2021 through real processes, and bad inputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import gpxpy
import pytest

from companion.cli import main

# Where each day of the Unity Run ended, from routes/unity-run-2021.csv's day notes (km 0 -> 416).
DAY_ENDS = [
    ("2021-08-15", "--km", "56"),
    ("2021-08-16", "--town", "Charoti"),  # km 104
    ("2021-08-17", "--town", "bhilad"),  # km 149
    ("2021-08-18", "--town", "Pardi"),  # km 179
    ("2021-08-19", "--km", "231"),
    ("2021-08-20", "--km", "298"),
    ("2021-08-21", "--km", "360"),
    ("2021-08-22", "--town", "Statue of Unity"),  # km 416
]
EXPECTED_DAY_KM = [56, 48, 45, 30, 52, 67, 62, 56]  # differences of the route book's km


def run(*args: str, env_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {"COMPANION_DATA_DIR": str(env_dir), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    return subprocess.run(
        [sys.executable, "-m", "companion", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.fixture
def event(tmp_path: Path) -> Path:
    ev = tmp_path / "unity.toml"
    r = run(
        "new",
        "unity-run-2021",
        "-o",
        str(ev),
        "--name",
        "Unity Run 2021",
        "--athlete",
        "Milind",
        "--tz",
        "Asia/Kolkata",
        "--speed",
        "7",
        "--start",
        "2021-08-15T05:30",
        env_dir=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    return ev


def test_unity_run_day_by_day(event: Path, tmp_path: Path) -> None:
    prev_end: tuple[str, str] | None = None
    for day, flag, value in DAY_ENDS:
        if prev_end is not None:  # the morning start, where yesterday ended
            r = run(
                "checkpoint",
                str(event),
                prev_end[0],
                prev_end[1],
                "--time",
                f"{day}T06:00",
                env_dir=tmp_path,
            )
            assert r.returncode == 0, r.stderr
        r = run("checkpoint", str(event), flag, value, "--time", f"{day}T18:30", env_dir=tmp_path)
        assert r.returncode == 0, r.stderr
        assert day in r.stdout
        prev_end = (flag, value)

    r = run("status", str(event), "--json", "--now", "2021-08-22T20:00+05:30", env_dir=tmp_path)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["event"] == "Unity Run 2021"
    assert doc["km_total"] == pytest.approx(416.0)
    assert doc["km_remaining"] == pytest.approx(0.0)
    assert doc["km_today"] == pytest.approx(56.0)
    assert [d["date"] for d in doc["days"]] == [d for d, _f, _v in DAY_ENDS]
    assert [d["km"] for d in doc["days"]] == pytest.approx(EXPECTED_DAY_KM)
    assert sum(d["km"] for d in doc["days"]) == pytest.approx(doc["km_total"])
    # 06:00 -> 18:30 is too long to be all moving: it is taken at the planned 7 km/h.
    assert doc["days"][1]["moving_s"] == pytest.approx(48 / 7 * 3600, abs=0.1)
    assert doc["days"][1]["avg_kmh"] == pytest.approx(7.0)
    assert doc["last_fix"] == {"time": "2021-08-22T18:30:00+05:30", "source": "manual"}

    r = run("summary", str(event), "--now", "2021-08-22T20:00+05:30", env_dir=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Day 8" in r.stdout and "56.0 km" in r.stdout and "416.0 of 416.0 km" in r.stdout
    assert "Statue of Unity" in r.stdout
    r = run("summary", str(event), "--day", "2021-08-18", env_dir=tmp_path)
    assert "Day 4" in r.stdout and "30.0 km" in r.stdout and "179.0 of 416.0 km" in r.stdout

    gpx_path = tmp_path / "track.gpx"
    csv_path = tmp_path / "days.csv"
    args = ("--gpx", str(gpx_path), "--days-csv", str(csv_path))
    r = run("export", str(event), *args, env_dir=tmp_path)
    assert r.returncode == 0, r.stderr
    with gpx_path.open() as f:
        gpx = gpxpy.parse(f)
    points = [p for t in gpx.tracks for s in t.segments for p in s.points]
    assert len(points) == 15  # 8 evening ends + 7 morning starts
    assert points[-1].latitude == pytest.approx(21.8380, abs=1e-6)  # Statue of Unity
    assert "Statue of Unity" in [w.name for w in gpx.waypoints]
    text = csv_path.read_text()
    assert "2021-08-20,67.000" in text


def test_undo_and_edit(event: Path, tmp_path: Path) -> None:
    assert (
        run(
            "checkpoint",
            str(event),
            "--town",
            "Virar Phata",
            "--time",
            "2021-08-15T15:00",
            env_dir=tmp_path,
        ).returncode
        == 0
    )
    assert (
        run(
            "checkpoint", str(event), "--plus", "3", "--time", "2021-08-15T15:30", env_dir=tmp_path
        ).returncode
        == 0
    )
    r = run("undo", str(event), env_dir=tmp_path)
    assert r.returncode == 0 and "undid +3 km" in r.stdout
    r = run("edit", str(event), "--time", "2021-08-15T16:00", env_dir=tmp_path)
    assert r.returncode == 0, r.stderr
    r = run("status", str(event), "--json", "--now", "2021-08-15T17:00+05:30", env_dir=tmp_path)
    doc = json.loads(r.stdout)
    assert doc["km_total"] == pytest.approx(53.0)
    assert doc["last_fix"]["time"] == "2021-08-15T16:00:00+05:30"
    assert run("undo", str(event), env_dir=tmp_path).returncode == 0
    r = run("undo", str(event), env_dir=tmp_path)
    assert r.returncode == 2 and "nothing to undo" in r.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--town", "Valsd"), "Did you mean: Valsad"),
        (("--km", "500"), "km 500 is beyond the route (0 to 416.0 km)"),
        (("--town", "Valsad", "--time", "2099-01-01T10:00"), "in the future"),
        (("--town", "Valsad", "--time", "25:00"), "hours 0-23"),
        (("--pos", "28.61,77.21"), "km from the route"),  # Delhi is not on this route
        (("--town", "Valsad", "--time", "2021-08-14T10:00"), "before the event's start"),
        (
            ("--town", "Valsad", "--time", "2021-08-15T06:30"),
            "Valsad is 189.0 km on from the last position (km 0.0 at 05:30): 189 km/h, faster "
            "than the event's 25 km/h; add --force to log it anyway",
        ),
        # At the start's own minute: 189 km at 25 km/h needs 7.56 h = 7h34 (not "inf km/h").
        (
            ("--town", "Valsad", "--time", "2021-08-15T05:30"),
            "Valsad is 189.0 km on from the last position (km 0.0 at 05:30): in no time, where "
            "25 km/h needs at least 7h34; add --force to log it anyway",
        ),
    ],
)
def test_bad_checkpoints_exit_2(
    event: Path, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    r = run("checkpoint", str(event), *args, env_dir=tmp_path)
    assert r.returncode == 2
    assert message in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_bad_event_files_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nathlete = "y"\nroute = \n')
    assert main(["status", str(bad)]) == 2
    assert "line 3" in capsys.readouterr().err
    missing_route = tmp_path / "ev.toml"
    missing_route.write_text(
        'name = "x"\nathlete = "y"\nroute = "nowhere.gpx"\ntimezone = "Asia/Kolkata"\n'
        "planned_kmh = 8\n"
    )
    assert main(["status", str(missing_route)]) == 2
    assert "nowhere.gpx" in capsys.readouterr().err
    assert main(["status", str(tmp_path / "absent.toml")]) == 2
    assert "absent.toml" in capsys.readouterr().err
    assert main(["info", "no-such-route"]) == 2
    assert "bundled: " in capsys.readouterr().err


def test_routes_and_info_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["routes", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["unity-run-2021"]["length_km"] == pytest.approx(416.0)
    assert rows["paris-marathon"]["length_km"] == pytest.approx(42.195)
    assert main(["info", "unity-run-2021", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["length_km"] == pytest.approx(416.0)
    names = [t["name"] for t in doc["towns"]]
    assert names[0] == "Shivaji Park (Dadar)" and names[-1] == "Statue of Unity"
    assert {"Valsad", "Surat", "Bharuch"} <= set(names)
    kms = [t["km"] for t in doc["towns"]]
    assert kms == sorted(kms)
    assert main(["info", "unity-run-2021"]) == 0
    assert "leg km" in capsys.readouterr().out


def test_status_on_an_event_with_no_log_yet(event: Path, tmp_path: Path) -> None:
    r = run("status", str(event), "--json", "--now", "2021-08-15T05:00+05:30", env_dir=tmp_path)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["km_total"] == 0 and doc["last_fix"] is None
    assert doc["next_town"]["name"] == "Bandra" and doc["next_town"]["speed_kmh"] == 7.0


def test_an_impossible_entry_is_logged_with_force(event: Path, tmp_path: Path) -> None:
    r = run("checkpoint", str(event), "--km", "100", "--time", "2021-08-15T07:00", env_dir=tmp_path)
    assert r.returncode == 2 and "67 km/h" in r.stderr
    r = run("checkpoint", str(event), "--km", "100", "--time", "2021-08-15T07:00", "--force",
            env_dir=tmp_path)  # fmt: skip
    assert r.returncode == 0 and "km 100.0" in r.stdout
    r = run("checkpoint", str(event), "--km", "90", "--time", "2021-08-15T07:10", env_dir=tmp_path)
    assert r.returncode == 2 and "10.0 km behind the last position (km 100.0 at 07:00)" in r.stderr


def test_day_hours_make_the_finish_eta_skip_the_nights(tmp_path: Path) -> None:
    ev = tmp_path / "nights.toml"
    r = run("new", "unity-run-2021", "-o", str(ev), "--speed", "7", "--start",
            "2021-08-15T05:30", "--day-hours", "05:30-18:30", env_dir=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    r = run("status", str(ev), "--json", "--now", "2021-08-15T05:30+05:30", env_dir=tmp_path)
    doc = json.loads(r.stdout)
    # 416 km at the planned 7 km/h is 59.43 h of running, 13 h a day: 4 full days (52 h) and
    # 7 h 25 min 42.9 s of the fifth, from 05:30 on 19 Aug (JSON times are to the second).
    finish = doc["towns_ahead"][-1]
    assert finish["name"] == "Statue of Unity"
    assert finish["eta"] == "2021-08-19T12:55:42+05:30"
    r = run("new", "unity-run-2021", "-o", str(tmp_path / "bad.toml"), "--day-hours", "19-6",
            env_dir=tmp_path)  # fmt: skip
    assert r.returncode == 2 and "day_hours" in r.stderr
