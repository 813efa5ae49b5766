"""Fixtures for the dashboard's Pilot tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from companion_fixtures import Setup, write_fixed_event

from companion.service import EventSession


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Setup:
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path / "data"))
    return write_fixed_event(tmp_path)


@pytest.fixture
def session(setup: Setup) -> Iterator[EventSession]:
    s = setup.open()
    yield s
    s.close()
