"""Issue 10, hostile times: a time outside the sane window is refused at every door with one line
(exit 2) or a counted rejection, a log row that cannot be read is set aside and said, never fatal,
and the messages name what is wrong. Through the real CLI (`main`) and a real SQLite file.

Expected values come from the files themselves (the route book's km read with the csv module), the
issue's own inputs, and hand arithmetic, never from Companion's output.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from datetime import UTC, datetime
from functools import reduce
from pathlib import Path

import pytest

from companion.cli import main
from companion.logbook import Logbook
from companion.sources.filters import PlausibilityFilter
from companion.sources.gpsd import GpsdParser
from companion.sources.nmea import NmeaParser
from companion.sources.payloads import parse_positions

ROUTE_BOOK = Path(__file__).resolve().parents[2] / "companion" / "routes" / "unity-run-2021.csv"
NOW = "2021-08-16T12:00+05:30"


def book_km(town: str) -> float:
    """A town's km as the route book gives it, read with the csv module."""
    lines = [ln for ln in ROUTE_BOOK.read_text(encoding="utf-8").splitlines() if ln[:1] != "#"]
    rows = {r["name"]: float(r["km"]) for r in csv.DictReader(lines)}
    return rows[town]


class Cli:
    """`companion ...` in this process, with the event's database given explicitly."""

    def __init__(self, event: Path, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.event, self.db, self.capsys = event, db, capsys

    def __call__(self, command: str, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        rc = main([command, str(self.event), "--db", str(self.db), *args])
        out, err = self.capsys.readouterr()
        return rc, out, err


def one_line_error(rc: int, err: str) -> str:
    """The CLI's refusal: exit 2, a single line on stderr, no traceback."""
    assert rc == 2, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    event = tmp_path / "unity.toml"
    args = [
        "new",
        "unity-run-2021",
        "-o",
        str(event),
        "--speed",
        "7",
        "--start",
        "2021-08-15T05:30",
    ]
    assert main(args) == 0
    return Cli(event, tmp_path / "unity.sqlite", capsys)


def km_total(cli: Cli) -> float:
    rc, out, err = cli("status", "--json", "--now", NOW)
    assert rc == 0, err
    return float(json.loads(out)["km_total"])


# --- F1: a time before year 1000 (or after 9999) never reaches the log --------------------------


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("0999-06-01T10:00+00:00", "before 2000"),  # the issue's: it was committed as "999-..."
        ("0001-01-01T00:00", "before 2000"),  # local year 1 is in year 0 UTC: OverflowError
        ("9999-12-31T23:59-05:00", "after 2099"),  # OverflowError too
        ("1999-12-31T23:00+00:00", "before 2000"),  # a GPS week rollover's year
    ],
)
def test_a_typed_time_outside_the_window_is_refused_and_the_event_still_opens(
    cli: Cli, typed: str, why: str
) -> None:
    rc, _out, err = cli("checkpoint", "--town", "Valsad", "--time", typed, "--force", "--now", NOW)
    assert why in one_line_error(rc, err)
    assert km_total(cli) == 0.0  # nothing was logged, and the log still opens
    rc, _out, err = cli(
        "checkpoint", "--town", "Valsad", "--time", "2021-08-15T20:00", "--now", NOW
    )
    assert rc == 0, err
    assert km_total(cli) == book_km("Valsad")


def test_an_edit_to_a_time_outside_the_window_is_refused(cli: Cli) -> None:
    assert cli("checkpoint", "--town", "Valsad", "--time", "2021-08-15T20:00", "--now", NOW)[0] == 0
    rc, _out, err = cli("edit", "--time", "0999-06-01T10:00+00:00", "--force", "--now", NOW)
    assert "before 2000" in one_line_error(rc, err)
    assert km_total(cli) == book_km("Valsad")
    rc, out, err = cli("status", "--now", NOW)
    assert rc == 0 and "20:00" in out, err  # still at the time it was logged


def _nmea(body: str) -> str:
    return f"${body}*{reduce(lambda a, c: a ^ ord(c), body, 0):02X}"


