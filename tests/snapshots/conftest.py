"""The snapshot tests use the same fixed event and frozen clock as the Pilot tests."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "functional"))

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
