"""The feed layer stays headless: importing the source modules pulls in no textual or rich."""

from __future__ import annotations

import subprocess
import sys

MODULES = [
    "companion.sources.base",
    "companion.sources.filters",
    "companion.sources.gpsd",
    "companion.sources.http",
    "companion.sources.lines",
    "companion.sources.nmea",
    "companion.sources.nmea_feeds",
    "companion.sources.payloads",
    "companion.sources.replay",
    "companion.sources.stream",
]


def test_sources_import_no_ui() -> None:
    code = (
        "import importlib, sys\n"
        f"for m in {MODULES!r}: importlib.import_module(m)\n"
        "bad = [m for m in ('textual', 'rich') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