def test_feed_times_from_the_issue_are_rejected_counted_and_said() -> None:
    """OwnTracks' .NET no-date, an NMEA ZDA of year 0002 and a gpsd TPV of 0999, each through its
    real parser and the plausibility filter every feed uses."""
    owntracks = {"_type": "location", "lat": 20.6, "lon": 72.934, "tst": -62135596800}
    fixes = parse_positions(owntracks, source="http")
    nmea = NmeaParser(source="nmea")
    for line in (
        _nmea("GPZDA,101500.00,01,06,0002,00,00"),
        _nmea("GPGGA,101500.00,2036.000,N,07256.040,E,1,08,1.0,10.0,M,0.0,M,,"),
        _nmea("GPZDA,101501.00,01,06,0002,00,00"),
    ):
        fixes += nmea.feed_line(line)
    gpsd = GpsdParser()
    tpv = {"class": "TPV", "mode": 3, "time": "0999-12-31T00:00:00Z", "lat": 20.6, "lon": 72.9}
    fixes += gpsd.feed_line(json.dumps(tpv)) + gpsd.flush()  # the epoch ends at the flush
    years = sorted(f.time.year for f in fixes)
    assert years == [1, 2, 999]  # what the peers sent, as the parsers read it
    live = PlausibilityFilter(25.0)
    reasons = [live.check(f, now=datetime(2021, 8, 16, 6, 30, tzinfo=UTC)) for f in fixes]
    assert all(r is not None and "before 2000" in r for r in reasons), reasons
    assert live.counts["bad time"] == 3 and live.rejected == 3 and live.last is None
    history = PlausibilityFilter(25.0)  # a replayed file: no clock, the window still holds
    assert all(history.check(f) is not None for f in fixes)


def test_a_feed_fix_a_day_ahead_is_rejected_even_with_a_lax_future_test() -> None:
    now = datetime(2021, 8, 16, 6, 30, tzinfo=UTC)
    lax = PlausibilityFilter(25.0, future_s=1e9)
    ahead = parse_positions({"lat": 20.6, "lon": 72.9, "time": "2021-08-17T06:31:00Z"})[0]
    reason = lax.check(ahead, now=now)
    assert reason is not None and "in the future" in reason
    assert lax.counts["bad time"] == 1


def test_the_log_refuses_to_store_a_time_it_could_not_read_back(tmp_path: Path) -> None:
    from companion.core.models import Fix

    with Logbook.open(tmp_path / "e.sqlite") as book:
        for year in (1, 999, 1999, 2100, 9999):
            when = datetime(year, 6, 1, tzinfo=UTC)
            with pytest.raises(Exception, match="not a real time") as caught:
                book.append_fix(Fix(when, 20.6, 72.9, source="gpsd"), commit=True)
            assert type(caught.value).__name__ == "LogbookError"
        good = datetime(2021, 8, 15, 14, 30, 0, 123456, tzinfo=UTC)
        book.append_fix(Fix(good, 20.6, 72.9, source="gpsd"), commit=True)
        assert [f.time for _id, f in book.effective_fixes()] == [good]


# --- F8: tracebacks instead of one line ----------------------------------------------------------


@pytest.mark.parametrize(
    "now", ["0001-01-01T00:00+05:00", "9999-12-31T23:59+00:00", "0999-06-01T10:00+00:00"]
)
def test_now_at_the_ends_of_the_calendar_is_one_line(cli: Cli, now: str) -> None:
    for command in ("status", "summary"):
        rc, _out, err = cli(command, "--now", now)
        assert "--now" in one_line_error(rc, err)


@pytest.mark.parametrize("start", ["0001-01-01T00:00", "9999-12-31T23:00", "0999-06-01T10:00"])
def test_start_at_the_ends_of_the_calendar_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], start: str
) -> None:
    out = tmp_path / "e.toml"
    assert main(["new", "unity-run-2021", "-o", str(out), "--start", start]) == 2
    assert "start" in one_line_error(2, capsys.readouterr().err)
    assert not out.exists()
    # The same start written into an event file by hand.
    out.write_text(
        'name = "x"\nathlete = "y"\nroute = "unity-run-2021"\ntimezone = "Asia/Kolkata"\n'
        f"planned_kmh = 7\nstart = {start}:00\n",
        encoding="utf-8",
    )
    assert main(["status", str(out), "--db", str(tmp_path / "e.sqlite")]) == 2
    err = one_line_error(2, capsys.readouterr().err)
    assert str(out) in err and "start" in err


