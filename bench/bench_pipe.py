"""Issue 11, PIPE: what a feed fix costs between the NMEA file and `Tracker.add`, alone.

    .venv/bin/python bench/bench_pipe.py EVENT.toml FEED.nmea [--runs 3]

Runs an `nmea:FEED` source into an `EventSession` exactly as `companion follow` does (the
source's parser and plausibility filter, follow's block of fixes through
`feedblock.add_feed_fixes` (or, with --one-at-a-time, `add_feed_fix` a fix), the log's batch
flushed every 5000 fixes as follow's timer does at this pace), but with the session's tracker
replaced by a stub that places every fix at a fixed km and keeps nothing: placement and
`Tracker.add` are measured by bench_fix.py. Prints the CPU time a fix (median of --runs, each
on a fresh copy of the event and an empty log in a temporary directory). BENCH_CODE is not
read: run it with PYTHONPATH=DIR to measure the code in DIR (`git archive COMMIT | tar -x -C
DIR`).

For instruction counts (steady on a loaded machine), run it under
`valgrind --tool=cachegrind --cache-sim=no` on two feed lengths and divide the difference.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from companion.core.models import Fix, Placement
from companion.feedblock import add_feed_fixes
from companion.service import EventSession
from companion.sources.base import FeedStatus, open_source

FLUSH_EVERY = 5000  # follow flushes every 0.5 s: ~5000 fixes at this pace


class StubTracker:
    """Places every fix at one km, keeps only the last fix (what add_feed_fix reads)."""

    def __init__(self) -> None:
        self.last_fix: Fix | None = None

    def place(self, fix: Fix) -> Placement:
        return Placement(12.5, 3.0, 5, False)

    def add(self, fix: Fix) -> None:
        self.last_fix = fix

    def fixes_at(self, t: datetime) -> tuple[Fix, ...]:
        return ()


def one_run(event: Path, feed: Path, one_at_a_time: bool) -> tuple[int, float]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copy(event, work)
        text = event.read_text()
        for line in text.splitlines():  # the route file named by the event, beside it
            if line.startswith("route"):
                shutil.copy(event.parent / line.split("=", 1)[1].strip().strip('"'), work)
        session = EventSession.open(work / event.name, None)
        session.tracker = StubTracker()  # type: ignore[assignment]
        source = open_source(f"nmea:{feed}", max_kmh=session.event.max_kmh)
        session.attach(source)
        count = 0

        def on_fix(fix: Fix) -> None:
            nonlocal count
            session.add_feed_fix(fix, prefiltered=True)
            count += 1
            if count % FLUSH_EVERY == 0:
                session.flush()

        def on_fixes(fixes: Sequence[Fix]) -> None:  # follow's, for a file's block
            nonlocal count
            add_feed_fixes(session, fixes)
            before, count = count, count + len(fixes)
            if count // FLUSH_EVERY != before // FLUSH_EVERY:
                session.flush()

        def on_status(status: FeedStatus) -> None:
            session.log_feed_status(status)

        started = time.process_time()
        asyncio.run(source.run(on_fix, on_status, None if one_at_a_time else on_fixes))
        session.flush()
        cpu = time.process_time() - started
        session.logbook.close()  # not session.close(): it would save the stub's state
        return count, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("event", type=Path)
    ap.add_argument("feed", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--one-at-a-time", action="store_true", help="on_fix a fix, not blocks")
    args = ap.parse_args()
    runs = [
        one_run(args.event.resolve(), args.feed.resolve(), args.one_at_a_time)
        for _ in range(args.runs)
    ]
    fixes = runs[0][0]
    per_fix = statistics.median(cpu for _n, cpu in runs) / fixes * 1e6
    print(f"pipe: {per_fix:.2f} us of CPU a fix (median of {len(runs)}), {fixes} fixes")


if __name__ == "__main__":
    main()
