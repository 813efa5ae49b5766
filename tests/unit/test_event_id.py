"""The event id: a slug `companion new` writes, checked when read, kept through a round trip."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from companion.cli import main
from companion.event import Event, EventError, load_event, write_event
from companion.event_id import MAX_ID_LEN, id_problem, new_event_id, slugify

GOOD = """\
name = "Unity Run 2021"
athlete = "Sufiya Khan"
route = "unity-run-2021"
timezone = "Asia/Kolkata"
planned_kmh = 7.5
"""


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Unity Run 2021", "unity-run-2021"),
        ("  Paris -- Marathon!  ", "paris-marathon"),
        ("Baramulla\u2013Uri (J&K)", "baramulla-uri-j-k"),
        ("Tour de l'Île", "tour-de-l-ile"),
        ("🏃🏃", "event"),
        ("", "event"),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_new_ids_are_the_slug_and_four_random_chars() -> None:
    ids = {new_event_id("Unity Run 2021") for _ in range(50)}
    for i in ids:
        assert re.fullmatch(r"unity-run-2021-[a-z0-9]{4}", i), i
        assert id_problem(i) is None
    assert len(ids) > 1  # random, not a function of the name alone


def test_a_long_name_still_gives_a_valid_id() -> None:
    i = new_event_id("A very long event name " * 5)
    assert len(i) <= MAX_ID_LEN and id_problem(i) is None
    assert not i[:-5].endswith("-")  # no "--" before the suffix


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ('id = "Unity-Run"', "lowercase letters"),
        ('id = "unity run"', "lowercase letters"),
        ('id = "unity--run"', "single hyphens"),
        ('id = "-unity"', "lowercase letters"),
        ('id = "unity/run"', "lowercase letters"),
        ('id = ""', "must not be empty"),
        ("id = 42", "must be a string"),
        (f'id = "{"a" * (MAX_ID_LEN + 1)}"', f"longer than {MAX_ID_LEN}"),
    ],
)
def test_bad_ids_are_refused_naming_the_key(tmp_path: Path, line: str, why: str) -> None:
    path = tmp_path / "e.toml"
    path.write_text(GOOD + line + "\n", encoding="utf-8")
    with pytest.raises(EventError, match=why) as info:
        load_event(path)
    assert f"{path}: id:" in str(info.value)


def test_the_constructor_checks_the_id_too() -> None:
    with pytest.raises(EventError, match="id:"):
        Event(name="A", athlete="", route="r.csv", timezone="UTC", planned_kmh=8, id="A B")


def test_id_round_trips_and_is_absent_when_none(tmp_path: Path) -> None:
    ev = Event(name="A", athlete="", route="r.csv", timezone="UTC", planned_kmh=8, id="a-1x2y")
    out = write_event(ev, tmp_path / "a.toml")
    assert tomllib.loads(out.path.read_text(encoding="utf-8"))["id"] == "a-1x2y"
    assert load_event(out.path).id == "a-1x2y"
    bare = write_event(
        Event(name="A", athlete="", route="r.csv", timezone="UTC", planned_kmh=8),
        tmp_path / "b.toml",
    )
    assert "id" not in tomllib.loads(bare.path.read_text(encoding="utf-8"))
    assert load_event(bare.path).id is None


def test_companion_new_writes_an_id_from_the_name(tmp_path: Path) -> None:
    out = tmp_path / "ev.toml"
    assert main(["new", "unity-run-2021", "-o", str(out), "--name", "Sufiya's Unity Run"]) == 0
    written = tomllib.loads(out.read_text(encoding="utf-8"))["id"]
    assert re.fullmatch(r"sufiya-s-unity-run-[a-z0-9]{4}", written), written
    assert load_event(out).id == written
