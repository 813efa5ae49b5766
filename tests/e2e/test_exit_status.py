"""`companion run` in a real terminal (a private tmux server): q exits 0, a crash exits 1.

Textual catches an exception in the app, restores the terminal, prints the traceback and ends
the run normally; `companion run` used to return 0 after it. No bug is known to crash the
dashboard, so one is planted: the real CLI entry point runs with DashboardScreen.action_days
replaced by a function that raises, and `d` is pressed. Everything else is the real program: the
terminal, the driver, Textual's handling and the exit status the shell sees.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROUTE_CSV = REPO / "tests" / "data" / "dashboard-route.csv"
EVENT = """\
name = "Exit Run"
athlete = "E2E Athlete"
route = "route.csv"
timezone = "Asia/Kolkata"
planned_kmh = 7.5
"""
CRASH = (
    "import sys; import companion.app.screens.dashboard as d\n"
    "def boom(self): raise RuntimeError('planted bug')\n"
    "d.DashboardScreen.action_days = boom\n"
    "from companion.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


class Pane:
    def __init__(self, socket: str) -> None:
        self.socket = socket

    def __call__(self, *args: str) -> str:
        cmd = ["tmux", "-L", self.socket, "-f", "/dev/null", *args]
        return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout

    def wait(self, test: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self("capture-pane", "-p", "-t", "e2e")
            if test in text:
                return text
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {test!r}; the pane shows:\n{text}")

    def gone(self, text: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while text in (shown := self("capture-pane", "-p", "-t", "e2e")):
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} stayed on the pane:\n{shown}")
            time.sleep(0.2)

    def exit_status(self, status_file: Path, timeout: float = 30.0) -> int:
        """The status the shell saw (tmux's own #{pane_dead_status} is sometimes never set)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = status_file.read_text() if status_file.exists() else ""
            if text.endswith("\n"):
                return int(text)
            time.sleep(0.2)
        shown = self("capture-pane", "-p", "-t", "e2e")
        raise AssertionError(f"the program did not end; the pane shows:\n{shown}")


@pytest.fixture
def pane(tmp_path: Path) -> Iterator[Pane]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    p = Pane(f"companion-exit-{uuid.uuid4().hex[:8]}")
    yield p
    subprocess.run(["tmux", "-L", p.socket, "kill-server"], capture_output=True, check=False)


def _start(pane: Pane, tmp_path: Path, program: list[str]) -> Path:
    """Start `program run EVENT` in the pane; the shell writes its exit status to the file
    returned."""
    (tmp_path / "route.csv").write_bytes(ROUTE_CSV.read_bytes())
    event = tmp_path / "event.toml"
    event.write_text(EVENT, encoding="utf-8")
    status = tmp_path / "status"
    run = " ".join(
        ["env", f"COMPANION_DATA_DIR={shlex.quote(str(tmp_path / 'data'))}",
         f"PYTHONPATH={shlex.quote(str(REPO))}", shlex.join([*program, "run", str(event)])]
    )  # fmt: skip
    command = shlex.join(["sh", "-c", f"{run}; echo $? > {shlex.quote(str(status))}"])
    pane("new-session", "-d", "-s", "e2e", "-x", "100", "-y", "30", "-c", str(REPO), command)
    pane("set-option", "-t", "e2e", "remain-on-exit", "on")
    # The frame comes first and its keys wait for the log to be read (e3669ef): wait for a line
    # drawn from the log, or a key pressed too soon is ignored and the test waits in vain.
    pane.wait("KM TODAY")
    pane.gone("reading the log")
    return status


def test_q_exits_0(pane: Pane, tmp_path: Path) -> None:
    status = _start(pane, tmp_path, [sys.executable, "-m", "companion"])
    pane("send-keys", "-t", "e2e", "q")
    assert pane.exit_status(status) == 0


def test_a_crash_in_the_dashboard_exits_1(pane: Pane, tmp_path: Path) -> None:
    status = _start(pane, tmp_path, [sys.executable, "-c", CRASH])
    pane("send-keys", "-t", "e2e", "d")
    assert pane.exit_status(status) == 1
    assert "planted bug" in pane("capture-pane", "-p", "-t", "e2e", "-S", "-200")
