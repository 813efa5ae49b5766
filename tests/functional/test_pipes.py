"""Issue 10 F4/F2 as a crew's shell sees them, in real subprocesses: `follow | head -1` goes on
logging after head is gone (rows counted in the SQLite file), `status --json | head -c 10` exits
quietly, and a bad port in the event file or --feed is one line and exit 2."""

from __future__ import annotations

import functools
import json
import os
import shlex
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from companion.logbook import Logbook

START = (22.30, 73.18)
T0 = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)


def sentence(body: str) -> str:
    checksum = functools.reduce(lambda a, c: a ^ ord(c), body, 0)
    return f"${body}*{checksum:02X}\r\n"


def rmc(i: int) -> bytes:
    """Epoch i: one RMC, a second apart, ~3 m further north (written by hand, not by our code)."""
    t = T0 + timedelta(seconds=i)
    lat = START[0] + 0.00003 * i
    la = f"{int(lat):02d}{(lat - int(lat)) * 60:07.4f}"
    lo = f"{int(START[1]):03d}{(START[1] - int(START[1])) * 60:07.4f}"
    return sentence(f"GPRMC,{t:%H%M%S}.00,A,{la},N,{lo},E,5.8,0.0,{t:%d%m%y},,,A").encode()


class NmeaPeer:
    """A TCP server on 127.0.0.1 sending an epoch every 0.05 s to one client while it listens;
    `sent` counts the epochs the kernel took."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        self.sent = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            i = 0
            while True:
                try:
                    conn.sendall(rmc(i))
                except OSError:
                    return
                self.sent = i + 1
                i += 1
                time.sleep(0.05)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def event(tmp_path: Path) -> Path:
    (tmp_path / "route.csv").write_text(
        f"name,lat,lon\nStart,{START[0]},{START[1]}\nNorth,{START[0] + 0.05},{START[1]}\n"
    )
    path = tmp_path / "ride.toml"
    path.write_text(
        'name = "Pipes"\nathlete = "A"\nroute = "route.csv"\ntimezone = "Asia/Kolkata"\n'
        "planned_kmh = 20\n"
    )
    return path


def env_for(data: Path) -> dict[str, str]:
    return {"COMPANION_DATA_DIR": str(data), "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8"}  # fmt: skip


def companion_cmd(*args: str) -> str:
    return shlex.join([sys.executable, "-m", "companion", *args])


@pytest.fixture
def peer() -> Iterator[NmeaPeer]:
    p = NmeaPeer()
    yield p
    p.close()


def logged_fixes(data: Path) -> int:
    db = data / "ride.sqlite"  # the log beside the event file (eventlog.py)
    with Logbook.open(db, readonly=True) as book:
        return sum(1 for _ in book.effective_fixes())


def test_follow_piped_to_head_goes_on_logging(event: Path, peer: NmeaPeer) -> None:
    data = event.parent
    # head -1 takes the first line and exits: every line after that meets a closed pipe. The
    # status line comes every 5 s, so 8 s of following writes into the dead pipe more than once.
    cmd = companion_cmd("follow", str(event), "--feed", f"nmea+tcp://127.0.0.1:{peer.port}",
                        "--duration", "8")  # fmt: skip
    r = subprocess.run(["sh", "-c", f"{cmd} | head -1"], capture_output=True, text=True,
                       env=env_for(data), timeout=60, check=False)  # fmt: skip
    assert r.stdout.startswith("following nmea+tcp://127.0.0.1:")
    assert r.stdout.count("\n") == 1
    assert "Traceback" not in r.stderr and "Broken pipe" not in r.stderr, r.stderr
    # Everything sent while follow listened was logged, not only what came before the pipe
    # closed (at most the epoch in flight when it hung up is missing).
    sent = peer.sent
    assert sent > 8 / 0.05 * 0.5  # the peer really sent for most of the 8 s
    assert sent - 2 <= logged_fixes(data) <= sent


def test_status_json_piped_to_head_exits_quietly(event: Path) -> None:
    data = event.parent
    cmd = companion_cmd("status", str(event), "--json")
    r = subprocess.run(["sh", "-c", f"{cmd} | head -c 10"], capture_output=True,
                       env=env_for(data), timeout=60, check=False)  # fmt: skip
    assert r.stdout == b'{\n  "event"'[:10]
    assert r.stderr == b""


def test_status_json_into_a_pipe_already_closed(event: Path) -> None:
    # The deterministic case of `| head`: the reader is gone before the first write.
    data = event.parent
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        r = subprocess.run([sys.executable, "-m", "companion", "status", str(event), "--json"],
                           stdout=write_end, stderr=subprocess.PIPE, env=env_for(data),
                           timeout=60, check=False)  # fmt: skip
    finally:
        os.close(write_end)
    assert r.stderr == b""
    assert r.returncode == 141  # as a C tool killed by SIGPIPE


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999/x", "http://127.0.0.1:abc/x"])
def test_a_bad_port_is_one_line_and_exit_2(event: Path, url: str) -> None:
    data = event.parent
    args = [sys.executable, "-m", "companion"]
    r = subprocess.run([*args, "follow", str(event), "--feed", url, "--duration", "1"],
                       capture_output=True, text=True, env=env_for(data), timeout=60,
                       check=False)  # fmt: skip
    assert (r.returncode, r.stderr.count("\n")) == (2, 1), r.stderr
    assert "port" in r.stderr and "Traceback" not in r.stderr
    with event.open("a") as fh:
        fh.write(f"feed = {json.dumps(url)}\n")
    r = subprocess.run([*args, "status", str(event)], capture_output=True, text=True,
                       env=env_for(data), timeout=60, check=False)  # fmt: skip
    assert (r.returncode, r.stderr.count("\n")) == (2, 1), r.stderr
    assert r.stderr.startswith(f"companion: {event}: feed ") and "port" in r.stderr
