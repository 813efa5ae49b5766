"""A real gpsd fed by Debian's gpsfake on 127.0.0.1, for the feed and `follow` tests.

Started and stopped by PID only, as ../shared/PEERS.md says; skipped when gpsfake is missing
unless COMPANION_REQUIRE_PEERS=1 (CI sets it), where a missing peer is a failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path

import pytest

HAVE_GPSFAKE = shutil.which("gpsfake") is not None and shutil.which("gpsd") is not None
if not HAVE_GPSFAKE and os.environ.get("COMPANION_REQUIRE_PEERS") == "1":
    raise RuntimeError("COMPANION_REQUIRE_PEERS=1 but gpsfake/gpsd are not installed")
needs_gpsfake = pytest.mark.skipif(not HAVE_GPSFAKE, reason="gpsfake (gpsd-clients) not installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class GpsFake:
    """One gpsfake run (and the gpsd it starts), stopped by PID only, as ../shared/PEERS.md says."""

    def __init__(self, log: Path, port: int, per_sentence_s: float = 0.02) -> None:
        self.proc = subprocess.Popen(
            ["gpsfake", "-1", "-n", "-P", str(port), "-c", str(per_sentence_s), "-W", "5", "-q",
             str(log)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def gpsd_pids(self) -> list[int]:
        found = subprocess.run(
            ["pgrep", "-P", str(self.proc.pid), "-x", "gpsd"], capture_output=True, text=True
        )
        return [int(p) for p in found.stdout.split()]

    def kill_gpsd(self) -> None:
        """gpsd dies without a word (SIGKILL), then gpsfake is told to stop."""
        for pid in self.gpsd_pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.stop()

    def stop(self) -> None:
        children = self.gpsd_pids()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:  # it hangs now and then after the log ran out
                for pid in children:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGTERM)
                self.proc.kill()
                self.proc.wait(5)
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"/tmp/gpsfake-{self.proc.pid}.sock")
