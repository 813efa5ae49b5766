"""Issue 11, start-up: what `companion run` imports before its first frame leaves out the heavy
modules only some events use (geopy's geocoders, pynmea2, fitdecode); they are imported where
they are used. In a fresh interpreter: this process has imported everything already."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("geopy", "pynmea2", "fitdecode")


def loaded(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))\n"
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return {m.split(".")[0] for m in done.stdout.split()}


def test_no_heavy_import_at_start_up(tmp_path: Path) -> None:
    event = tmp_path / "unity.toml"
    event.write_text('name = "U"\nathlete = "A"\nroute = "unity-run-2021"\n'  # bundled
                     'timezone = "Asia/Kolkata"\nplanned_kmh = 8\n')  # fmt: skip
    # What `companion run EVENT` does before its first frame: the CLI, the session, the app.
    code = ("import companion.cli\nfrom companion.app.app import make_app\n"
            "from companion.service import EventSession\n"
            f"s = EventSession.open({str(event)!r}, {str(tmp_path / 'log.sqlite')!r})\n"
            "make_app(s)\ns.close()")  # fmt: skip
    assert not loaded(code) & set(HEAVY)


def test_they_are_imported_where_used(shared_dir: Path) -> None:
    """The probe above can fail: loading a real FIT file and an NMEA log imports them."""
    fit = shared_dir / "corpus" / "eta-tracks" / "sports-lib" / "6916728382.fit"
    nmea = shared_dir / "data" / "nmea" / "ublox-neo-m9n-nmea.log"
    if not fit.exists() or not nmea.exists():
        pytest.skip("no FIT file or NMEA log in ../shared")
    mods = loaded("from companion.sources.replay import load_track\nfrom pathlib import Path\n"
                  f"load_track(Path({str(fit)!r}))\nload_track(Path({str(nmea)!r}))")  # fmt: skip
    assert {"fitdecode", "pynmea2"} <= mods
