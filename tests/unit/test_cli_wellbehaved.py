"""Issue 13, a well-behaved command line: --version, --help, every option's help, the exit
status (0 done, 1 a failure while running, 2 bad input), export to stdout and to two CSV files
under one overwrite rule, and logging that goes somewhere without a secret."""

from __future__ import annotations

import argparse
import csv
import io
import logging
import re
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import gpxpy
import pytest
from helpers.storage import fill, small_disk

from companion.cli import build_parser, main
from companion.cli.helptext import ENVIRONMENT, EPILOG
from companion.logsetup import configure, hide_secrets
from companion.version import _from_pyproject

REPO = Path(__file__).resolve().parents[2]
ROUTE = REPO / "companion" / "routes" / "unity-run-2021.csv"
NOW = "2021-08-16T20:00+05:30"
# (town, time): a day and a morning of the Unity Run, typed as the crew would.
TYPED = [
    ("Andheri", "2021-08-15T07:10"),
    ("Virar Phata", "2021-08-15T16:40"),
    ("Manor", "2021-08-16T11:00"),
]


def run(
    *args: str, data: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {"COMPANION_DATA_DIR": str(data), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    return subprocess.run([sys.executable, "-m", "companion", *args], capture_output=True,
                          text=True, env={**base, **(env or {})}, cwd=REPO, timeout=120,
                          check=False)  # fmt: skip


def book() -> dict[str, dict[str, str]]:
    """The route book's rows by town, read here with the csv module (not our route loader)."""
    rows = [line for line in ROUTE.read_text(encoding="utf-8").splitlines() if line[:1] != "#"]
    return {r["name"]: r for r in csv.DictReader(rows)}


def book_km() -> dict[str, float]:
    return {name: float(r["km"]) for name, r in book().items()}


@pytest.fixture
def event(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path / "data"))
    ev = tmp_path / "unity.toml"
    assert main(["new", "unity-run-2021", "-o", str(ev), "--speed", "7",
                 "--start", "2021-08-15T05:30"]) == 0  # fmt: skip
    for town, at in TYPED:
        assert main(["checkpoint", str(ev), "--town", town, "--time", at, "--now", NOW]) == 0
    return ev


# --- --version and --help ---------------------------------------------------------------------
def test_version_is_pyproject_s(tmp_path: Path) -> None:
    want = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    r = run("--version", data=tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (0, f"companion {want}\n", "")


def test_the_version_is_read_from_companion_s_pyproject_only(tmp_path: Path) -> None:
    ours, other = tmp_path / "ours.toml", tmp_path / "other.toml"
    ours.write_text('[project]\nname = "companion"\nversion = "9.8.7"\n')
    other.write_text('[project]\nname = "someone-else"\nversion = "1.2.3"\n')
    assert _from_pyproject(ours) == "9.8.7"
    assert _from_pyproject(other) is None  # installed inside another project: not its version
    assert _from_pyproject(tmp_path / "absent.toml") is None


def test_help_is_for_people_with_examples_environment_and_exit_status(tmp_path: Path) -> None:
    r = run("--help", data=tmp_path)
    assert r.returncode == 0
    assert "The command line: parse arguments" not in r.stdout  # not the module's docstring
    for part in ("examples:", "companion export unity.toml --gpx - > track.gpx", "environment:",
                 "exit status:", "  1    a failure while running", "  2    bad input"):  # fmt: skip
        assert part in r.stdout, part
    for name in ENVIRONMENT:
        assert name in r.stdout
    # argparse wraps its own parts to $COLUMNS; ours must fit an 80-column terminal as written.
    assert max(len(line) for line in r.stdout.splitlines()) < 80


def test_help_lists_every_environment_variable_the_code_reads() -> None:
    """A grep of the package, so a variable added later without a line in --help fails here."""
    read = set()
    for path in (REPO / "companion").rglob("*.py"):
        read |= set(re.findall(r"\bCOMPANION_[A-Z_]+\b", path.read_text(encoding="utf-8")))
    assert read, "the grep found nothing: the test would pass vacuously"
    assert read <= set(ENVIRONMENT), sorted(read - set(ENVIRONMENT))
    assert all(name in EPILOG for name in ENVIRONMENT)


def _actions(parser: argparse.ArgumentParser, path: str) -> list[tuple[str, argparse.Action]]:
    out = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            assert action.choices, path
            for name, sp in action.choices.items():
                out += _actions(sp, f"{path} {name}")
        else:
            out.append((path, action))
    return out


def test_every_option_of_every_command_has_help() -> None:
    actions = _actions(build_parser(), "companion")
    commands = {path for path, _a in actions}
    assert {"companion export", "companion follow", "companion checkpoint"} <= commands
    missing = [f"{path} {'/'.join(a.option_strings) or a.dest}" for path, a in actions
               if not a.help]  # fmt: skip
    assert missing == []


# --- exit status ------------------------------------------------------------------------------
def test_bad_input_is_2(event: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["checkpoint", str(event), "--town", "Nowhere", "--now", NOW]) == 2
    assert main(["status", str(event.parent / "absent.toml")]) == 2
    assert main(["export", str(event)]) == 2  # no output asked for
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 3 and "Traceback" not in err
    with pytest.raises(SystemExit) as exc:  # argparse's own refusal is 2 as well
        main(["status", str(event), "--no-such-option"])
    assert exc.value.code == 2


def test_a_fault_of_ours_is_one_line_and_1_the_traceback_with_vv(
    event: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An exception nobody expected (injected: the numbers' reckoning raising, as the crew
    check's ETA past year 9999 did) is one line on stderr and exit 1, its secrets hidden; -vv
    and --log give the whole traceback."""
    from companion.core.tracker import Tracker

    def broken(self: Tracker, now: object) -> object:
        raise ValueError("year 96704 is out of range at https://crew:hunter22@feed.example/x")

    monkeypatch.setattr(Tracker, "progress", broken)
    assert main(["status", str(event), "--now", NOW]) == 1
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        "companion: internal error: ValueError: year 96704 is out of range at "
        "https://crew:***@feed.example/x (-vv shows where)"
    ]
    log = tmp_path / "companion.log"
    assert main(["-vv", "--log", str(log), "status", str(event), "--now", NOW]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "in broken" in err and "hunter22" not in err
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "hunter22" not in text


def test_a_log_that_cannot_be_written_is_1(event: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    # A real failure while running: --db names a place where the log file cannot be made (a
    # file stands where its directory would be: refused to root too, unlike a chmod).
    (tmp_path / "not-a-dir").write_text("", encoding="utf-8")
    code = main(["checkpoint", str(event), "--db", str(tmp_path / "not-a-dir" / "x.sqlite"),
                 "--town", "Andheri", "--time", "2021-08-15T07:10", "--now", NOW])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1, err
    assert err.startswith("companion: ") and len(err.strip().splitlines()) == 1


def test_a_checkpoint_on_a_full_disk_is_1(event: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    with small_disk(tmp_path / "disk") as disk:
        db = disk / "unity.sqlite"
        args = ["checkpoint", str(event), "--db", str(db), "--now", NOW]
        assert main([*args, "--town", "Andheri", "--time", "2021-08-15T07:10"]) == 0
        ballast = fill(disk)
        capsys.readouterr()
        code = main([*args, "--town", "Virar Phata", "--time", "2021-08-15T16:40"])
        err = capsys.readouterr().err
        ballast.unlink()
    assert code == 1, err
    assert err.startswith("companion: ") and len(err.strip().splitlines()) == 1, err


def test_an_export_or_event_file_on_a_full_disk_is_1_and_keeps_the_old_file(
    event: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with small_disk(tmp_path / "disk") as disk:
        days = disk / "days.csv"
        days.write_text("the export of yesterday\n")
        ballast = fill(disk)
        capsys.readouterr()
        code = main(["export", str(event), "--days-csv", str(days), "--force"])
        new = main(["new", "unity-run-2021", "-o", str(disk / "e.toml")])
        err = capsys.readouterr().err
        ballast.unlink()
        kept = days.read_text()
        left = sorted(p.name for p in disk.iterdir())
    assert (code, new) == (1, 1), err
    assert kept == "the export of yesterday\n"  # written aside: the old file is whole
    assert left == ["days.csv"], left  # no half-written file or temporary left behind
    assert err.count("\n") == 2 and "No space left" in err


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_follow_that_never_reaches_its_feed_is_1_and_its_log_has_no_secret(
    event: Path, tmp_path: Path
) -> None:
    port = _closed_port()  # nothing listens there: every connection is refused
    url = f"http://crew:s3cretpw@127.0.0.1:{port}/pos?token=t0kenvalue&every=0.2"
    log = tmp_path / "follow.log"
    r = run("-v", "--log", str(log), "follow", str(event), "--feed", url, "--duration", "2",
            data=tmp_path / "data", env={"COMPANION_FEED_PASSWORD": "envsecret"})  # fmt: skip
    assert r.returncode == 1, r.stderr
    assert f"companion: feed http://crew:***@127.0.0.1:{port}/pos?token=***&every=0.2 never " \
           "answered" in r.stderr  # fmt: skip
    text = log.read_text(encoding="utf-8")
    # -v logged the feed's losses (logging goes somewhere), to stderr and the file alike.
    assert f"feed http://crew:***@127.0.0.1:{port}/pos" in text and " lost: " in text
    assert " lost: " in r.stderr
    for secret in ("s3cretpw", "t0kenvalue", "envsecret"):
        assert secret not in text and secret not in r.stderr and secret not in r.stdout


def test_follow_that_reaches_a_real_replay_is_0(event: Path, tmp_path: Path) -> None:
    track = REPO.parent / "shared" / "data" / "gpx" / "run.gpx"  # a real run, with its times
    if not track.exists():
        pytest.skip(f"no {track}")
    r = run("follow", str(event), "--feed", f"replay:{track}?speed=100000", "--duration", "3",
            "--db", str(tmp_path / "replay.sqlite"), data=tmp_path / "data")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "feed connected" in r.stdout


# --- export -----------------------------------------------------------------------------------
def test_export_gpx_to_stdout(event: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["export", str(event), "--gpx", "-"]) == 0
    out, err = capsys.readouterr()
    gpx = gpxpy.parse(out)  # stdout is the document alone; the "wrote" line went to stderr
    rows = book()
    # Each typed town is a waypoint and a track point at the book's own coordinates.
    want = [(t, float(rows[t]["lat"]), float(rows[t]["lon"])) for t, _at in TYPED]
    assert [(w.name, w.latitude, w.longitude) for w in gpx.waypoints] == pytest.approx(want)
    points = gpx.tracks[0].segments[0].points
    assert [(p.latitude, p.longitude) for p in points] == pytest.approx([w[1:] for w in want])
    assert "wrote -: " in err


def test_export_days_and_entries_are_two_csv_files(
    event: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    days, entries = tmp_path / "days.csv", tmp_path / "entries.csv"
    assert main(["export", str(event), "--days-csv", str(days), "--entries-csv", str(entries)]) == 0
    km = book_km()
    rows = list(csv.DictReader(io.StringIO(entries.read_text())))
    assert [(r["label"], float(r["km"])) for r in rows] == [(t, km[t]) for t, _at in TYPED]
    assert [r["time"][:16] for r in rows] == [at for _t, at in TYPED]
    day_rows = list(csv.DictReader(io.StringIO(days.read_text())))
    assert [r["date"] for r in day_rows] == ["2021-08-15", "2021-08-16"]
    # Day 1 ends at Virar Phata, day 2 at Manor: the book's km, differenced by hand.
    assert float(day_rows[0]["km"]) == pytest.approx(km["Virar Phata"])
    assert float(day_rows[1]["km"]) == pytest.approx(km["Manor"] - km["Virar Phata"])


def test_export_refuses_to_overwrite_unless_force_and_csv_points_to_the_new_options(
    event: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    days = tmp_path / "days.csv"
    days.write_text("keep me\n")
    assert main(["export", str(event), "--days-csv", str(days)]) == 2
    assert "already exists; give --force" in capsys.readouterr().err
    assert days.read_text() == "keep me\n"
    assert main(["export", str(event), "--days-csv", str(days), "--force"]) == 0
    assert days.read_text().startswith("date,km,")
    # The same rule as `new`: an existing event file is kept unless --force.
    assert main(["new", "unity-run-2021", "-o", str(event)]) == 2
    capsys.readouterr()
    assert main(["export", str(event), "--csv", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err
    assert "--entries-csv" in err and "--days-csv" in err
    assert not (tmp_path / "x.csv").exists()


# --- logging ----------------------------------------------------------------------------------
def test_a_logged_url_is_redacted_in_every_handler(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "x.log"
    configure(1, str(log))
    try:
        url = "http://crew:s3cretpw@example.org:8080/pos?api_key=abc123&every=5"
        logging.getLogger("companion.test").info("polling %s", url)
        try:
            raise OSError(f"cannot reach {url}")
        except OSError:
            logging.getLogger("companion.test").exception("failed")
    finally:
        configure(0, None)
    text = log.read_text()
    err = capsys.readouterr().err
    for where in (text, err):
        assert "polling http://crew:***@example.org:8080/pos?api_key=***&every=5" in where
        assert "cannot reach http://crew:***@" in where  # the traceback too
        assert "s3cretpw" not in where and "abc123" not in where


def test_hide_secrets_replaces_the_credential_variables_values() -> None:
    env = {"COMPANION_FEED_TOKEN": "tok-9f8e7d", "COMPANION_FEED_USER": "ab"}
    assert hide_secrets("Bearer tok-9f8e7d sent by ab", env) == "Bearer *** sent by ab"


def test_under_the_dashboard_log_lines_go_to_the_file_and_textual_not_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from textual.logging import TextualHandler

    from companion.app.logs import attach_textual_handler

    log = tmp_path / "run.log"
    configure(1, str(log), screen=True)  # what `companion -v --log FILE run` sets up
    try:
        attach_textual_handler()
        handlers = logging.getLogger().handlers
        assert sum(isinstance(h, TextualHandler) for h in handlers) == 1
        logging.getLogger("companion.sources").info("feed %s lost: timeout", "gpsd://h:2947")
    finally:
        configure(0, None)
    assert capsys.readouterr().err == ""  # nothing printed over the screen
    assert "feed gpsd://h:2947 lost: timeout" in log.read_text()
    assert not any(isinstance(h, TextualHandler) for h in logging.getLogger().handlers)
