"""Holding glibc's mmap threshold (companion/allocator.py, issue 11 MEM): a large block is then
mapped on its own pages even after a bigger mapped block was freed.

glibc raises its threshold to the size of any mapped block freed (mallopt(3), "dynamic mmap
threshold"); from then on a growing array below that size lives in the heap, and each copy it
leaves as it grows is a hole (follow over 864,000 fixes: ~20 MB, bench/README.md). Setting the
threshold turns the adjustment off. Each case runs in a fresh Python (the setting is the
process's) and calls malloc itself, so nothing else decides where the block goes; what is read
is glibc's own count of mapped bytes (mallinfo2), not a time or a size that depends on the run.
An earlier version fed 90,000 fixes and compared the heap's free bytes: that depended on what
else the process had freed, and failed on a clean clone.
"""

from __future__ import annotations

import ctypes
import json
import subprocess
import sys

import pytest

from companion.allocator import map_large_blocks

_PROGRAM = """
import ctypes, json
from companion.allocator import map_large_blocks

class MI2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                                                "usmblks", "fsmblks", "uordblks", "fordblks",
                                                "keepcost")]
libc = ctypes.CDLL(None)
libc.mallinfo2.restype = MI2
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.restype, libc.free.argtypes = None, [ctypes.c_void_p]
held = map_large_blocks() if {hold} else False
big = libc.malloc(16 << 20)  # mapped (above any starting threshold); freed, it raises glibc's
libc.free(big)
before = libc.mallinfo2().hblkhd
block = libc.malloc(1 << 20)  # a growing column's size after ~130,000 fixes
mapped = libc.mallinfo2().hblkhd - before
libc.free(block)
print(json.dumps({{"held": held, "mapped": mapped}}))
"""


def _glibc_mallinfo2() -> bool:
    try:
        ctypes.CDLL(None).mallinfo2  # noqa: B018 (glibc 2.33+)
    except (OSError, AttributeError):
        return False
    return sys.platform.startswith("linux")


def _run(hold: bool) -> dict[str, int]:
    code = _PROGRAM.format(hold=hold)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    result: dict[str, int] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.skipif(not _glibc_mallinfo2(), reason="glibc's allocator only")
def test_a_large_block_stays_mapped_once_the_threshold_is_held() -> None:
    held, loose = _run(hold=True), _run(hold=False)
    assert held["held"] and not loose["held"]
    assert held["mapped"] >= 1 << 20, (held, loose)  # on its own pages: no hole when it goes
    assert loose["mapped"] == 0, (held, loose)  # the case it prevents: taken from the heap


def test_elsewhere_it_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert map_large_blocks() is False
