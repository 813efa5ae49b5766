"""Fuzz tests (issue 10) for the parsers of outside input in HOSTILE-TIMES's part: GPX, GeoJSON and
CSV route files (mutations of real files from ../shared and the bundled route books), typed
positions and times, the event file, and the log's rows.

Each asserts the contract: a value or our own error (a CompanionError subclass), never another
exception; and whatever the log accepts reads back as it was written. The examples are fixed
(tests/conftest.py's derandomized "ci" profile), so CI sees the same cases every run.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.core.models import CompanionError, Fix, PositionError, RouteData, RouteError
from companion.core.route import Route, build_route
from companion.core.times import EARLIEST, LATEST, time_problem
from companion.event import EventError, load_event
from companion.formats import load_route
from companion.formats.csv_route import parse_csv
from companion.formats.geojson import parse_geojson
from companion.formats.gpx import parse_gpx
from companion.logbook import Logbook, LogbookError
from companion.logrows import RowError, fix_from_row, from_iso, read_entry, to_iso
from companion.sources.manual import FUTURE_SLACK, parse_position, parse_time

# Three times the profile's examples (450 in CI, about 12 s of CPU for the file): these are
# cheap and the mutations need many cases to reach the odd corners.
MORE = settings(max_examples=3 * settings.default.max_examples)
SHARED = Path(__file__).resolve().parents[3] / "shared"
ROUTES = Path(__file__).resolve().parents[2] / "companion" / "routes"
KOLKATA = ZoneInfo("Asia/Kolkata")


def _real(pattern: str, max_bytes: int) -> list[Path]:
    """Real files from ../shared matching `pattern`, small enough to mutate many times."""
    return sorted(p for p in SHARED.glob(pattern) if p.stat().st_size <= max_bytes)


GPX_FILES = _real("*/gpx/**/*.gpx", 40_000)
GEOJSON_FILES = _real("*/course/*.*json", 10_000)
CSV_FILES = sorted(ROUTES.glob("*.csv"))
needs_shared = pytest.mark.skipif(not GPX_FILES, reason=f"{SHARED} is not beside the checkout")

# What a hostile or broken file holds: markup tricks, numbers at the edges, encodings, line ends.
TOKENS = [
    b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]>", b"&a;", b"<![CDATA[", b"]]>", b"\x00", b"\xff\xfe",
    b"\xef\xbb\xbf", b'encoding="UTF1e11"', b'lat="1e400"', b'lon="nan"', b'lat="-91"', b"<trkpt",
    b"</trkseg>", b"<wpt lat='0' lon='0'><name>X</name></wpt>", b"\r", b"\r\n", b"\n", b'"', b",",
    b";", b"\t", b"#", b"-", b"1e308", b"-0", b"999999999999999999999", b"inf", b"NaN", b"[", b"{",
    b"}", b"]", b'"coordinates":', b'"type":"Point"', b"null", b"true", b"\xc3", b"\xe2\x80\xae",
    # Aliases and book km in every form (a CSV column, GPX <alias> or a note, GeoJSON properties).
    b",aliases", b";;", b"<alias>Baroda</alias>", b"<extensions><alias>X;Y</alias></extensions>",
    b"aliases: A; B", b'"aliases":', b'"aliases":["X",1]', b'"km":', b'"km":"12"', b'"km":-3',
]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, files: list[Path]) -> bytes:
    """A real file with a few edits: bytes flipped, cut, repeated, or hostile tokens put in."""
    data = bytearray(draw(st.sampled_from(files)).read_bytes())
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["flip", "cut", "token", "repeat", "truncate"]))
        if kind == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif kind == "cut":
            del data[at : at + draw(st.integers(1, 200))]
        elif kind == "token":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif kind == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 400))]
        else:
            del data[at:]
    return bytes(data)


def _route_or_our_error(parse: Callable[[bytes], RouteData], data: bytes) -> None:
    """The contract of every route reader: RouteData that builds a Route, or a RouteError."""
    try:
        route = build_route(parse(data))
    except RouteError as e:
        assert str(e).startswith("fuzz"), e  # every message names the file
        assert "\n" not in str(e)
        return
    assert isinstance(route, Route)
    assert math.isfinite(route.length_km) and route.length_km >= 0
    assert all(0 <= t.km <= route.length_km + 1e-6 for t in route.towns)


@needs_shared
@MORE
@given(mutated(GPX_FILES))
def test_gpx_mutations_give_a_route_or_a_route_error(data: bytes) -> None:
    _route_or_our_error(lambda b: parse_gpx(b, "fuzz.gpx"), data)


@needs_shared
@MORE
@given(mutated(GEOJSON_FILES))
def test_geojson_mutations_give_a_route_or_a_route_error(data: bytes) -> None:
    _route_or_our_error(lambda b: parse_geojson(b, "fuzz.geojson"), data)


@MORE
@given(mutated(CSV_FILES))
def test_csv_route_book_mutations_give_a_route_or_a_route_error(data: bytes) -> None:
    _route_or_our_error(lambda b: parse_csv(b, "fuzz.csv"), data)


json_value = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=6,
)  # fmt: skip


@MORE
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Alpha", "Bravo", "alpha", "Charlie", ""]),
            st.floats(45.0, 45.3), st.floats(6.9, 7.1),
            st.one_of(json_value, st.floats(0, 40)),  # km
            st.one_of(json_value, st.lists(st.sampled_from(["Alpha", "B", "x;y", ""]))),
        ),
        max_size=5,
    )
)  # fmt: skip
def test_geojson_points_with_any_km_and_aliases_are_a_route_or_a_route_error(
    points: list[tuple[str, float, float, object, object]],
) -> None:
    line = {"type": "LineString", "coordinates": [[7.0, 45.0], [7.0, 45.1], [7.05, 45.2]]}
    features: list[dict[str, object]] = [{"type": "Feature", "properties": {}, "geometry": line}]
    for name, lat, lon, km, aliases in points:
        props = {"name": name, "km": km, "aliases": aliases}
        point = {"type": "Point", "coordinates": [lon, lat]}
        features.append({"type": "Feature", "properties": props, "geometry": point})
    doc = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    _route_or_our_error(lambda b: parse_geojson(b, "fuzz.geojson"), doc)


@MORE
@given(st.binary(max_size=400))
def test_any_bytes_are_a_route_or_a_route_error_in_every_reader(data: bytes) -> None:
    for parse in (
        lambda b: parse_gpx(b, "fuzz.gpx"),
        lambda b: parse_geojson(b, "fuzz.geojson"),
        lambda b: parse_csv(b, "fuzz.csv"),
    ):
        _route_or_our_error(parse, data)


# --- typed positions and times ------------------------------------------------------------------

UNITY = load_route(ROUTES / "unity-run-2021.csv")
NOW = datetime(2021, 8, 16, 6, 30, tzinfo=UTC)

entry_text = st.one_of(
    st.text(max_size=30),
    st.builds(
        lambda parts: "".join(parts),
        st.lists(
            st.sampled_from(
                ["km", "+", "-", " ", ",", ".", ";", "1", "9", "0", "189", "1e9", "20.6", "72.9",
                 "Valsad", "val", "ü", "\t", "nan", "inf", "99999999999999999999"]
            ),
            max_size=8,
        ),
    ),
)  # fmt: skip


@MORE
@given(entry_text, st.one_of(st.none(), st.floats(-1e6, 1e6)))
def test_typed_positions_give_a_fix_on_the_route_or_a_position_error(
    text: str, last_km: float | None
) -> None:
    try:
        fix = parse_position(text, UNITY, last_km, NOW)
    except PositionError as e:
        assert str(e) and "\n" not in str(e)
        return
    assert fix.time == NOW and fix.is_manual
    assert fix.km is not None and -1e-9 <= fix.km <= UNITY.length_km + 1e-9
    assert -90 <= fix.lat <= 90 and -180 <= fix.lon <= 180


iso_like = st.builds(
    lambda y, mo, d, h, mi, off: f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}{off}",
    st.integers(1, 9999),
    st.integers(1, 12),
    st.integers(1, 28),
    st.integers(0, 23),
    st.integers(0, 59),
    st.sampled_from(["", "Z", "+00:00", "+05:30", "-05:00", "+14:00", "-12:00", "+23:59"]),
)
time_text = st.one_of(
    st.none(), iso_like, st.text(max_size=25), st.from_regex(r"\A\d{1,3}[:.h]\d{1,3}\Z")
)
clocks = st.datetimes(
    min_value=datetime(2000, 1, 2), max_value=datetime(2099, 12, 30), timezones=st.just(UTC)
)


@MORE
@given(time_text, clocks)
def test_typed_times_are_in_the_window_and_read_back_from_the_log_or_refused(
    text: str | None, now: datetime
) -> None:
    try:
        at = parse_time(text, now, KOLKATA)
    except PositionError as e:
        assert str(e) and "\n" not in str(e)
        return
    assert at.utcoffset() == timedelta(0)
    assert EARLIEST <= at <= now + FUTURE_SLACK
    assert from_iso(to_iso(at)) == at


@MORE
@given(st.datetimes(timezones=st.sampled_from([UTC, KOLKATA, timezone(timedelta(hours=-12))])))
def test_the_time_rule_never_raises_and_agrees_with_the_window(when: datetime) -> None:
    problem = time_problem(when, now=NOW)
    assert (problem is None) == (EARLIEST <= when <= NOW + timedelta(days=1))
    if problem is None:
        assert when < LATEST


@MORE
@given(
    st.datetimes(
        timezones=st.builds(lambda m: timezone(timedelta(minutes=m)), st.integers(-1439, 1439))
    )
)
def test_the_log_time_encoding_round_trips_every_time_or_refuses_it(when: datetime) -> None:
    try:
        text = to_iso(when)
    except ValueError:  # year 1 east of UTC or 9999 west of it: refused, never written
        return
    assert from_iso(text) == when
    assert len(text) == len("2021-08-15T05:30:00.000000+00:00")  # so stored times sort as text


# --- the event file ------------------------------------------------------------------------------

EVENT = (
    b'name = "Unity Run 2021"\nathlete = "Milind"\nroute = "unity-run-2021"\n'
    b'timezone = "Asia/Kolkata"\nplanned_kmh = 7.0\nstart = 2021-08-15T05:30:00+05:30\n'
    b'feed = "http://127.0.0.1:5000/pos?token=abc"\nmax_kmh = 25.0\nstale_min = 10\n'
    b'day_hours = "05:30-18:30"\n'
)
EVENT_TOKENS = [
    b"0001-01-01T00:00:00", b"9999-12-31T23:59:59", b"0999-06-01T10:00:00", b'"Asia"', b'""',
    b"nan", b"inf", b"-1", b"1e400", b"true", b"[]", b"{}", b"\xef\xbb\xbf", b"\xff", b"\x00",
    b"\r", b"\n", b"=", b'"', b"'''", b"#", b"[table]", b"planed_kmh = 7\n", b"25:00-26:00",
]  # fmt: skip


@st.composite
def event_files(draw: st.DrawFn) -> bytes:
    data = bytearray(EVENT)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        if draw(st.booleans()):
            data[at:at] = draw(st.sampled_from(EVENT_TOKENS))
        else:
            del data[at : at + draw(st.integers(1, 30))]
    return bytes(data)


@MORE
@given(event_files())
def test_event_file_mutations_give_an_event_or_an_event_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "event.toml"
        path.write_bytes(data)
        try:
            event = load_event(path)
        except EventError as e:
            assert str(e).startswith(str(path)) and "\n" not in str(e), e
            return
        assert event.start is None or EARLIEST <= event.start < LATEST
        assert event.zone is not None and 0 < event.planned_kmh < 200


# --- the log's rows ------------------------------------------------------------------------------

cells = st.one_of(
    st.none(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(
        ["2021-08-15T05:30:00.000000+00:00", "999-06-01T10:00:00.000000+00:00", "{", "[]",
         '{"label": 5}', '{"speed_mps": "x"}', '{"sats": 1.5}', '{"mark": null}', "manual"]
    ),
)  # fmt: skip


@MORE
@given(st.tuples(*[cells] * 9), st.tuples(*[cells] * 7))
def test_a_row_of_anything_is_a_fix_or_set_aside_and_the_log_view_never_fails(
    fix_row: tuple[object, ...], extra: tuple[object, ...]
) -> None:
    try:
        fix = fix_from_row(fix_row)
    except RowError:
        pass
    else:
        assert EARLIEST <= fix.time < LATEST and -90 <= fix.lat <= 90 and -180 <= fix.lon <= 180
    entry = read_entry((7, *fix_row[1:], *extra))  # the log view's wider row
    assert entry.id == 7 and isinstance(entry.summary, str)


finite = st.floats(allow_nan=False, allow_infinity=False)
optional = st.one_of(st.none(), st.floats())
fixes = st.builds(
    Fix,
    time=st.datetimes(
        timezones=st.builds(lambda m: timezone(timedelta(minutes=m)), st.integers(-900, 900))
    ),
    lat=st.one_of(finite, st.floats()),
    lon=st.one_of(finite, st.floats()),
    source=st.sampled_from(["manual", "gpsd", "http", "nmea"]),
    km=st.one_of(st.none(), st.floats(0, 1e4)),
    speed_mps=optional,
    course_deg=optional,
    alt_m=optional,
    accuracy_m=optional,
    sats=st.one_of(st.none(), st.integers(0, 64)),
    label=st.text(max_size=20),
)


def _same(a: Fix, b: Fix) -> bool:
    """Equal, NaN equal to NaN (a NaN altitude is kept as NaN)."""
    for name in Fix.__slots__:
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
            continue
        if x != y:
            return False
    return True


@MORE
@given(st.lists(fixes, min_size=1, max_size=8))
def test_whatever_the_log_accepts_reads_back_as_written(batch: list[Fix]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "e.sqlite"
        kept: dict[int, Fix] = {}
        with Logbook.open(db) as book:
            for fix in batch:
                try:
                    kept[book.append_fix(fix, commit=True)] = fix
                except (LogbookError, ValueError) as e:
                    assert isinstance(e, CompanionError) or "range" in str(e) or "naive" in str(e)
        with Logbook.open(db, readonly=True) as book:
            back = dict(book.effective_fixes())
            assert book.set_aside == []
            assert all(e.kind != "unreadable" for e in book.entries())
        assert back.keys() == kept.keys()
        assert all(_same(back[i], kept[i]) for i in kept)
        assert all(time_problem(f.time) is None for f in kept.values())
        json.dumps([str(i) for i in kept])  # ids are plain ints
