"""The log follows the event: it lives beside the event file, so a moved or copied folder keeps
it; an old log (found by the event file's former absolute path) is carried over once; `companion
paths` says where everything is."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from companion import locations
from companion.cli import main
from companion.eventlog import EventLogError, event_log_path, find_event_log
from companion.logbook import Logbook
from companion.service import EventSession


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "data"
    monkeypatch.setenv(locations.DATA_DIR_ENV, str(d))
    return d


def new_event(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    ev = folder / "unity.toml"
    assert main(["new", "unity-run-2021", "-o", str(ev), "--start", "2021-08-15T05:30"]) == 0
    return ev


def status(ev: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    capsys.readouterr()
    assert main(["status", str(ev), "--json", "--now", "2021-08-15T20:00+05:30"]) == 0
    doc: dict[str, object] = json.loads(capsys.readouterr().out)
    return doc


def checkpoint(ev: Path, town: str, at: str) -> None:
    assert main(["checkpoint", str(ev), "--town", town, "--time", at,
                 "--now", "2021-08-15T20:00+05:30"]) == 0  # fmt: skip


def test_the_log_is_beside_the_event_and_moves_with_its_folder(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ev = new_event(tmp_path / "laptop" / "unity")
    checkpoint(ev, "Borivali", "2021-08-15T09:00")  # km 24 in the route book
    assert (ev.parent / "unity.sqlite").is_file()
    assert not (data_dir / "events").exists()  # nothing written in the data dir
    # The crew moves the folder to a USB stick: the log goes with it.
    stick = tmp_path / "usb-stick"
    stick.mkdir()
    shutil.move(str(ev.parent), str(stick))
    moved = stick / "unity" / "unity.toml"
    assert status(moved, capsys)["km_total"] == pytest.approx(24.0)


def test_a_copied_folder_carries_the_log_and_is_its_own_from_then_on(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ev = new_event(tmp_path / "car" / "unity")
    checkpoint(ev, "Borivali", "2021-08-15T09:00")
    copy = tmp_path / "other-laptop" / "unity"
    shutil.copytree(ev.parent, copy)
    copied = copy / "unity.toml"
    assert status(copied, capsys)["km_total"] == pytest.approx(24.0)
    checkpoint(copied, "Manor", "2021-08-15T16:00")  # km 84
    assert status(copied, capsys)["km_total"] == pytest.approx(84.0)
    assert status(ev, capsys)["km_total"] == pytest.approx(24.0)  # the original is untouched


def test_an_old_log_in_the_data_dir_is_carried_over_once_with_a_message(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ev = new_event(tmp_path / "unity")
    old = locations.default_db_path(ev)  # where an earlier Companion kept this event's log
    with EventSession.open(ev, old) as s:  # logged the old way
        s.checkpoint("Borivali", "2021-08-15T09:00", datetime(2021, 8, 15, 14, 30, tzinfo=UTC))
    assert old.is_file() and not event_log_path(ev).exists()
    capsys.readouterr()
    assert main(["paths", str(ev)]) == 0
    out = capsys.readouterr().out
    assert f"old    {old}" in out and "(not written yet)" in out
    assert old.is_file()  # paths changes nothing

    doc = status(ev, capsys)
    assert doc["km_total"] == pytest.approx(24.0)
    assert not old.exists() and event_log_path(ev).is_file()
    assert main(["status", str(ev), "--now", "2021-08-15T20:00+05:30"]) == 0
    assert "moved the event's log" not in capsys.readouterr().err  # once only


def test_the_carry_over_message_names_both_places(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ev = new_event(tmp_path / "unity")
    old = locations.default_db_path(ev)
    Logbook.open(old, event_name="Unity").close()
    capsys.readouterr()
    assert main(["status", str(ev), "--now", "2021-08-15T20:00+05:30"]) == 0
    err = capsys.readouterr().err
    assert f"moved the event's log from {old} to {ev.parent / 'unity.sqlite'}" in err


def test_a_carry_over_that_cannot_write_leaves_the_old_log(tmp_path: Path, data_dir: Path) -> None:
    ev = new_event(tmp_path / "unity")
    old = locations.default_db_path(ev)
    Logbook.open(old, event_name="Unity").close()
    # The folder is read-only: root ignores the mode, so the folder is replaced by a path under
    # a file instead (no directory can be created there by anyone).
    blocked = tmp_path / "a-file"
    blocked.write_text("x")
    with pytest.raises(EventLogError, match=r"cannot move the event's log .* it is still at"):
        from companion.eventlog import _carry_over

        _carry_over(old, blocked / "unity.sqlite")
    assert old.is_file()
    assert find_event_log(ev, carry_over=False).moved_from == old


def test_paths_prints_event_route_and_log(
    tmp_path: Path,
    data_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ev = new_event(tmp_path / "unity")
    checkpoint(ev, "Borivali", "2021-08-15T09:00")
    capsys.readouterr()
    assert main(["paths", str(ev), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["event"] == str(ev.absolute())
    assert doc["id"].startswith("unity-") and doc["route_bundled"] is True
    assert Path(doc["route"]).name == "unity-run-2021.csv" and Path(doc["route"]).is_file()
    assert doc["log"] == str(ev.parent.absolute() / "unity.sqlite") and doc["log_exists"]
    assert doc["old_log"] is None
    monkeypatch.chdir(ev.parent)
    assert main(["paths", "unity.toml"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"event  {ev.absolute()}") and "(id unity-" in lines[0]
    assert lines[1].endswith("unity-run-2021.csv  (bundled)")
    assert lines[2] == f"log    {ev.parent.absolute() / 'unity.sqlite'}"


def test_paths_of_a_missing_event_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["paths", str(tmp_path / "nope.toml")]) == 2
    err = capsys.readouterr().err
    assert "no such event file" in err and err.count("\n") == 1


def test_a_folder_moved_before_this_version_is_told_where_its_old_log_may_be(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ev = new_event(tmp_path / "before" / "unity")
    old = locations.default_db_path(ev)  # logged the old way, then the folder was moved
    with EventSession.open(ev, old) as s:
        s.checkpoint("Borivali", "2021-08-15T09:00", datetime(2021, 8, 15, 14, 30, tzinfo=UTC))
    shutil.move(str(ev.parent), str(tmp_path / "after"))
    moved = tmp_path / "after" / "unity.toml"
    capsys.readouterr()
    assert main(["paths", str(moved), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["other_logs"] == [str(old)]
    doc = status(moved, capsys)  # not taken: it may be another event's log
    assert doc["km_total"] == 0.0 and old.is_file()
    assert main(["status", str(tmp_path / "after" / "unity.toml"), "--now",
                 "2021-08-15T20:00+05:30"]) == 0  # fmt: skip
    # Said on the first open, which created the (empty) log beside the event; quiet after.
    assert "no log beside the event" not in capsys.readouterr().err


def test_the_first_open_of_a_moved_folder_names_the_stray_log(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ev = new_event(tmp_path / "before" / "unity")
    old = locations.default_db_path(ev)
    Logbook.open(old, event_name="Unity").close()
    shutil.move(str(ev.parent), str(tmp_path / "after"))
    capsys.readouterr()
    assert main(["status", str(tmp_path / "after" / "unity.toml"), "--now",
                 "2021-08-15T20:00+05:30"]) == 0  # fmt: skip
    err = capsys.readouterr().err
    assert f"a log of an event file named unity.toml elsewhere: {old}" in err
