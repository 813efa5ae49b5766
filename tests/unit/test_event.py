"""The event file: loading, checking, writing, route resolution and URL redaction."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from companion import route_path as route_path_module
from companion.event import (
    Event,
    EventError,
    bundled_route_names,
    default_max_kmh,
    load_event,
    redact,
    resolve_route_path,
    write_event,
)

GOOD = """\
name = "Unity Run 2021"
athlete = "Sufiya Khan"
route = "unity-run-2021"
timezone = "Asia/Kolkata"
planned_kmh = 7.5
"""


def write(tmp_path: Path, text: str, name: str = "event.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_minimal_event_uses_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    ev = load_event(path)
    assert ev.name == "Unity Run 2021"
    assert ev.athlete == "Sufiya Khan"
    assert ev.route == "unity-run-2021"
    assert ev.timezone == "Asia/Kolkata"
    assert ev.planned_kmh == 7.5
    assert ev.start is None and ev.feed is None
    assert ev.max_kmh == 25.0  # max(3 * 7.5, 25)
    assert ev.path == path.absolute()
    assert str(ev.zone) == "Asia/Kolkata"


def test_default_max_kmh_follows_the_plan() -> None:
    assert default_max_kmh(5.0) == 25.0
    assert default_max_kmh(30.0) == 90.0


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # A time without an offset is in the event's timezone: 06:00 IST is 00:30 UTC.
        ("start = 2021-01-10T06:00:00", datetime(2021, 1, 10, 0, 30, tzinfo=UTC)),
        ('start = "2021-01-10T06:00:00"', datetime(2021, 1, 10, 0, 30, tzinfo=UTC)),
        ('start = "2021-01-10 06:00"', datetime(2021, 1, 10, 0, 30, tzinfo=UTC)),
        ("start = 2021-01-10T06:00:00Z", datetime(2021, 1, 10, 6, 0, tzinfo=UTC)),
        ("start = 2021-01-10T06:00:00+01:00", datetime(2021, 1, 10, 5, 0, tzinfo=UTC)),
    ],
)
def test_start_times(tmp_path: Path, line: str, expected: datetime) -> None:
    ev = load_event(write(tmp_path, GOOD + line + "\n"))
    assert ev.start == expected
    assert ev.start is not None and ev.start.utcoffset() == timedelta(0)


def test_round_trip_with_every_field(tmp_path: Path) -> None:
    original = Event(
        name='The "Big" Run \\ 2021\tédition\n',
        athlete="Ünïcode Åthlete 🏃",
        route="routes/my route.gpx",
        timezone="America/New_York",
        planned_kmh=8,
        start=datetime(2021, 3, 14, 1, 30, tzinfo=UTC),  # around a DST change in New York
        feed="https://user:pa$$@example.com/feed?token=abc&x=1",
        max_kmh=40.5,
        stale_min=5,
        day_hours="05:30-19:00",
    )
    out = tmp_path / "sub.toml"
    written = write_event(original, out)
    assert written.path == out.absolute()
    loaded = load_event(out)
    assert loaded == dataclasses.replace(original, path=out.absolute())
    assert isinstance(loaded.planned_kmh, float)


def test_round_trip_minimal_keeps_derived_max_out_of_the_file(tmp_path: Path) -> None:
    ev = Event(name="A", athlete="", route="r.csv", timezone="UTC", planned_kmh=10.0)
    out = tmp_path / "a.toml"
    write_event(ev, out)
    text = out.read_text(encoding="utf-8")
    assert "max_kmh" not in text and "start" not in text and "feed" not in text
    assert load_event(out) == dataclasses.replace(ev, path=out.absolute())


def test_write_refuses_to_overwrite_unless_asked(tmp_path: Path) -> None:
    path = write(tmp_path, "keep me\n")
    ev = Event(name="A", athlete="B", route="r.csv", timezone="UTC", planned_kmh=10.0)
    with pytest.raises(EventError, match="already exists"):
        write_event(ev, path)
    assert path.read_text() == "keep me\n"
    write_event(ev, path, overwrite=True)
    assert load_event(path).name == "A"
    assert [p.name for p in tmp_path.iterdir()] == ["event.toml"]  # no temporary left behind


def test_unknown_key_names_the_key_and_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "planed_kmh = 8\n")
    with pytest.raises(EventError) as info:
        load_event(path)
    message = str(info.value)
    assert "'planed_kmh'" in message and str(path) in message
    assert "did you mean 'planned_kmh'" in message


def test_a_table_is_an_unknown_key(tmp_path: Path) -> None:
    with pytest.raises(EventError, match="unknown key 'feeds'"):
        load_event(write(tmp_path, GOOD + "[feeds]\nurl = 'x'\n"))


def test_missing_key(tmp_path: Path) -> None:
    text = GOOD.replace('timezone = "Asia/Kolkata"\n', "")
    with pytest.raises(EventError, match="missing key 'timezone'"):
        load_event(write(tmp_path, text))


@pytest.mark.parametrize(
    ("replacement", "key", "why"),
    [
        ('timezone = "Asia/Mumbai"', "timezone", "unknown timezone 'Asia/Mumbai'"),
        ('timezone = "+05:30"', "timezone", "unknown timezone"),
        ("timezone = 5.5", "timezone", "IANA"),
        ("planned_kmh = 0", "planned_kmh", "out of range"),
        ("planned_kmh = -7", "planned_kmh", "out of range"),
        ("planned_kmh = 250.0", "planned_kmh", "out of range"),
        ("planned_kmh = nan", "planned_kmh", "out of range"),
        ("planned_kmh = inf", "planned_kmh", "out of range"),
        ('planned_kmh = "7.5"', "planned_kmh", "must be a number"),
        ("planned_kmh = true", "planned_kmh", "must be a number"),
        ('name = ""', "name", "non-empty"),
        ("route = 3", "route", "non-empty string"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, replacement: str, key: str, why: str) -> None:
    field = replacement.split(" =")[0]
    lines = [replacement if line.startswith(field + " ") else line for line in GOOD.splitlines()]
    path = write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(EventError) as info:
        load_event(path)
    message = str(info.value)
    assert f"{path}: {key}:" in message
    assert why in message


@pytest.mark.parametrize(
    ("extra", "why"),
    [
        ("start = 2021-01-10", "needs both a date and a time"),
        ("start = 06:00:00", "needs both a date and a time"),
        ('start = "tomorrow"', "not an ISO date"),
        ("feed = 42", "feed: must be a non-empty string"),
        ("max_kmh = 0", "max_kmh:"),
    ],
)
def test_bad_optional_values(tmp_path: Path, extra: str, why: str) -> None:
    with pytest.raises(EventError, match=why):
        load_event(write(tmp_path, GOOD + extra + "\n"))


def test_malformed_toml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "planned_kmh 7.5\n")  # line 6: no "="
    with pytest.raises(EventError) as info:
        load_event(path)
    assert f"{path}: line 6" in str(info.value)


def test_missing_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(EventError, match="no such event file"):
        load_event(tmp_path / "nope.toml")
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(GOOD.replace("Sufiya", "Sof\xeda").encode("latin-1"))
    with pytest.raises(EventError, match="not UTF-8"):
        load_event(bad)


def test_constructor_checks_values_too() -> None:
    with pytest.raises(EventError, match="planned_kmh"):
        Event(name="A", athlete="B", route="r", timezone="UTC", planned_kmh=0.0)
    with pytest.raises(EventError, match="timezone"):
        Event(name="A", athlete="B", route="r", timezone="Mars/Olympus", planned_kmh=5.0)
    naive = Event(
        name="A",
        athlete="B",
        route="r",
        timezone="Asia/Kolkata",
        planned_kmh=5.0,
        start=datetime(2021, 1, 10, 6, 0),
    )
    assert naive.start == datetime(2021, 1, 10, 0, 30, tzinfo=UTC)
    india = timezone(timedelta(hours=5, minutes=30))
    aware = dataclasses.replace(naive, start=datetime(2021, 1, 10, 6, 0, tzinfo=india))
    assert aware.start == naive.start and aware.start is not None
    assert aware.start.tzinfo is UTC


def test_route_relative_to_the_event_file(tmp_path: Path) -> None:
    (tmp_path / "routes").mkdir()
    route = tmp_path / "routes" / "mine.gpx"
    route.write_text("<gpx/>")
    path = write(tmp_path, GOOD.replace('"unity-run-2021"', '"routes/mine.gpx"'))
    assert resolve_route_path(load_event(path)) == route


def test_bundled_route_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundled = tmp_path / "bundled"
    bundled.mkdir()
    (bundled / "unity-run-2021.csv").write_text("name,lat,lon\n")
    (bundled / "coast.gpx").write_text("<gpx/>")
    (bundled / "README.md").write_text("not a route")
    monkeypatch.setattr(route_path_module, "bundled_routes_dir", lambda: bundled)
    elsewhere = tmp_path / "events"
    elsewhere.mkdir()
    ev = load_event(write(elsewhere, GOOD))
    assert resolve_route_path(ev) == bundled / "unity-run-2021.csv"
    assert resolve_route_path(dataclasses.replace(ev, route="coast")) == bundled / "coast.gpx"
    assert bundled_route_names() == ["coast", "unity-run-2021"]
    with pytest.raises(EventError) as info:
        resolve_route_path(dataclasses.replace(ev, route="atlantis"))
    message = str(info.value)
    assert "'atlantis'" in message and "coast, unity-run-2021" in message
    with pytest.raises(EventError, match="bundled routes"):
        resolve_route_path(dataclasses.replace(ev, route="../unity-run-2021.csv"))


def test_the_real_bundled_dir_is_next_to_the_package() -> None:
    names = bundled_route_names()  # whatever is shipped; each must resolve by name
    for name in names:
        ev = Event(name="A", athlete="B", route=name, timezone="UTC", planned_kmh=5.0)
        assert resolve_route_path(ev).stem == name


SECRET = "s3cr3t-Zq9"


@pytest.mark.parametrize(
    "url",
    [
        f"https://crew:{SECRET}@tracker.example.com/feed.json",
        f"https://tracker.example.com/api?device=42&token={SECRET}",
        f"https://tracker.example.com/api?API_KEY={SECRET}&device=42",
        f"http://h/x?access_token={SECRET}#frag",
        f"http://h/x?password={SECRET};x=1",
        f"http://h/x?client_secret={SECRET}",
        f"http://h/x?Auth={SECRET}",
        f"http://h/x#access_token={SECRET}",
        f"tcp://u:{SECRET}@[::1]:2947/?key={SECRET}",
        f"https://{SECRET}@tracker.example.com/api/positions",  # a token as the userinfo
    ],
)
def test_redact_hides_secrets(url: str) -> None:
    shown = redact(url)
    assert SECRET not in shown
    assert "***" in shown


def test_redact_keeps_the_rest() -> None:
    assert redact("gpsd://localhost:2947") == "gpsd://localhost:2947"
    assert redact("/dev/ttyUSB0") == "/dev/ttyUSB0"
    assert (
        redact("https://crew:pw@h.example/feed?device=42&token=t&fmt=a%20b")
        == "https://crew:***@h.example/feed?device=42&token=***&fmt=a%20b"
    )


def test_unparseable_url_is_hidden_whole() -> None:
    shown = redact(f"http://[::1:{SECRET}/x")
    assert SECRET not in shown


def test_event_repr_redacts_the_feed() -> None:
    ev = Event(
        name="A",
        athlete="B",
        route="r",
        timezone="UTC",
        planned_kmh=5.0,
        feed=f"https://u:{SECRET}@h/x?token={SECRET}",
    )
    assert SECRET not in repr(ev)
    assert "h/x" in repr(ev)


@pytest.mark.parametrize(
    ("value", "why"), [("0", "0 minutes is out of range"), ('"ten"', "must be a number of minutes")]
)
def test_bad_stale_minutes_name_the_key(tmp_path: Path, value: str, why: str) -> None:
    path = write(tmp_path, GOOD + f"stale_min = {value}\n")
    with pytest.raises(EventError, match=f"stale_min: .*{why}"):
        load_event(path)


@pytest.mark.parametrize(
    ("value", "why"),
    [('"6-19"', "is not like"), ('"19:00-06:00"', "must end after it starts"),
     ('"06:00-24:00"', "hours 0-23"), ("7", "is not like")],
)  # fmt: skip
def test_bad_day_hours_name_the_key(tmp_path: Path, value: str, why: str) -> None:
    path = write(tmp_path, GOOD + f"day_hours = {value}\n")
    with pytest.raises(EventError, match=f"day_hours: .*{why}"):
        load_event(path)


def test_no_entry_minutes_round_trip_and_bad_values(tmp_path: Path) -> None:
    ev = Event(name="A", athlete="", route="r.csv", timezone="UTC", planned_kmh=8.0)
    assert ev.no_entry_min is None  # default: the expected time to the next town
    out = write_event(dataclasses.replace(ev, no_entry_min=90), tmp_path / "a.toml")
    assert "no_entry_min = 90.0" in out.path.read_text(encoding="utf-8")
    assert load_event(out.path).no_entry_min == 90.0
    for value, why in (("0", "0 minutes is out of range"), ('"1h"', "must be a number of")):
        path = write(tmp_path, GOOD + f"no_entry_min = {value}\n")
        with pytest.raises(EventError, match=f"no_entry_min: .*{why}"):
            load_event(path)
