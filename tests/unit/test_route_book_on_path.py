"""A crew's own GPX path with a CSV route book of towns and road km (`companion new PATH.gpx
--towns book.csv`): the towns snap onto the path and the book's km calibrate it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pyproj import Geod

from companion.cli import main
from companion.core.models import RouteError
from companion.formats import load_route, load_route_data

WGS84 = Geod(ellps="WGS84")
LEMAN = "corpus/gpx/race-routes/2024_leman-gravel-challenge.gpx"  # a real 367 km gravel route
# Book km = the track's own geodesic km x this: a route book's road km over a GPS trace.
BOOK_SCALE = 1.04
AT = {"Alpha": 0, "Bravo": 800, "Charlie": 2000, "Delta": 3500}  # track vertex of each town


def geodesic_km(lats: list[float], lons: list[float], upto: int) -> float:
    return WGS84.line_length(lons[: upto + 1], lats[: upto + 1]) / 1000.0


@pytest.fixture
def track(shared_dir: Path) -> tuple[Path, list[float], list[float]]:
    path = shared_dir / LEMAN
    data = load_route_data(path)  # the raw points, read again below by pyproj only
    return path, data.lats, data.lons


def write_book(tmp_path: Path, rows: list[tuple[str, float, float, float]]) -> Path:
    book = tmp_path / "book.csv"
    lines = ["# name: Leman book", "name,lat,lon,km"]
    lines += [f"{n},{la:.7f},{lo:.7f},{km:.3f}" for n, la, lo, km in rows]
    book.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return book


def book_rows(lats: list[float], lons: list[float]) -> list[tuple[str, float, float, float]]:
    rows = []
    for name, i in AT.items():
        lat = lats[i] + (
            0.0018 if name == "Charlie" else 0.0
        )  # Charlie's centre 200 m off the road
        rows.append((name, lat, lons[i], round(geodesic_km(lats, lons, i) * BOOK_SCALE, 3)))
    return rows


def test_the_towns_fall_at_the_book_km_and_between_them_the_km_are_interpolated(
    tmp_path: Path, track: tuple[Path, list[float], list[float]]
) -> None:
    path, lats, lons = track
    rows = book_rows(lats, lons)
    r = load_route(path, towns=write_book(tmp_path, rows))
    assert [(t.name, round(t.km, 3)) for t in r.towns] == [(n, km) for n, _a, _o, km in rows]
    # Between Alpha and Bravo (both on the track's vertices) the km are interpolated by the
    # track's own distance. (Charlie's centre is off the road: it snaps to the foot nearest it.)
    i = 400
    share = geodesic_km(lats, lons, i) / geodesic_km(lats, lons, AT["Bravo"])
    assert r.cum_m[i] / 1000 == pytest.approx(share * rows[1][3], abs=0.001)
    # Past the last town the track keeps its own length.
    rest = geodesic_km(lats, lons, len(lats) - 1) - geodesic_km(lats, lons, AT["Delta"])
    assert r.length_km == pytest.approx(rows[-1][3] + rest, abs=0.01)
    assert r.warnings == ()


def test_a_book_town_that_does_not_snap_is_an_error_naming_its_line(
    tmp_path: Path, track: tuple[Path, list[float], list[float]]
) -> None:
    path, lats, lons = track
    rows = book_rows(lats, lons)
    name, lat, lon, km = rows[2]
    rows[2] = (name, lat + 0.05, lon, km)  # 5.6 km north of the road
    book = write_book(tmp_path, rows)
    with pytest.raises(
        RouteError, match=rf"{book} line 5: town 'Charlie' is \d+\.\d km from the path"
    ):
        load_route(path, towns=book)


def test_book_km_that_go_backwards_along_the_path_are_an_error(
    tmp_path: Path, track: tuple[Path, list[float], list[float]]
) -> None:
    path, lats, lons = track
    rows = book_rows(lats, lons)
    rows[3] = (*rows[3][:3], rows[1][3] - 1.0)
    with pytest.raises(RouteError, match=r"town 'Delta': km .* does not increase along the path"):
        load_route(path, towns=write_book(tmp_path, rows))


def test_new_with_towns_then_checkpoint_status_and_paths(
    tmp_path: Path, track: tuple[Path, list[float], list[float]],
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    path, lats, lons = track
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path / "data"))
    folder = tmp_path / "leman"
    folder.mkdir()
    rows = book_rows(lats, lons)
    book = write_book(folder, rows)
    ev = folder / "leman.toml"
    assert main(["new", str(path), "--towns", str(book), "-o", str(ev), "--speed", "20",
                 "--start", "2024-06-01T06:00", "--tz", "Europe/Zurich"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "towns from book.csv: 4 on the path" in out
    assert main(["checkpoint", str(ev), "--town", "charlie", "--time", "2024-06-01T12:00",
                 "--now", "2024-06-01T12:00+02:00"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["status", str(ev), "--json", "--now", "2024-06-01T12:00+02:00"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["km_total"] == pytest.approx(rows[2][3], abs=0.001)
    assert doc["towns_ahead"][0]["name"] == "Delta"
    assert main(["paths", str(ev), "--json"]) == 0
    paths = json.loads(capsys.readouterr().out)
    assert paths["towns"] == str(book.resolve()) and paths["route"] == str(path.resolve())
    assert main(["info", str(path), "--towns", str(book), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert [t["name"] for t in info["towns"]] == list(AT)
    # The event file itself: its route with its book, as the crew has it at hand.
    assert main(["info", str(ev), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == info
    assert main(["info", str(tmp_path / "no-such.toml")]) == 2
    assert "no such event file" in capsys.readouterr().err


def test_new_with_a_missing_book_is_exit_2(tmp_path: Path, shared_dir: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    assert main(["new", str(shared_dir / LEMAN), "--towns", str(tmp_path / "nope.csv"),
                 "-o", str(tmp_path / "e.toml")]) == 2  # fmt: skip
    assert "--towns" in capsys.readouterr().err and not (tmp_path / "e.toml").exists()


def test_the_towns_key_round_trips_and_a_missing_book_names_it(tmp_path: Path) -> None:
    from companion.event import Event, EventError, load_event, write_event
    from companion.event_route import load_event_route

    ev = Event(name="A", athlete="", route="unity-run-2021", timezone="UTC", planned_kmh=8,
               towns="books/mine.csv")  # fmt: skip
    written = write_event(ev, tmp_path / "a.toml")
    assert load_event(written.path).towns == "books/mine.csv"
    with pytest.raises(EventError, match=r"a\.toml: towns: no file '.*books/mine\.csv'"):
        load_event_route(load_event(written.path))
