"""Fixtures shared by all test packages."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# ../shared beside the checkout: real-world files nobody on this project wrote (never copied here).
SHARED_DIR = Path(__file__).resolve().parents[1].parent / "shared"

# Property and fuzz tests: derandomized, so CI runs the same examples every time and is never
# flaky; no deadline (a loaded 2-core machine is slow, not wrong); no example database written
# into the checkout. `HYPOTHESIS_PROFILE=deep` runs 20x the examples, for a session of fuzzing.
_FUZZ = {"derandomize": True, "deadline": None, "database": None, "print_blob": False}
_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile("ci", max_examples=150, suppress_health_check=_SLOW_OK, **_FUZZ)
settings.register_profile("deep", max_examples=3000, suppress_health_check=_SLOW_OK, **_FUZZ)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ../shared directory (data/ and corpus/); skips the test when it is absent."""
    if not (SHARED_DIR / "data").is_dir():
        pytest.skip(f"{SHARED_DIR} is not beside the checkout")
    return SHARED_DIR


@pytest.fixture(autouse=True)
def _logging_as_it_was() -> Iterator[None]:
    """Each test gets the logging it found: `companion.cli.main` run in-process configures the
    root logger and quiets httpx (companion/logsetup.py), which made a later test that reads
    httpx's own records fail, by test order only."""
    names = ("", "httpx", "httpcore", "asyncio", "companion")
    levels = {n: logging.getLogger(n).level for n in names}
    root = logging.getLogger()
    handlers = list(root.handlers)
    yield
    for n, level in levels.items():
        logging.getLogger(n).setLevel(level)
    for h in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(h)
        h.close()
