"""Fixtures shared by all test packages."""

from __future__ import annotations

from pathlib import Path

import pytest

# ../shared beside the checkout: real-world files nobody on this project wrote (never copied here).
SHARED_DIR = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ../shared directory (data/ and corpus/); skips the test when it is absent."""
    if not (SHARED_DIR / "data").is_dir():
        pytest.skip(f"{SHARED_DIR} is not beside the checkout")
    return SHARED_DIR
