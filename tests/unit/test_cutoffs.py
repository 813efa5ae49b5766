"""Cut-offs and targets: the required pace and the time in hand against hand arithmetic, the alert
when the ETA misses a cut-off, the route-file forms (CSV column, GPX extension / desc, GeoJSON
property) and their refusals, the event's `target` and `days`, and `status --json` through the
real CLI and a real SQLite log."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from companion.cli import main
from companion.core.cutoffs import check, in_hand_text, moving_fraction, need_text
from companion.core.models import Deadline, RouteError
from companion.event import EventError, event_toml, load_event
from companion.formats import load_route
from companion.formats.csv_route import parse_csv
from companion.formats.geojson import parse_geojson
from companion.formats.gpx import parse_gpx

IST = ZoneInfo("Asia/Kolkata")
Capsys = pytest.CaptureFixture[str]


def ist(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=IST)


# --- the arithmetic -----------------------------------------------------------------------------
def test_required_pace_and_time_in_hand_by_hand() -> None:
    # 36.6 km to go at 12:00, cut-off 18:00: 6 h left. 36.6 / 6 = 6.1 km/h over the clock; moving
    # 78 % of the time so far, the moving speed needed is 6.1 / 0.78 = 7.82 km/h. ETA 16:20:
    # 1 h 40 min in hand.
    d = Deadline(ist("2021-08-22T18:00"), "cutoff")
    c = check(d, 36.6, ist("2021-08-22T16:20"), ist("2021-08-22T12:00"), 0.78)
    assert c.need_overall_kmh == pytest.approx(6.1)
    assert c.need_moving_kmh == pytest.approx(7.8205, abs=1e-3)
    assert c.in_hand_s == 6000.0
    assert not c.missed and not c.passed
    assert in_hand_text(c.in_hand_s) == "+1h40"
    assert need_text(c) == "needs 7.8 km/h moving, 6.1 with the usual stops"


def test_an_eta_after_the_cut_off_is_missed_by_its_minutes() -> None:
    d = Deadline(ist("2021-08-22T18:00"), "cutoff")
    c = check(d, 10.0, ist("2021-08-22T18:20"), ist("2021-08-22T16:00"), None)
    assert c.in_hand_s == -1200.0 and c.missed and not c.passed
    assert in_hand_text(c.in_hand_s) == "\u22120h20"
    # No history of stops yet: only the pace over the clock, 10 km in 2 h.
    assert c.need_moving_kmh is None and need_text(c) == "needs 5.0 km/h"


def test_a_passed_cut_off_with_km_to_go() -> None:
    d = Deadline(ist("2021-08-22T18:00"), "cutoff")
    c = check(d, 3.0, None, ist("2021-08-22T18:05"), 0.8)
    assert c.passed and c.missed and c.need_overall_kmh is None
    assert need_text(c) == "cut-off passed"


def test_moving_fraction_needs_some_history() -> None:
    assert moving_fraction(600.0, 1200.0) is None  # 20 min: too little to say
    assert moving_fraction(5400.0, 7200.0) == 0.75
    assert moving_fraction(0.0, 7200.0) is None


# --- route files --------------------------------------------------------------------------------
CSV = """name,lat,lon,km,cutoff
Mumbai,19.0760,72.8777,0,
Virar,19.4559,72.8111,62.5,2021-08-15T18:00
Surat,21.1702,72.8311,280,2021-08-17 06:30+05:30
"""


def test_csv_cutoff_column() -> None:
    data = parse_csv(CSV, "book.csv")
    cuts = [t.cutoff for t in data.towns]
    assert cuts[0] is None
    assert cuts[1] == datetime(2021, 8, 15, 18, 0)  # naive: the event's local time
    assert cuts[2] == ist("2021-08-17T06:30")
    # A row without the last (cutoff) cell is a town without a cut-off, not a short row.
    short = parse_csv("name,lat,lon,km,cutoff\nA,19.07,72.87,0\nB,19.45,72.81,62.5,\n", "b.csv")
    assert [t.cutoff for t in short.towns] == [None, None]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("18:00", "is not a date and time"),
        ("2021-08-15", "needs a time too"),
        ("1999-08-15T18:00", "before 2000"),
        ("tomorrow", "is not a date and time"),
    ],
)
def test_csv_bad_cutoff_is_refused_with_its_line(value: str, reason: str) -> None:
    text = f"name,lat,lon,cutoff\nA,19.07,72.87,\nB,19.45,72.81,{value}\n"
    with pytest.raises(RouteError) as e:
        parse_csv(text, "b.csv")
    assert str(e.value).startswith("b.csv: line 3: column cutoff: ") and reason in str(e.value)


GPX = """<?xml version="1.0"?>
<gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1"
     xmlns:c="https://companion.example/gpx">
  <wpt lat="19.4559" lon="72.8111"><name>Virar</name>
    <extensions><c:cutoff>2021-08-15T18:00</c:cutoff></extensions></wpt>
  <wpt lat="21.1702" lon="72.8311"><name>Surat</name>
    <desc>Control 2, cutoff: 2021-08-17 06:30 (sign the card)</desc></wpt>
  <wpt lat="20.0" lon="72.8"><name>Dahanu</name><cmt>Cut-off = 2021-08-16T09:15+05:30</cmt></wpt>
  <wpt lat="19.0760" lon="72.8777"><name>Mumbai</name><desc>start</desc></wpt>
  <trk><trkseg><trkpt lat="19.0760" lon="72.8777"/><trkpt lat="21.1702" lon="72.8311"/>
  </trkseg></trk>