def test_replay_of_a_billion_laughs_or_xxe_gpx_is_one_line(
    cli: Cli, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    laughs = tmp_path / "laughs.gpx"
    laughs.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
        '<gpx><trk><trkseg><trkpt lat="20.6" lon="72.9"><time>2021-08-15T00:00:00Z</time>'
        "<name>&lol2;</name></trkpt></trkseg></trk></gpx>\n"
    )
    xxe = tmp_path / "xxe.gpx"
    xxe.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        '<gpx><trk><trkseg><trkpt lat="20.6" lon="72.9"><time>2021-08-15T00:00:00Z</time>'
        "<name>&x;</name></trkpt></trkseg></trk></gpx>\n"
    )
    for bad in (laughs, xxe):
        for command in ("follow", "run"):
            rc, _out, err = cli(command, "--feed", f"replay:{bad}")
            msg = one_line_error(rc, err)
            assert str(bad) in msg and "DTD" in msg and "passwd" not in msg
        # The route loader refuses the same file, in the same words.
        capsys.readouterr()
        assert main(["info", str(bad)]) == 2
        assert "DTD" in one_line_error(2, capsys.readouterr().err)


def test_a_feed_url_with_a_byte_that_is_not_utf8_is_one_line(cli: Cli, tmp_path: Path) -> None:
    url = "http://127.0.0.1:9/pos" + b"\xff".decode("utf-8", "surrogateescape")  # as argv has it
    rc, _out, err = cli("follow", "--feed", url, "--duration", "1")
    assert "--feed" in one_line_error(rc, err) and "UTF-8" in err
    assert main(["new", "unity-run-2021", "-o", str(tmp_path / "f.toml"), "--feed", url]) == 2
    assert not (tmp_path / "f.toml").exists()


# --- a log row that cannot be read is set aside, said, and never bricks the event ---------------

DAMAGE = [
    # (time, lat, payload): each one made `status`, `undo` and `checkpoint` die before
    ("999-06-01T10:00:00.000000+00:00", 20.6, '{"label": "Valsad"}'),  # what to_iso wrote
    ("0999-06-01T10:00:00.000000+00:00", 20.6, '{"label": "Valsad"}'),  # readable, out of window
    ("2021-08-15T21:00:00.000000+00:00", 20.6, '{"label": "Vals'),  # JSONDecodeError
    ("2021-08-15T21:00:00.000000+00:00", "north", None),  # lat is text
    ("2021-08-15T21:00:00", 20.6, None),  # no offset
    (None, 20.6, None),  # no time at all
    ("2021-08-15T21:00:00.000000+00:00", 20.6, '{"speed_mps": "fast"}'),  # a field of text
]


