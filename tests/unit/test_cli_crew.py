"""`companion stops`, `fed` and `handover` end to end on a real SQLite log: what they print and
log, read back by a fresh session (and after a kill -9), and bad input as one line, exit 2.
Expected values are hand arithmetic over the entries typed here."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from companion.cli import main
from companion.crew import Crew
from companion.service import EventSession

IST = ZoneInfo("Asia/Kolkata")
# Bhilad -> Surat, towns at book km; Valsad has a cut-off (IST, the event's zone).
ROUTE = """\
# name: Bhilad to Surat (crew test)
name,lat,lon,km,cutoff
Bhilad,20.2650,72.9080,0,
Vapi,20.3800,72.9100,14,
Pardi,20.5150,72.9450,30,
Valsad,20.6000,72.9340,40,2021-08-18T15:00
Navsari,20.9467,72.9520,86,
Surat,21.1702,72.8311,115,
"""


@pytest.fixture
def event(tmp_path: Path) -> Path:
    (tmp_path / "route.csv").write_text(ROUTE, encoding="utf-8")
    ev = tmp_path / "ride.toml"
    ev.write_text(
        textwrap.dedent(
            """\
            name = "Crew test"
            athlete = "A"
            route = "route.csv"
            timezone = "Asia/Kolkata"
            planned_kmh = 10.0
            start = 2021-08-18T06:00:00+05:30

            [feeding]
            eat_every_min = 45
            drink_every_min = 20
            """
        ),
        encoding="utf-8",
    )
    return ev


def cli(ev: Path, *args: str, now: str) -> int:
    return main([args[0], str(ev), "--db", str(ev.with_suffix(".sqlite")), *args[1:],
                 "--now", f"2021-08-18T{now}+05:30"])  # fmt: skip


def day_with_two_stops(ev: Path) -> None:
    assert cli(ev, "checkpoint", "--town", "Vapi", "--time", "07:30", now="07:31") == 0
    assert cli(ev, "stop", "--time", "07:40", now="07:41") == 0
    assert cli(ev, "go", "--time", "08:05", now="08:06") == 0  # 25 min at Vapi
    assert cli(ev, "checkpoint", "--km", "33", "--time", "09:30", now="09:31") == 0
    assert cli(ev, "stop", "--time", "09:35", now="09:36") == 0  # Pardi +3 km, going on


def test_stops_lists_tags_and_untags_and_a_new_session_reads_them(
    event: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    day_with_two_stops(event)
    capsys.readouterr()
    assert cli(event, "stops", "--tag", "1", "food", "--note", "dal\nrice", now="10:00") == 0
    assert capsys.readouterr().out.strip() == "stop 1: food (dal rice)"
    assert cli(event, "stops", "--tag", "0", "2", now="10:00") == 0  # the newest, by number
    assert cli(event, "stops", "--tag", "1", "toilet", now="10:01") == 0  # a second word
    assert cli(event, "stops", "--untag", "1", now="10:02") == 0  # ...taken back: food again
    capsys.readouterr()
    assert cli(event, "stops", "--json", now="10:05") == 0
    doc = json.loads(capsys.readouterr().out)
    assert [(s["number"], s["tag"], s["note"], s["by"]) for s in doc] == [
        (1, "food", "dal rice", "crew"),
        (2, "sleep", "", "crew"),
    ]
    assert doc[0]["start"] == "2021-08-18T07:40:00+05:30"
    assert doc[0]["end"] == "2021-08-18T08:05:00+05:30" and doc[0]["duration_s"] == 25 * 60
    assert doc[0]["where"] == "Vapi" and doc[0]["km"] == 14.0
    assert doc[1]["end"] is None and doc[1]["duration_s"] == 30 * 60  # 09:35 -> 10:05
    assert doc[1]["where"] == "Pardi +3.0 km"
    assert cli(event, "stops", now="10:05") == 0
    text = capsys.readouterr().out.splitlines()
    assert text[0].split() == [
        "1.", "07:40-08:05", "25", "min", "km", "14.0", "Vapi", "food", "—", "dal", "rice", "(crew)"
    ]  # fmt: skip
    assert text[-1].split() == ["Wed", "18", "Aug", "55", "min:", "sleep", "30", "min", "·",
                                "food", "25", "min"]  # fmt: skip
    # A fresh session (what a reopened dashboard sees) reads the same ledger from the log.
    with EventSession.open(event, event.with_suffix(".sqlite"), readonly=True) as s:
        stops = Crew(s).stops(datetime(2021, 8, 18, 10, 5, tzinfo=IST))
        assert [x.tag_name for x in stops] == ["food", "sleep"]


def test_bad_tags_and_stops_are_one_line_and_exit_2(
    event: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(event, "stops", "--tag", "1", "food", now="07:00") == 2
    assert capsys.readouterr().err.strip() == "companion: no stops yet"
    day_with_two_stops(event)
    capsys.readouterr()
    assert cli(event, "stops", "--tag", "3", "food", now="10:00") == 2
    assert "stop 3: there are stops 1 to 2" in capsys.readouterr().err
    assert cli(event, "stops", "--tag", "1", "lunch", now="10:00") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "1 food, 2 sleep, 3 mechanical" in err
    assert cli(event, "stops", "--tag", "1", "food", "--note", "x" * 301, now="10:00") == 2
    assert "at most 300" in capsys.readouterr().err
    assert cli(event, "stops", "--untag", "2", now="10:00") == 2
    assert "stop 2 has no tag" in capsys.readouterr().err
    assert cli(event, "stops", "--note", "alone", now="10:00") == 2


def test_fed_logs_and_the_timers_count_from_it(
    event: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(event, "checkpoint", "--town", "Vapi", "--time", "07:30", now="07:31") == 0
    capsys.readouterr()
    # From the start (06:00): eat due 06:45, drink 06:20; at 07:31 both long overdue.
    assert cli(event, "fed", now="07:31") == 0
    assert capsys.readouterr().out.strip() == "eat OVERDUE 46 min · drink OVERDUE 1h11"
    assert cli(event, "fed", "--eat", "banana", "--time", "07:20", now="07:31") == 0
    assert capsys.readouterr().out.splitlines()[0] == "ate at 07:20: banana"
    assert cli(event, "fed", "--drink", now="07:31") == 0
    capsys.readouterr()
    assert cli(event, "fed", "--json", now="07:40") == 0
    eat, drink = json.loads(capsys.readouterr().out)
    assert (eat["kind"], eat["due_in_s"]) == ("eat", 25 * 60)  # banana 07:20 + 45 min
    assert eat["due_at"] == "2021-08-18T08:05:00+05:30"
    assert (drink["due_at"], drink["due_in_s"], drink["state"]) == (
        "2021-08-18T07:51:00+05:30", 11 * 60, "ok"
    )
    assert cli(event, "fed", "--undo", now="07:41") == 0  # the drink goes: 06:20 again
    assert capsys.readouterr().out.startswith("undid drank at 07:31")
    with EventSession.open(event, event.with_suffix(".sqlite"), readonly=True) as s:
        assert [(f.kind, f.what) for f in Crew(s).entries().fed] == [("eat", "banana")]
    assert cli(event, "fed", "--eat", "--drink", now="07:41") == 2


def test_status_says_where_the_numbers_come_from_the_stop_and_the_timers(
    event: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    day_with_two_stops(event)
    assert cli(event, "stops", "--tag", "0", "toilet", now="09:40") == 0
    assert cli(event, "fed", "--eat", "--time", "09:20", now="09:40") == 0
    capsys.readouterr()
    assert cli(event, "status", now="09:50") == 0
    lines = capsys.readouterr().out.splitlines()
    # The last entry is the crew's "stop" at 09:35, at km 33.
    i = lines.index("where km 33.0 · 15 min ago · manual (stopped) · last town Pardi 09:30")
    # Asleep? No: a toilet stop, so the timers run: eat 09:20 + 45, never drank (06:00 + 20).
    assert lines[i + 1:] == [
        "stop  since 09:35 at Pardi +3.0 km: toilet",
        "timers eat in 15 min · drink OVERDUE 3h30",
        "! DRINK overdue by 3h30 (nothing logged yet)",
    ]
    assert cli(event, "status", "--json", now="09:50") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["crew"]["stop"]["tag"] == "toilet" and doc["crew"]["stops"] == 2
    assert doc["crew"]["where"]["age_s"] == 15 * 60
    assert [t["state"] for t in doc["crew"]["timers"]] == ["ok", "overdue"]
    assert "DRINK overdue by 3h30 (nothing logged yet)" in doc["alerts"]


def test_handover_card_since_the_last_one_with_its_note(
    event: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    day_with_two_stops(event)
    assert cli(event, "stops", "--tag", "1", "food", "--note", "poha", now="09:40") == 0
    assert cli(event, "fed", "--eat", "poha", "--time", "07:45", now="09:40") == 0
    capsys.readouterr()
    assert cli(event, "handover", "--json", "--note", "knee sore", now="10:00") == 0
    card = json.loads(capsys.readouterr().out)
    # The shift: from the start 06:00 (today began before it) to 10:00: km 0 -> 33.
    assert card["since"] == "2021-08-18T06:00:00+05:30"
    assert card["since_why"] == "start of the event"
    assert card["km"] == 33.0
    assert card["elapsed_s"] == 4 * 3600
    assert card["moving_s"] == 4 * 3600 - 25 * 60 - 25 * 60  # two stops: 25 min and 09:35 on
    assert [(s["tag"], s["note"]) for s in card["stops"]] == [("food", "poha"), (None, "")]
    assert [(f["kind"], f["what"]) for f in card["fed"]] == [("eat", "poha")]
    assert any(a.startswith("DRINK") for a in card["alerts"])  # never drank: overdue
    assert card["where"]["last_town"] == "Pardi" and card["where"]["source"] == "manual"
    valsad = card["towns"][0]
    assert valsad["name"] == "Valsad" and valsad["km_to_go"] == 7.0
    assert valsad["deadlines"][0]["at"] == "2021-08-18T15:00:00+05:30"
    assert card["note"] == "knee sore"
    # The next card starts at that handover, and its text carries what the crew needs.
    assert cli(event, "go", "--time", "10:10", now="10:11") == 0
    assert cli(event, "checkpoint", "--town", "Valsad", "--time", "10:50", now="10:51") == 0
    capsys.readouterr()
    assert cli(event, "handover", now="11:00") == 0
    out = capsys.readouterr().out
    assert "shift since 10:00 (last handover)" in out
    assert "Shift: 7.0 km" in out  # km 33 -> Valsad (40)
    assert "Stops:\n   2. 09:35-10:10 35 min Pardi +3.0 km · untagged" in out
    assert "Last entry: 10:50 Valsad (km 40.0)" in out
    assert "last town Valsad 10:50" in out
    assert "Navsari 46.0 km" in out


KILLED = """\
import sys, time
from datetime import datetime
from companion.crew import Crew
from companion.service import EventSession
s = EventSession.open(sys.argv[1], sys.argv[2])
crew = Crew(s)
now = datetime.fromisoformat("2021-08-18T10:00+05:30")
crew.tag(1, "mech", "chain", now)
crew.fed("drink", "ORS", None, now)
print("logged", flush=True)
time.sleep(60)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_crew_entries_survive_a_kill_9(event: Path, tmp_path: Path) -> None:
    day_with_two_stops(event)
    db = event.with_suffix(".sqlite")
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED, str(event), str(db)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "logged", proc.stderr.read() if proc.stderr else line
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    with EventSession.open(event, db) as s:
        got = Crew(s).entries()
        assert [(t.tag, t.note) for t in got.tags] == [("mechanical", "chain")]
        assert [(f.kind, f.what) for f in got.fed] == [("drink", "ORS")]


