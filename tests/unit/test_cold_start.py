"""Issue 11, cold start: what a command imports before it does anything. `--version`, `--help`
and building the parser import none of the heavy modules (numpy, pyproj for the route's
geodesics; Textual; the session and its SQLite log): each command imports what it needs when it
runs. In a fresh interpreter each: this test process has imported everything already."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Top-level packages, and our modules, that only a running command needs.
HEAVY = ("numpy", "pyproj", "textual", "rich", "sqlite3")
HEAVY_OURS = ("companion.service", "companion.render", "companion.core.route", "companion.app")


def loaded(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))\n"
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def heavy(mods: set[str]) -> set[str]:
    tops = {m.split(".")[0] for m in mods}
    ours = {m for m in mods if any(m == h or m.startswith(h + ".") for h in HEAVY_OURS)}
    return (tops & set(HEAVY)) | ours


MAIN = "import contextlib\nfrom companion.cli import main\nwith contextlib.suppress(SystemExit):\n"


@pytest.mark.parametrize(
    "argv",
    [["--version"], ["--help"], ["run", "--help"], ["status", "--help"], ["stops", "--help"]],
)
def test_help_and_version_import_nothing_heavy(argv: list[str]) -> None:
    mods = loaded(MAIN + f"    main({argv!r})")
    assert "companion.cli" in mods  # the probe ran the command line
    assert heavy(mods) == set()


@pytest.mark.parametrize("argv", [["--help"], ["share", "--help"], ["status", "--help"]])
def test_help_imports_no_asyncio(argv: list[str]) -> None:
    """asyncio (~35 ms) is for the commands that run a feed or share: cli/share.py imported it
    at its top, so every command paid for it."""
    mods = loaded(MAIN + f"    main({argv!r})")
    assert "companion.cli.share" in mods  # the probe built the parser, share's command too
    assert "asyncio" not in mods


def test_the_parser_imports_nothing_heavy() -> None:
    mods = loaded("from companion.cli import build_parser\nbuild_parser()")
    assert heavy(mods) == set()


def test_a_command_imports_what_it_needs() -> None:
    """The probe can fail: `companion info` loads a route, with its numpy and pyproj."""
    mods = loaded(MAIN + "    main(['info', 'unity-run-2021', '--json'])")
    assert {"numpy", "companion.core.route", "companion.render"} <= mods
    assert "textual" not in {m.split(".")[0] for m in mods}


def test_the_first_frame_imports_nothing_heavy(tmp_path: Path) -> None:
    """`companion run`'s first frame, painted in Pilot, up to the moment the app opens the route
    and the log (Opening.open, watched: it records what is imported then, and stops there)."""
    event = tmp_path / "unity.toml"
    event.write_text('name = "U"\nathlete = "A"\nroute = "unity-run-2021"\n'  # bundled
                     'timezone = "Asia/Kolkata"\nplanned_kmh = 8\n')  # fmt: skip
    code = f"""
import asyncio, os, sys
import companion.cli
from companion.core.models import CompanionError
from companion.app.app import CompanionApp, utc_now
from companion.app.starting import Opening, StartingScreen
seen = []
def watched(self):
    loading = str(app.screen.query_one("#loading").render())
    seen.append((type(app.screen).__name__, "loading route" in loading, sorted(sys.modules)))
    raise CompanionError("stopped by the probe")
Opening.open = watched
opening = Opening({str(event)!r}, {str(tmp_path / "log.sqlite")!r}, None, utc_now)
app = CompanionApp(opening, utc_now)
async def main():
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            if seen:
                break
asyncio.run(main())
screen, loading, mods = seen[0]
assert screen == "StartingScreen" and loading, (screen, loading)
print(" ".join(mods), flush=True)
os._exit(0)  # what was imported at the opening, not what the app imported on its way out
"""
    mods = loaded(code)
    assert "textual" in {m.split(".")[0] for m in mods}  # the probe ran the app
    tops = {m.split(".")[0] for m in mods}
    assert tops & {"numpy", "pyproj", "sqlite3"} == set()
    after = ("companion.service", "companion.render", "companion.core.route",
             "companion.app.screens.dashboard")  # fmt: skip
    assert {m for m in mods if m.startswith(after)} == set()
