"""The whole program in a real terminal: start `companion run`, type a checkpoint, kill -9 it,
start it again and find the same state.

Runs on a private tmux server (`tmux -L <unique>`), so it never touches the user's sessions.
Skipped without tmux unless COMPANION_REQUIRE_PEERS=1 (then it fails).
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROUTE_CSV = REPO / "tests" / "data" / "dashboard-route.csv"
TIMEOUT_S = 20.0

EVENT = """\
name = "Tmux Run"
athlete = "E2E Athlete"
route = "route.csv"
timezone = "Asia/Kolkata"
planned_kmh = 7.5
"""


class Tmux:
    """A private tmux server with one session running one command in its pane."""

    def __init__(self, socket: str) -> None:
        self.socket = socket
        self.target = "e2e"

    def __call__(self, *args: str) -> str:
        cmd = ["tmux", "-L", self.socket, "-f", "/dev/null", *args]
        return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout

    def capture(self) -> str:
        return self("capture-pane", "-p", "-t", self.target)

    def wait_for(self, test: Callable[[str], bool], what: str) -> str:
        deadline = time.monotonic() + TIMEOUT_S
        text = ""
        while time.monotonic() < deadline:
            text = self.capture()
            if test(text):
                return text
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}; the pane shows:\n{text}")

    def wait_text(self, needle: str) -> str:
        return self.wait_for(lambda t: needle in t, repr(needle))

    def pane_pid(self) -> int:
        return int(self("display-message", "-p", "-t", self.target, "#{pane_pid}").strip())

    def pane_dead(self) -> bool:
        return self("display-message", "-p", "-t", self.target, "#{pane_dead}").strip() == "1"


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        if os.environ.get("COMPANION_REQUIRE_PEERS") == "1":
            pytest.fail("tmux is not installed and COMPANION_REQUIRE_PEERS=1")
        pytest.skip("tmux is not installed")
    t = Tmux(f"companion-e2e-{uuid.uuid4().hex[:8]}")
    yield t
    subprocess.run(["tmux", "-L", t.socket, "kill-server"], capture_output=True)


def test_checkpoint_survives_kill_9(tmux: Tmux, tmp_path: Path) -> None:
    (tmp_path / "route.csv").write_bytes(ROUTE_CSV.read_bytes())
    event = tmp_path / "event.toml"
    event.write_text(EVENT, encoding="utf-8")
    # `exec` makes the program itself the pane's process, so pane_pid is the PID to kill.
    command = " ".join(
        [
            "exec env",
            f"COMPANION_DATA_DIR={shlex.quote(str(tmp_path / 'data'))}",
            f"PYTHONPATH={shlex.quote(str(REPO))}",
            shlex.quote(sys.executable),
            "-m companion run",
            shlex.quote(str(event)),
        ]
    )
    tmux("new-session", "-d", "-s", tmux.target, "-x", "100", "-y", "30", "-c", str(REPO), command)
    # Keep the pane after the program dies, to restart it in place.
    tmux("set-option", "-t", tmux.target, "remain-on-exit", "on")

    # The frame comes first; its keys wait for the log (a key pressed sooner is ignored).
    tmux.wait_for(lambda t: "KM TODAY" in t and "reading the log" not in t, "the log to be read")
    assert "Tmux Run" in tmux.capture()
    tmux("send-keys", "-t", tmux.target, "c")
    tmux.wait_text("CHECKPOINT")
    tmux("send-keys", "-t", tmux.target, "-l", "Vapi")
    tmux("send-keys", "-t", tmux.target, "Enter")
    before = tmux.wait_text("last: Vapi")
    assert "▲ 14.0" in before and "NEXT  Pardi" in before

    pid = tmux.pane_pid()
    os.kill(pid, signal.SIGKILL)
    tmux.wait_for(lambda _t: tmux.pane_dead(), "the pane to die")

    tmux("respawn-pane", "-t", tmux.target, command)
    after = tmux.wait_text("last: Vapi")
    assert tmux.pane_pid() != pid
    assert "▲ 14.0" in after and "NEXT  Pardi" in after
    assert "16.0 km" in after  # km to Pardi: the same total as before the kill
    tmux("send-keys", "-t", tmux.target, "q")
    tmux.wait_for(lambda _t: tmux.pane_dead(), "the program to quit")
