"""Kill a process that is appending fixes with SIGKILL, five times: nothing it reported is lost.

The helper prints "logged <id>" only after the commit holding that fix returned, so every such id
must be in the database after the crash, and the database must pass `PRAGMA integrity_check`.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from companion.logbook import Logbook

HELPER = Path(__file__).resolve().parents[1] / "helpers" / "append_fixes.py"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def test_sigkill_never_loses_a_reported_fix(tmp_path: Path) -> None:
    db = tmp_path / "crash.sqlite"
    rng = random.Random()  # a fresh moment every run; the seed is in the failure message
    seed = rng.randrange(1 << 30)
    rng.seed(seed)
    reported: set[int] = set()
    for run in range(5):
        proc = subprocess.Popen(
            [sys.executable, str(HELPER), str(db), "--seed", str(seed + run)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        # Start the clock once the logbook is open, so the kill lands among the appends rather
        # than during Python's start-up.
        first = proc.stdout.readline()
        assert first.strip() == "ready", proc.stderr.read() if proc.stderr else first
        delay = rng.uniform(0.2, 1.0)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL, err
        logged = {int(line.split()[1]) for line in out.splitlines() if line.startswith("logged ")}
        assert logged, f"run {run}: nothing was logged in {delay:.2f} s (seed {seed})\n{err}"
        reported |= logged

        # What a restart sees: a plain sqlite3 check first, then our own reopen.
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            present = {r[0] for r in conn.execute("SELECT id FROM events WHERE kind = 'fix'")}
        missing = reported - present
        assert not missing, f"run {run} (seed {seed}, kill after {delay:.2f} s): lost {missing}"
        with Logbook.open(db) as book:
            assert book.integrity_check() == "ok"
            assert {i for i, _ in book.effective_fixes()} == present
