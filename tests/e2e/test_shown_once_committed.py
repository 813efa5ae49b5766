"""Issue 11: a GPS fix is shown only once it is committed, so a kill -9 never takes away a
position the screen or `companion follow` showed.

The peer is a real NMEA server on 127.0.0.1 sending 10 epochs a second, each 1 km further north
and 2 minutes later in GPS time (30 km/h: plausible). One fix is then one km on the screen, so
the km shown names the fix shown, and the 1 s batch (10 fixes, 10 km) is far wider than the
screen's rounding: a screen that showed a fix before its commit is caught by most kills. The
program is killed with SIGKILL at a random moment after the screen (a real terminal: a private
tmux server) or the status line showed a km; the log must then hold a fix at that km or beyond.
"""

from __future__ import annotations

import os
import random
import re
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers.storage import Running, rmc

REPO = Path(__file__).resolve().parents[2]
START = (22.30, 73.18)
KM_DEG = 1.0 / 110.75  # ~1 km of latitude at 22.3 N
TOWNS = 12  # one every 10 km: a 110 km route due north

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


class JumpingPeer:
    """A TCP NMEA server: epoch i is i km north of START at t0 + 2 min * i, one every 0.1 s;
    the next client gets the epochs after the last one sent (a restart carries on)."""

    def __init__(self) -> None:
        self.t0 = (datetime.now(UTC) - timedelta(days=2)).replace(microsecond=0)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"nmea+tcp://127.0.0.1:{self.sock.getsockname()[1]}"
        self.sent = 0
        self._stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                while not self._stop.is_set() and self.sent < (TOWNS - 1) * 10 - 2:
                    t = self.t0 + timedelta(minutes=2 * self.sent)
                    try:
                        conn.sendall(rmc(t, START[0] + KM_DEG * self.sent, START[1]))
                    except OSError:
                        break
                    self.sent += 1
                    time.sleep(0.1)

    def close(self) -> None:
        self._stop.set()
        self.sock.close()


@pytest.fixture
def peer() -> Iterator[JumpingPeer]:
    p = JumpingPeer()
    yield p
    p.close()


def event_file(folder: Path) -> Path:
    rows = [f"T{i},{START[0] + i * 10 * KM_DEG:.6f},{START[1]}" for i in range(TOWNS)]
    (folder / "route.csv").write_text("name,lat,lon\n" + "\n".join(rows) + "\n")
    path = folder / "jump.toml"
    path.write_text('name = "Jump"\nathlete = "A"\nroute = "route.csv"\n'
                    'timezone = "Asia/Kolkata"\nplanned_kmh = 25\nmax_kmh = 60\n')  # fmt: skip
    return path


def logged_max_km(db: Path) -> float:
    """The furthest feed fix in the log, read as SQLite has it on disk (nothing of ours)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        q = "SELECT max(km) FROM events WHERE kind = 'fix' AND source != 'manual'"
        return float(conn.execute(q).fetchone()[0] or 0.0)
    finally:
        conn.close()


def test_follow_kill_9_keeps_every_km_it_printed(tmp_path: Path, peer: JumpingPeer) -> None:
    event = event_file(tmp_path)
    db = tmp_path / "jump.sqlite"
    rng = random.Random()
    seed = rng.randrange(1 << 30)
    rng.seed(seed)
    args = ("follow", str(event), "--db", str(db), "--feed", peer.url, "--every", "0.3")
    for run in range(3):
        follow = Running(*args, data=tmp_path)
        try:
            first = follow.wait_for("fixes logged")
            follow.wait_for("fixes logged", after=first + 1)
            time.sleep(rng.uniform(0.0, 1.0))
            follow.proc.kill()  # SIGKILL: no flush, no close
            follow.proc.wait(30)
        finally:
            if follow.proc.poll() is None:
                follow.proc.kill()
                follow.proc.wait()
        shown = [float(m.group(1)) for line in follow.lines
                 if (m := re.search(r"km (\d+\.\d+) of", line))]  # fmt: skip
        assert shown, follow.lines
        # The printed km is rounded to 10 m; fixes are 1 km apart, so the fix it showed is the
        # one at that km (a later one is further still).
        assert logged_max_km(db) >= max(shown) - 0.01, f"run {run} (seed {seed}): {shown[-1]}"


class Tmux:
    """A private tmux server (never the user's) with one pane."""

    def __init__(self) -> None:
        self.socket = f"companion-shown-{uuid.uuid4().hex[:8]}"

    def __call__(self, *args: str) -> str:
        cmd = ["tmux", "-L", self.socket, "-f", "/dev/null", *args]
        return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout

    def capture(self) -> str:
        return self("capture-pane", "-p", "-t", "shown")

    def pane_pid(self) -> int:
        return int(self("display-message", "-p", "-t", "shown", "#{pane_pid}").strip())

    def pane_dead(self) -> bool:
        return self("display-message", "-p", "-t", "shown", "#{pane_dead}").strip() == "1"


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        if os.environ.get("COMPANION_REQUIRE_PEERS") == "1":
            pytest.fail("tmux is not installed and COMPANION_REQUIRE_PEERS=1")
        pytest.skip("tmux is not installed")
    t = Tmux()
    yield t
    subprocess.run(["tmux", "-L", t.socket, "kill-server"], capture_output=True, check=False)


def shown_km(screen: str) -> float | None:
    """The athlete's km on the route strip: '▲ 12.0'."""
    m = re.search(r"▲ (\d+\.\d)(?! km)", screen)
    return float(m.group(1)) if m else None


def test_dashboard_kill_9_keeps_every_km_it_showed(
    tmp_path: Path, peer: JumpingPeer, tmux: Tmux
) -> None:
    event = event_file(tmp_path)
    db = tmp_path / "jump.sqlite"
    rng = random.Random()
    seed = rng.randrange(1 << 30)
    rng.seed(seed)
    command = " ".join([
        "exec env", f"COMPANION_DATA_DIR={shlex.quote(str(tmp_path))}",
        f"PYTHONPATH={shlex.quote(str(REPO))}", shlex.quote(sys.executable), "-m companion run",
        shlex.quote(str(event)), "--db", shlex.quote(str(db)), "--feed", peer.url,
    ])  # fmt: skip
    tmux("new-session", "-d", "-s", "shown", "-x", "120", "-y", "40", "-c", str(tmp_path), command)
    tmux("set-option", "-t", "shown", "remain-on-exit", "on")
    for run in range(3):
        deadline = time.monotonic() + 60.0
        start_km = None
        while True:  # the feed is in once the km moves on the screen
            assert time.monotonic() < deadline, f"the km never moved:\n{tmux.capture()}"
            km = shown_km(tmux.capture())
            if km is not None and start_km is None:
                start_km = km
            if km is not None and start_km is not None and km >= start_km + 3:
                break
            time.sleep(0.1)
        time.sleep(rng.uniform(0.0, 1.0))
        screen = tmux.capture()
        pid = tmux.pane_pid()
        os.kill(pid, signal.SIGKILL)  # right after the capture: no flush, no close
        deadline = time.monotonic() + 30.0
        while not tmux.pane_dead():
            assert time.monotonic() < deadline, "the pane never died"
            time.sleep(0.05)
        km = shown_km(screen)
        assert km is not None, screen
        logged = logged_max_km(db)
        # Shown to 0.1 km; fixes are 1 km apart: the fix shown is in the log.
        assert logged >= km - 0.05, f"run {run} (seed {seed}): showed {km}, log has {logged}"
        tmux("respawn-pane", "-t", "shown", command)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
