"""Two commands started together on an event whose log is still of the old rule (the crew's
`companion run` and `companion share` after an upgrade) both carry it over. The one that comes
second must not replace the log the first one already carried over and wrote to since."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from companion import locations
from companion.cli import main
from companion.eventlog import _carry_over, event_log_path
from companion.service import EventSession

WHEN = datetime(2021, 8, 15, 14, 30, tzinfo=UTC)


def test_a_second_carry_over_keeps_the_log_the_first_one_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(locations.DATA_DIR_ENV, str(tmp_path / "data"))
    ev = tmp_path / "unity" / "unity.toml"
    ev.parent.mkdir()
    assert main(["new", "unity-run-2021", "-o", str(ev), "--start", "2021-08-15T05:30"]) == 0
    old = locations.default_db_path(ev)
    with EventSession.open(ev, old) as s:  # logged the old way: Borivali, km 24
        s.checkpoint("Borivali", "2021-08-15T09:00", WHEN)
    beside = event_log_path(ev)
    _carry_over(old, beside)  # the first command: carries it over ...
    with EventSession.open(ev, beside) as s:  # ... and logs Manor (km 84) in it
        s.checkpoint("Manor", "2021-08-15T16:00", WHEN.replace(hour=11))
    # The second command had found no log beside the event and read the old one (here a copy
    # of it as it was, since the first one removed it) before the first one was done.
    with EventSession.open(ev, old) as s:
        s.checkpoint("Borivali", "2021-08-15T09:00", WHEN)
    _carry_over(old, beside)
    capsys.readouterr()
    assert main(["status", str(ev), "--json", "--now", "2021-08-15T20:00+05:30"]) == 0
    assert json.loads(capsys.readouterr().out)["km_total"] == pytest.approx(84.0)
