"""Issue 10 F10: `companion run` in a real pseudo-terminal, fed 20 fixes a second by a real NMEA
peer on 127.0.0.1, told SIGTERM or SIGHUP: it quits as `q` does (exit 0, the feed stopped and
logged as such, the batch of the last second committed) instead of dying of the signal."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from test_pipes import NmeaPeer, env_for, event, logged_fixes, peer

from companion.logbook import Logbook

__all__ = ["event", "peer"]  # fixtures


def drain(fd: int) -> None:
    """Read the terminal's output so the app never blocks writing it."""
    with contextlib.suppress(OSError):
        while os.read(fd, 65536):
            pass


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_quits_the_dashboard_and_keeps_every_fix(
    event: Path, peer: NmeaPeer, sig: signal.Signals
) -> None:
    data = event.parent
    master, slave = os.openpty()
    env = {**env_for(data), "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "companion", "run", str(event), "--feed",
         f"nmea+tcp://127.0.0.1:{peer.port}"],
        stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    reader = threading.Thread(target=drain, args=(master,), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while peer.sent < 40:  # two seconds of fixes taken by the app
            assert proc.poll() is None, "the dashboard ended by itself"
            assert time.monotonic() < deadline, "the dashboard never read the feed"
            time.sleep(0.05)
        proc.send_signal(sig)
        code = proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    # A clean quit, not death by the signal (-15, -1): the feed was stopped, the last state
    # logged, and the batch committed on the way out.
    assert code == 0
    db = data / "ride.sqlite"  # the log beside the event file (eventlog.py)
    with Logbook.open(db, readonly=True) as book:
        last = book.last_feed_status()
    assert last is not None and last[1] == "stopped"
    peer.thread.join(10)  # its next send after the app hung up fails: the count is final
    # Nothing beyond what the peer sent; how many of the last ones had reached the app when it
    # quit depends on the machine's load, so the count is not asserted more tightly here
    # (test_feed_quit proves that what the feed holds at a quit is logged).
    assert 0 < logged_fixes(data) <= peer.sent
