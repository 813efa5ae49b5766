"""Real parts for the storage tests (issue 10 F3, F5): a small filesystem to fill, a 10 Hz NMEA
peer on 127.0.0.1, and `companion` run as a subprocess whose output lines are collected."""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

START = (22.30, 73.18)  # the test route runs due north from here
STEP_DEG = 0.000005  # ~0.55 m of latitude an epoch: 20 km/h at 10 Hz


@contextlib.contextmanager
def small_disk(where: Path, size_kib: int = 768) -> Iterator[Path]:
    """A tmpfs of `size_kib` mounted at `where` (root on Linux only; else the test is skipped),
    unmounted afterwards whatever happens."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip("a disk-full test mounts a small tmpfs, which needs root on Linux")
    where.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(where)],
                       capture_output=True, text=True, check=False)  # fmt: skip
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    try:
        yield where
    finally:
        # Lazy: a process the test could not stop must not leave the mount behind.
        subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)


def fill(disk: Path) -> Path:
    """Take every free byte of `disk` with a ballast file; delete it to make room again."""
    ballast = disk / "ballast"
    chunk = b"\0" * 4096
    with open(ballast, "ab", buffering=0) as f:
        try:
            while True:
                f.write(chunk)
        except OSError as e:
            if e.errno != errno.ENOSPC:
                raise
    return ballast


def sentence(body: str) -> str:
    checksum = functools.reduce(lambda a, c: a ^ ord(c), body, 0)
    return f"${body}*{checksum:02X}\r\n"


def rmc(t: datetime, lat: float, lon: float) -> bytes:
    """One $GPRMC with centiseconds (written here by hand, not by the code under test)."""
    la = f"{int(lat):02d}{(lat - int(lat)) * 60:07.4f}"
    lo = f"{int(lon):03d}{(lon - int(lon)) * 60:07.4f}"
    hms = f"{t:%H%M%S}.{t.microsecond // 10000:02d}"
    return sentence(f"GPRMC,{hms},A,{la},N,{lo},E,10.8,0.0,{t:%d%m%y},,,A").encode()


class Nmea10Hz:
    """A TCP NMEA server on 127.0.0.1: an epoch every 0.1 s to one client at a time, north along
    the test route; the epochs go on from where they were for the next client (a restart)."""

    def __init__(self, t0: datetime | None = None) -> None:
        self.t0 = t0 or (datetime.now(UTC) - timedelta(minutes=30)).replace(microsecond=0)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        self.url = f"nmea+tcp://127.0.0.1:{self.port}"
        self.sent = 0  # epochs the kernel took, over all clients
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def epoch(self, i: int) -> tuple[datetime, float, float]:
        return self.t0 + timedelta(seconds=i / 10), START[0] + STEP_DEG * i, START[1]

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                while not self._stop.is_set():
                    t, lat, lon = self.epoch(self.sent)
                    try:
                        conn.sendall(rmc(t, lat, lon))
                    except OSError:
                        break  # the client is gone: wait for the next one
                    self.sent += 1
                    time.sleep(0.1)

    def close(self) -> None:
        self._stop.set()
        self.sock.close()


def route_event(folder: Path) -> Path:
    """A small event north from START (route book of two towns), its data dir in `folder`."""
    (folder / "route.csv").write_text(
        f"name,lat,lon\nStart,{START[0]},{START[1]}\nNorth,{START[0] + 0.05},{START[1]}\n"
    )
    path = folder / "ride.toml"
    path.write_text(
        'name = "Storage"\nathlete = "A"\nroute = "route.csv"\ntimezone = "Asia/Kolkata"\n'
        "planned_kmh = 20\n"
    )
    return path


def env_for(data: Path) -> dict[str, str]:
    return {"COMPANION_DATA_DIR": str(data), "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8", "PYTHONUNBUFFERED": "1"}  # fmt: skip


class Running:
    """`python -m companion ARGS` in the background, its stdout lines collected as they come."""

    def __init__(self, *args: str, data: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "companion", *args], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, env=env_for(data),
        )  # fmt: skip
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 30.0, after: int = 0) -> int:
        """Wait until a line (from index `after` on) contains `text`; return its index."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i in range(after, len(self.lines)):
                if text in self.lines[i]:
                    return i
            if self.proc.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.05)
        err = self.proc.stderr.read() if self.proc.poll() is not None and self.proc.stderr else ""
        raise AssertionError(f"no line with {text!r}:\n" + "\n".join(self.lines) + f"\n{err}")

    def stop(self, sig: int) -> int:
        self.proc.send_signal(sig)
        code = self.proc.wait(30)
        self._reader.join(10)
        return code
