"""Append fixes to a logbook in a loop, as a feed would; used by the crash and two-process tests.

Prints "ready" once the logbook is open, then "logged <id>" for each fix only AFTER the commit that
holds it has returned, so every id printed must survive a SIGKILL. Mixes manual fixes (committed at
once) with batched GPS fixes (commit=False) flushed about every 0.2 s, like the app's timer.

Usage: append_fixes.py DB [--count N] [--tag TAG] [--seed S]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Run as a script with sys.executable: make the repository importable without an install.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from companion.core.models import Fix
from companion.logbook import Logbook


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("db", type=Path)
    parser.add_argument("--count", type=int, default=0, help="stop after N fixes (0: forever)")
    parser.add_argument("--tag", default="gps", help="source name of the GPS fixes")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    start = datetime(2021, 1, 10, 0, 30, tzinfo=UTC)
    book = Logbook.open(args.db, event_name="crash test")
    print("ready", flush=True)
    unreported: list[int] = []
    last_flush = time.monotonic()
    i = 0
    while args.count == 0 or i < args.count:
        manual = rng.random() < 0.1
        fix = Fix(
            time=start + timedelta(seconds=i),
            lat=20.0 + i * 1e-5,
            lon=72.9,
            source="manual" if manual else args.tag,
            km=float(i) / 100 if manual else None,
            speed_mps=None if manual else 2.0,
            label=f"manual {i}" if manual else "",
        )
        waiting = book.pending_count
        fix_id = book.append_fix(fix, commit=manual)
        if fix_id is not None:
            # Written with the batch before it, in one transaction holding the write lock: the
            # batch took the ids just before this one.
            unreported.extend(range(fix_id - waiting, fix_id + 1))
        if time.monotonic() - last_flush >= 0.2:
            unreported.extend(book.flush())
            last_flush = time.monotonic()
        if book.pending_count == 0:
            # Everything appended so far is committed: only now may it be reported.
            for done in unreported:
                print(f"logged {done}", flush=True)
            unreported.clear()
        i += 1
        time.sleep(rng.uniform(0, 0.004))
    unreported.extend(book.flush())
    book.close()
    for fix_id in unreported:
        print(f"logged {fix_id}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
