"""Large blocks mapped on their own, so arrays that keep growing do not fragment the heap (MEM).

A long `follow` or dashboard holds a few arrays that grow with every fix (the tracker's columns,
core/fixcolumns.py: ~7 MB each after a day of 10 Hz). glibc's malloc maps a block above its
threshold on its own pages, and grows it in place (mremap); below it, a block that cannot grow
in place is copied and leaves its old room as a hole. That threshold starts at 128 KiB but
rises to the size of any mapped block freed (up to 32 MiB), so once some large temporary is
freed the growing arrays live in the heap until they pass it, and their old copies' holes are
never handed back: follow over 864,000 fixes held ~20-29 MB of them (malloc_trim frees as much;
with the threshold held at 128 KiB its peak went 173 -> 144 MB). Setting the threshold stops it
rising. Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import sys

_M_MMAP_THRESHOLD = -3  # glibc's malloc.h
_THRESHOLD = 128 * 1024  # glibc's own starting value, held there


def map_large_blocks() -> bool:
    """Hold glibc's mmap threshold at its default (True if it was set)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # no C library to ask, or one without mallopt
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, _THRESHOLD))
