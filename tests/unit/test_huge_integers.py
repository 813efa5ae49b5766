"""An integer too big for a float (TOML and JSON read integers of any length) is refused with a
message, never an OverflowError traceback: in the event file, in a peer's log row, in a status
message on the board."""

from __future__ import annotations

import json
import tempfile
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from companion.cli import main
from companion.logbook import Logbook
from companion.logrows import RowError, fix_from_row
from companion.share.board import Board
from companion.share.messages import parse_log
from companion.share.store import ShareStore

HUGE = 10**400  # float(HUGE) raises OverflowError
ROUTE = "name,lat,lon,km\nVapi,20.3800,72.9100,0\nPardi,20.5150,72.9450,16\n"


def event_file(tmp_path: Path, extra: str) -> Path:
    (tmp_path / "r.csv").write_text(ROUTE, encoding="utf-8")
    ev = tmp_path / "e.toml"
    head = textwrap.dedent(
        """\
        name = "x"
        athlete = "a"
        route = "r.csv"
        timezone = "Asia/Kolkata"
        """
    )
    ev.write_text(head + extra, encoding="utf-8")
    return ev


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        (f"planned_kmh = {HUGE}\n", "planned_kmh"),
        (f"planned_kmh = 10\nstale_min = {HUGE}\n", "stale_min"),
        (f"planned_kmh = 10\n[feeding]\neat_every_min = {HUGE}\n", "feeding.eat_every_min"),
    ],
)
def test_an_event_file_with_a_huge_number_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str, key: str
) -> None:
    ev = event_file(tmp_path, extra)
    assert main(["status", str(ev), "--db", str(tmp_path / "e.sqlite")]) == 2
    err = capsys.readouterr().err.strip()
    assert key in err and "out of range" in err and "\n" not in err


def peer_row(payload: dict[str, object]) -> bytes:
    return json.dumps({
        "unit": "car2", "id": 7, "kind": "fix", "time": "2021-08-15T01:30:00.000000+00:00",
        "lat": 19.2, "lon": 72.9, "km": None, "source": "nmea", "ref": None, "payload": payload,
    }).encode()  # fmt: skip


@pytest.mark.parametrize("key", ["speed_mps", "course_deg", "alt_m", "accuracy_m"])
def test_a_peer_row_with_a_huge_number_is_refused_as_a_row_error(key: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        db = Path(d) / "log.sqlite"
        Logbook.open(db).close()
        store = ShareStore(db)
        try:
            with pytest.raises(RowError):  # the publisher drops it and counts it
                store.merge(parse_log(peer_row({key: HUGE}), "car2"))
        finally:
            store.close()


def test_a_log_row_with_a_huge_coordinate_is_a_row_error() -> None:
    row = (1, "fix", "2021-08-15T01:30:00.000000+00:00", HUGE, 72.9, None, "manual", None, None)
    with pytest.raises(RowError):
        fix_from_row(row)


def test_the_board_takes_a_status_with_a_huge_number() -> None:
    board = Board()
    doc = {"unit": "car1", "athlete": "A", "seq": 3, "km_total": HUGE, "km_today": 12.5}
    assert board.message("car1", "status", json.dumps(doc).encode())
    [row] = board.rows(datetime(2021, 8, 15, tzinfo=UTC))
    assert row[2:4] == ("—", "12.5")
