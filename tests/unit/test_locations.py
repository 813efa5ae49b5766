"""Platform paths: the data dir override and one database per event file."""

from __future__ import annotations

from pathlib import Path

import pytest

import companion
from companion import locations


def test_data_dir_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(locations.DATA_DIR_ENV, str(tmp_path / "data"))
    assert locations.data_dir() == tmp_path / "data"
    assert locations.default_db_path(tmp_path / "e.toml").parent == tmp_path / "data" / "events"


def test_data_dir_default_is_the_platform_user_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(locations.DATA_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", "/tmp/xdg-test-home")  # honoured on Linux
    path = locations.data_dir()
    assert path.name == "companion"


def test_one_database_per_event(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(locations.DATA_DIR_ENV, str(tmp_path))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = locations.default_db_path(tmp_path / "a" / "event.toml")
    b = locations.default_db_path(tmp_path / "b" / "event.toml")
    assert a != b  # same stem, different folders
    assert a.name.startswith("event-") and a.suffix == ".sqlite"
    monkeypatch.chdir(tmp_path / "a")
    assert locations.default_db_path("event.toml") == a  # relative and absolute agree
    assert locations.default_db_path(tmp_path / "a" / "event.toml") == a  # stable


def test_odd_stems_make_safe_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(locations.DATA_DIR_ENV, str(tmp_path))
    name = locations.default_db_path(tmp_path / "Run: Mumbai→Delhi?.toml").name
    assert all(c.isalnum() or c in "._-" for c in name)
    assert locations.default_db_path(tmp_path / "....toml").name.startswith("event-")


def test_bundled_routes_dir_is_at_the_repository_root() -> None:
    assert (
        locations.bundled_routes_dir() == Path(companion.__file__).resolve().parent / "routes"
    )