</gpx>
"""


def test_gpx_cutoff_forms() -> None:
    data = parse_gpx(GPX.encode(), "r.gpx")
    cuts = {t.name: t.cutoff for t in data.towns}
    assert cuts == {
        "Virar": datetime(2021, 8, 15, 18, 0),
        "Surat": datetime(2021, 8, 17, 6, 30),
        "Dahanu": ist("2021-08-16T09:15"),
        "Mumbai": None,
    }


def test_gpx_bad_cutoff_names_the_line() -> None:
    bad = GPX.replace("2021-08-15T18:00</c:cutoff>", "at dusk</c:cutoff>")
    with pytest.raises(RouteError) as e:
        parse_gpx(bad.encode(), "r.gpx")
    assert str(e.value).startswith("r.gpx: line 4: cutoff 'at dusk' is not a date and time")


def _geojson(cutoff: Any) -> str:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": "route"},
                    "geometry": {
                        "type": "LineString",
                        "coordinates": [[72.87, 19.07], [72.83, 21.17]],
                    },
                },
                {
                    "type": "Feature",
                    "properties": {"name": "Surat", "cutoff": cutoff},
                    "geometry": {"type": "Point", "coordinates": [72.83, 21.17]},
                },
            ],
        }
    )


def test_geojson_cutoff_property() -> None:
    data = parse_geojson(_geojson("2021-08-17T06:30:00+05:30"), "r.geojson")
    assert data.towns[0].cutoff == ist("2021-08-17T06:30")
    assert parse_geojson(_geojson(None), "r.geojson").towns[0].cutoff is None
    for bad, reason in ((1629200000, "is not a date and time string"), ("noon", "is not a date")):
        with pytest.raises(RouteError) as e:
            parse_geojson(_geojson(bad), "r.geojson")
        assert str(e.value).startswith("r.geojson: feature 2: ") and reason in str(e.value)


# --- the event file -----------------------------------------------------------------------------
BASE = 'name = "E"\nathlete = "A"\nroute = "book.csv"\ntimezone = "Asia/Kolkata"\nplanned_kmh = 8\n'


def test_event_target_and_days_round_trip(tmp_path: Path) -> None:
    ev = tmp_path / "e.toml"
    ev.write_text(BASE + 'target = "Statue of Unity 2021-08-22 18:00"\ndays = "calendar"\n')
    e = load_event(ev)
    assert e.target == "Statue of Unity 2021-08-22 18:00" and e.days == "calendar"
    assert 'target = "Statue of Unity 2021-08-22 18:00"' in event_toml(e)
    assert 'days = "calendar"' in event_toml(e)
    ev.write_text(BASE)
    assert load_event(ev).days == "rider"  # the default, not written back
    assert "days" not in event_toml(load_event(ev))


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('target = "Surat"', "target: 'Surat' is not a place and a time"),
        ('target = "Surat 2021-08-22"', "needs a time too"),
        ('target = "finish 2101-01-01T10:00"', "after 2099"),
        ("target = 5", "target: must be a string"),
        ('days = "solar"', "days: 'solar': use \"rider\""),
    ],
)
def test_event_bad_target_or_days_is_refused(tmp_path: Path, line: str, reason: str) -> None:
    ev = tmp_path / "e.toml"
    ev.write_text(BASE + line + "\n")
    with pytest.raises(EventError) as e:
        load_event(ev)
    assert reason in str(e.value) and str(e.value).startswith(str(ev))


# --- through the CLI ----------------------------------------------------------------------------
# A 50 km route book: A km 0, B km 20 (cut-off 08:30), C km 50 (the finish). Start 06:00 IST.
BOOK = """name,lat,lon,km,cutoff
A,19.00,73.00,0,
B,19.18,73.00,20,2021-08-15T08:30
C,19.45,73.00,50,
"""


def cli(capsys: Capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def event(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "book.csv").write_text(BOOK)
    ev = tmp_path / "e.toml"
    ev.write_text(BASE + 'start = 2021-08-15T06:00:00\ntarget = "finish 2021-08-15T15:00"\n')
    return ev


def test_status_json_carries_cut_offs_pace_and_time_in_hand(event: Path, capsys: Capsys) -> None:
    steps = [
        ("checkpoint", "--km", "10", "--time", "07:00", "--now", "2021-08-15T07:00+05:30"),
        ("stop", "--time", "07:00", "--now", "2021-08-15T07:00+05:30"),
        ("go", "--time", "07:30", "--now", "2021-08-15T07:30+05:30"),
        ("checkpoint", "--km", "14", "--time", "08:00", "--now", "2021-08-15T08:00+05:30"),
    ]
    for cmd, *args in steps:
        code, _out, err = cli(capsys, cmd, str(event), *args)
        assert code == 0, err
    code, out, err = cli(capsys, "status", str(event), "--json", "--now", "2021-08-15T08:00+05:30")
    assert code == 0, err
    doc = json.loads(out)
    # Moving 06:00-07:00 and 07:30-08:00 of the 2 h since the start: 0.75.
    assert doc["moving_s_total"] == pytest.approx(5400.0)
    b, c = doc["towns_ahead"][0], doc["towns_ahead"][-1]
    assert (b["name"], c["name"]) == ("B", "C")
    [cut] = b["deadlines"]
    assert cut["kind"] == "cutoff" and cut["at"] == "2021-08-15T08:30:00+05:30"
    # 6 km in the 30 min left: 12 km/h over the clock, 12 / 0.75 = 16 km/h moving.
    assert cut["need_overall_kmh"] == pytest.approx(12.0)
    assert cut["need_moving_kmh"] == pytest.approx(16.0)
    assert cut["moving_fraction"] == pytest.approx(0.75)
    eta_b = datetime.fromisoformat(b["eta"])
    # (The ETA's text is to the second and in_hand_s rounded to one: within a second.)
    assert cut["in_hand_s"] == pytest.approx(
        (ist("2021-08-15T08:30") - eta_b).total_seconds(), abs=1.0
    )
    # No ETA from 8 km/h of history does 6 km in 30 min: the cut-off is missed and said so.
    assert eta_b > ist("2021-08-15T08:30") and cut["missed"] and not cut["passed"]
    assert any(a.startswith("CUT-OFF B Sun 08:30: ETA misses it by \u2212") for a in doc["alerts"])
    [target] = c["deadlines"]
    # The finish by 15:00: 36 km in 7 h, 5.143 km/h over the clock, 6.857 moving.
    assert target["kind"] == "target"
    assert target["need_overall_kmh"] == pytest.approx(36 / 7, abs=0.01)
    assert target["need_moving_kmh"] == pytest.approx(36 / 7 / 0.75, abs=0.01)
    eta_c = datetime.fromisoformat(c["eta"])
    assert target["in_hand_s"] == pytest.approx(
        (ist("2021-08-15T15:00") - eta_c).total_seconds(), abs=1.0
    )
    assert target["missed"] == (target["in_hand_s"] < 0)
    assert doc["next_town"]["deadlines"] == b["deadlines"]

    code, out, err = cli(capsys, "status", str(event), "--now", "2021-08-15T08:00+05:30")
    assert code == 0, err
    assert (
        "cut-off 08:30 \u2212" in out and "needs 16.0 km/h moving, 12.0 with the usual stops" in out
    )
    assert "! CUT-OFF B Sun 08:30" in out


def test_a_target_town_not_on_the_route_is_refused(event: Path, capsys: Capsys) -> None:
    event.write_text(BASE + 'target = "Surat 2021-08-15T15:00"\n')
    code, _out, err = cli(capsys, "status", str(event), "--now", "2021-08-15T08:00+05:30")
    assert code == 2 and "target: 'Surat' is not a town of the route (A, B, C) nor 'finish'" in err
    assert len(err.strip().splitlines()) == 1


def test_route_cut_off_without_offset_is_local_time(event: Path) -> None:
    route = load_route(event.parent / "book.csv")
    from companion.core.tracker import Tracker

    tr = Tracker(route, IST, 8.0, start=ist("2021-08-15T06:00"))
    p = tr.progress(ist("2021-08-15T06:00"))
    [c] = p.towns_ahead[0].deadlines
    assert c.deadline.at == datetime(2021, 8, 15, 3, 0, tzinfo=UTC)  # 08:30 IST
    assert c.deadline.at - ist("2021-08-15T06:00") == timedelta(hours=2, minutes=30)