def test_a_bad_feeding_table_names_the_key(
    event: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event.write_text(event.read_text().replace("= 45", "= 0"), encoding="utf-8")
    assert cli(event, "fed", now="07:00") == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("feeding.eat_every_min: 0 min is out of range (1 to 720 minutes)")
    assert str(event) in err


def test_a_night_shifts_card_gives_yesterday_its_weekday(
    event: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A stop that began before midnight, on the card of a shift that ends after it: "Wed
    21:00-05:45", not "21:00-05:45" (read as this evening's: the Kovner crew check's card,
    2026-12-03, "13:10-05:21" for a stop from yesterday 13:10)."""
    day_with_two_stops(event)
    assert cli(event, "go", "--time", "10:10", now="10:11") == 0
    assert cli(event, "checkpoint", "--town", "Valsad", "--time", "20:50", now="20:51") == 0
    assert cli(event, "stop", "--time", "21:00", now="21:01") == 0
    db = str(event.with_suffix(".sqlite"))
    assert main(["go", str(event), "--db", db, "--time", "2021-08-19T05:45",
                 "--now", "2021-08-19T05:46+05:30"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["handover", str(event), "--db", db, "--since", "2021-08-18T20:00",
                 "--now", "2021-08-19T06:00+05:30"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "shift since 20:00 Wed" in out
    assert re.search(r"^ +\d+\. Wed 21:00-05:45 8h45 Valsad", out, re.M), out
