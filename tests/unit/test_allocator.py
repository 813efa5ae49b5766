"""The tracker's growing columns leave no holes in the heap once the mmap threshold is held
(companion/allocator.py, issue 11 MEM).

Each case runs in a fresh Python (the setting is the process's): the fixes of a real ride at
10 Hz go through EventSession as `follow` feeds them (log, tracker), the log flushed every 5,000.
What is measured is glibc's own count of free bytes left inside the heap (mallinfo2), not a
time: with the threshold held, the columns grow on their own pages and the heap keeps next to
nothing free; without, their old copies' room stays in it (the case that shows the test can
fail; the holes grow with the columns: ~1 MB more at 50,000 fixes, ~6 at 120,000).
"""

from __future__ import annotations

import ctypes
import json
import subprocess
import sys
from pathlib import Path

import pytest

from companion.allocator import map_large_blocks

_PROGRAM = """
import ctypes, json, sys, tempfile
from pathlib import Path
sys.path.insert(0, {tests!r})
from helpers.real_tracks import AUDAX_150K, fixes, load_real_track
from companion.allocator import map_large_blocks
from companion.service import EventSession

held = map_large_blocks() if {hold} else False
shared = Path({shared!r})
feed = fixes(load_real_track(shared / AUDAX_150K), hz=10.0, source="nmea")[: {n}]

class MI2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                                                "usmblks", "fsmblks", "uordblks", "fordblks",
                                                "keepcost")]
mallinfo2 = ctypes.CDLL(None).mallinfo2
mallinfo2.restype = MI2
tmp = Path(tempfile.mkdtemp())
event = tmp / "audax.toml"
event.write_text(f'name = "A"\\nathlete = "A"\\nroute = "{{shared / AUDAX_150K}}"\\n'
                 'timezone = "Australia/Melbourne"\\nplanned_kmh = 25\\n')
with EventSession.open(event, tmp / "log.sqlite") as s:
    free0 = mallinfo2().fordblks
    for i, f in enumerate(feed):
        s.add_feed_fix(f, prefiltered=True)
        if i % 5000 == 4999:
            s.flush()
    s.flush()
    n = len(s.tracker.fixes_seen)
    free = mallinfo2().fordblks - free0
print(json.dumps({{"held": held, "n": n, "free": free}}))
"""
N = 90_000  # 2.5 h of the ride at 10 Hz: the columns ~6 MB


def _glibc_mallinfo2() -> bool:
    try:
        ctypes.CDLL(None).mallinfo2  # noqa: B018 (glibc 2.33+)
    except (OSError, AttributeError):
        return False
    return sys.platform.startswith("linux")


def _run(shared_dir: Path, hold: bool) -> dict[str, int]:
    tests = str(Path(__file__).resolve().parents[1])
    code = _PROGRAM.format(tests=tests, shared=str(shared_dir), hold=hold, n=N)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    result: dict[str, int] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.skipif(not _glibc_mallinfo2(), reason="glibc's allocator only")
def test_growing_columns_leave_no_free_room_in_the_heap(shared_dir: Path) -> None:
    held = _run(shared_dir, hold=True)
    loose = _run(shared_dir, hold=False)
    assert held["held"] and held["n"] == loose["n"] == N
    mb = 1 << 20
    assert held["free"] < 1.5 * mb, (held, loose)
    assert loose["free"] > held["free"] + 2 * mb, (held, loose)  # the holes it prevents


def test_elsewhere_it_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert map_large_blocks() is False