def _damage(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        for when, lat, payload in DAMAGE:
            conn.execute(
                "INSERT INTO events (kind, logged_at, time, lat, lon, km, source, payload) "
                "VALUES ('fix', '2021-08-16T04:00:00.000000+00:00', ?, ?, 72.934, 189.0, "
                "'manual', ?)",
                (when, lat, payload),
            )
        # An edit of the good entry whose new time cannot be read: the entry keeps its time.
        conn.execute(
            "INSERT INTO events (kind, logged_at, time, ref, payload) "
            "VALUES ('edit', '2021-08-16T04:00:00.000000+00:00', 'yesterday', 1, NULL)"
        )
    conn.close()
    return len(DAMAGE) + 1


def test_damaged_rows_are_set_aside_and_status_undo_checkpoint_still_work(cli: Cli) -> None:
    rc, _out, err = cli(
        "checkpoint", "--town", "Valsad", "--time", "2021-08-15T20:00", "--now", NOW
    )
    assert rc == 0, err  # row #1
    n = _damage(cli.db)  # rows #2 to #9, all newer than the good entry

    rc, out, err = cli("status", "--json", "--now", NOW)
    assert rc == 0, err
    assert json.loads(out)["km_total"] == book_km("Valsad")
    assert f"SET ASIDE: {n} log rows, first #2 (fix)" in err and str(cli.db) in err
    rc, out, err = cli("status", "--now", NOW)
    assert rc == 0, err
    assert "! SET ASIDE" in out and "'999-06-01T10:00:00.000000+00:00'" in out
    assert "20:00" in out  # the damaged edit did not move the entry

    # undo acts on the newest entry the crew can see: the damaged rows are newer, and skipped.
    rc, out, err = cli("undo")
    assert rc == 0 and out.startswith("undid Valsad"), err
    assert "SET ASIDE" in err
    assert km_total(cli) == 0.0
    rc, out, err = cli("checkpoint", "--town", "Valsad", "--time", "2021-08-15T20:00", "--now", NOW)
    assert rc == 0 and out.startswith("Valsad"), err
    assert km_total(cli) == book_km("Valsad")
    rc, out, err = cli("edit", "--time", "2021-08-15T20:10", "--now", NOW)
    assert rc == 0 and out.startswith("changed Valsad") and "20:10" in out, err


def test_the_log_view_shows_a_damaged_row_instead_of_failing(cli: Cli) -> None:
    assert cli("checkpoint", "--town", "Valsad", "--time", "2021-08-15T20:00", "--now", NOW)[0] == 0
    _damage(cli.db)
    with Logbook.open(cli.db, readonly=True) as book:
        entries = {e.id: e for e in book.entries()}
        assert sorted(entries) == list(range(1, 10))
        # Rows the view cannot word or place in a timezone. #7 (no time) and #8 (a speed of
        # text) word fine as rows: only the replay, which needs a time and numbers, refuses them.
        unreadable = sorted(i for i, e in entries.items() if e.kind == "unreadable")
        assert unreadable == [2, 3, 4, 5, 6, 9]
        assert all(entries[i].summary.startswith(f"row #{i} set aside: ") for i in unreadable)
        assert entries[1].kind == "fix" and "Valsad" in entries[1].summary
        assert [(i, f.label) for i, f in book.effective_fixes()] == [(1, "Valsad")]
        assert [r.id for r in book.set_aside] == list(range(2, 10))
        last = book.last_manual()
        assert last is not None and last.id == 1


# --- F9: messages that say what is wrong ---------------------------------------------------------


def test_a_timezone_that_is_a_folder_of_zones_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new", "unity-run-2021", "-o", str(tmp_path / "a.toml"), "--tz", "Asia"]) == 2
    err = one_line_error(2, capsys.readouterr().err)
    assert "unknown timezone 'Asia'" in err and "directory" not in err
    ev = tmp_path / "b.toml"
    ev.write_text(
        'name = "x"\nathlete = "y"\nroute = "unity-run-2021"\ntimezone = "Asia"\nplanned_kmh = 7\n'
    )
    assert main(["status", str(ev), "--db", str(tmp_path / "b.sqlite")]) == 2
    err = one_line_error(2, capsys.readouterr().err)
    assert str(ev) in err and "timezone" in err and "directory" not in err


def test_an_event_file_with_a_utf8_bom_loads(cli: Cli, tmp_path: Path) -> None:
    text = cli.event.read_bytes()
    cli.event.write_bytes(b"\xef\xbb\xbf" + text)  # as Windows Notepad saves it
    rc, out, err = cli("status", "--json", "--now", NOW)
    assert rc == 0, err
    assert json.loads(out)["event"] == "unity-run-2021"


def test_a_route_book_with_cr_only_line_ends_loads_like_the_original(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cr = tmp_path / "cr.csv"
    cr.write_bytes(ROUTE_BOOK.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    assert main(["info", str(cr), "--json"]) == 0
    towns = json.loads(capsys.readouterr().out)["towns"]
    lines = [ln for ln in ROUTE_BOOK.read_text(encoding="utf-8").splitlines() if ln[:1] != "#"]
    expected = [(r["name"], float(r["km"])) for r in csv.DictReader(lines)]
    assert [(t["name"], t["km"]) for t in towns] == expected


def test_an_unknown_encoding_in_a_gpx_declaration_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shared_dir: Path
) -> None:
    real = (shared_dir / "data" / "gpx" / "route.gpx").read_bytes()
    assert real.startswith(b"<?xml")
    end = real.index(b"?>")
    bad = tmp_path / "enc.gpx"
    bad.write_bytes(b'<?xml version="1.0" encoding="UTF1e11"' + real[end:])
    assert main(["info", str(bad)]) == 2
    err = one_line_error(2, capsys.readouterr().err)
    assert str(bad) in err and "line 1" in err and "UTF1e11" in err and "UTF-8" in err
    assert "cannot read the route: " not in err


def test_export_to_a_full_disk_names_the_file(cli: Cli) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    assert cli("checkpoint", "--town", "Valsad", "--time", "2021-08-15T20:00", "--now", NOW)[0] == 0
    for flag in ("--entries-csv", "--days-csv", "--gpx"):
        rc, _out, err = cli("export", flag, "/dev/full")
        # A full disk is a failure while running: exit status 1 (bad input is 2), one line.
        assert rc == 1, err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
        msg = err
        assert msg.startswith("companion: /dev/full: ") and "No space left" in msg
