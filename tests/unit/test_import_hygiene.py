"""Textual is imported only by companion.app: every headless module must import without it.

Each module is imported in a fresh interpreter (an import in this test process would be polluted
by whatever the other tests imported). The list is discovered from the package, so a new headless
module is checked without editing this file.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import companion

REPO = Path(__file__).resolve().parents[2]


def _headless_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(companion.__path__, "companion."):
        if info.name == "companion.app" or info.name.startswith("companion.app."):
            continue
        if info.name == "companion.__main__":
            continue  # runs the CLI on import
        names.append(info.name)
    return sorted(names)


HEADLESS = _headless_modules()
# The brief's list: these must exist and stay headless.
REQUIRED = [
    "companion.cli",
    "companion.core.models",
    "companion.core.route",
    "companion.core.tracker",
    "companion.demo",
    "companion.event",
    "companion.formats",
    "companion.logbook",
    "companion.render",
    "companion.service",
    "companion.sources.base",
    "companion.sources.manual",
]


def test_the_required_modules_are_checked() -> None:
    assert set(REQUIRED) <= set(HEADLESS)


@pytest.mark.parametrize("module", HEADLESS)
def test_headless_module_does_not_import_textual(module: str) -> None:
    code = (
        "import importlib, sys\n"
        f"importlib.import_module({module!r})\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"{module} imports textual: {done.stdout.strip()}"


def test_the_app_does_import_textual() -> None:
    """The check above would pass vacuously if textual were never importable."""
    code = "import companion.app.app, sys; print('textual' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == "True", done.stderr
