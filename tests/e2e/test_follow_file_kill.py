"""Issue 11: `follow` over an NMEA file (each block of fixes placed and batched in one loop,
feedblock.py) prints only committed km, so a kill -9 never takes away a km it printed.

The feed is a real ride at 10 Hz (the Audax 150k's first hour, 36,000 fixes, written here as RMC
lines by hand), read as fast as the machine goes: the batch then holds up to a second of the
machine's work (thousands of fixes, kilometres), far wider than the printed km's rounding. The
process is killed with SIGKILL at a random moment after it printed a status line; the log, read
by plain sqlite3, must hold a fix at that km or beyond.
"""

from __future__ import annotations

import random
import re
import sqlite3
import sys
import time
from pathlib import Path

import pytest
from helpers import real_tracks
from helpers.storage import Running

from companion.core.models import Fix

SHARED = Path(__file__).resolve().parents[3] / "shared"
pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX"),
    pytest.mark.skipif(not (SHARED / real_tracks.AUDAX_150K).exists(), reason="no ../shared"),
]


def _rmc(fix: Fix) -> str:
    t, lat, lon = fix.time, fix.lat, fix.lon
    la = f"{int(abs(lat)):02d}{(abs(lat) - int(abs(lat))) * 60:07.4f},{'N' if lat >= 0 else 'S'}"
    lo = f"{int(abs(lon)):03d}{(abs(lon) - int(abs(lon))) * 60:07.4f},{'E' if lon >= 0 else 'W'}"
    body = f"GPRMC,{t:%H%M%S}.{t.microsecond // 10000:02d},A,{la},{lo},12.0,90.0,{t:%d%m%y},,,A"
    checksum = 0
    for c in body.encode():
        checksum ^= c
    return f"${body}*{checksum:02X}\r\n"


def _logged_max_km(db: Path) -> float:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        q = "SELECT max(km) FROM events WHERE kind = 'fix'"
        return float(conn.execute(q).fetchone()[0] or 0.0)
    finally:
        conn.close()


def test_follow_over_a_file_kill_9_keeps_every_km_it_printed(tmp_path: Path) -> None:
    event, fixes = real_tracks.audax_at_10hz(SHARED, tmp_path, minutes=60)
    feed = tmp_path / "ride.nmea"
    feed.write_text("".join(_rmc(f) for f in fixes))
    db = tmp_path / "ride.sqlite"
    rng = random.Random()
    seed = rng.randrange(1 << 30)
    rng.seed(seed)
    args = ("follow", str(event), "--db", str(db), "--feed", f"nmea:{feed}", "--every", "0.1")
    follow = Running(*args, data=tmp_path)
    try:
        follow.wait_for("fixes logged", timeout=60)
        time.sleep(rng.uniform(0.0, 1.0))
        follow.proc.kill()  # SIGKILL: no flush, no close
        follow.proc.wait(30)
    finally:
        if follow.proc.poll() is None:
            follow.proc.kill()
            follow.proc.wait()
    time.sleep(0.2)  # the reader thread takes the last lines the pipe held
    shown = [float(m.group(1)) for line in follow.lines
             if (m := re.search(r"km (\d+\.\d+) of", line))]  # fmt: skip
    assert shown, follow.lines
    assert _logged_max_km(db) >= max(shown) - 0.01, f"seed {seed}: {follow.lines[-3:]}"
