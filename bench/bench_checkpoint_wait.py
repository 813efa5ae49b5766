"""How long a checkpoint from another process waits to be committed while a 10 Hz feed logs
(issue 10 F5), with the logbook before the fix (its batch an open transaction) and after (its
batch in memory, written in one short transaction).

A writer process appends a GPS fix every 0.1 s with commit=False and flushes every 0.5 s, as
`companion follow` does. This process meanwhile opens the same database N times and commits one
manual entry each time, a random 0-0.3 s apart; each latency is from just before the open to the
return of the commit. The "before" logbook is read from git (commit BEFORE below) into a temporary
module, so both run on this machine in one run.

Usage: bench/bench_checkpoint_wait.py [--checkpoints N]
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from companion.core.models import Fix  # noqa: E402

BEFORE = "4fb97c63a68cbdd4bdf92f6cd8e4626dbf31d1f9"  # the last logbook.py before the fix

WRITER = """
import sys, time
sys.path.insert(0, {root!r})
from datetime import UTC, datetime, timedelta
from companion.core.models import Fix
import importlib.util
spec = importlib.util.spec_from_file_location("lb", {module!r})
lb = importlib.util.module_from_spec(spec); spec.loader.exec_module(lb)
book = lb.Logbook.open({db!r})
print("ready", flush=True)
t0 = datetime(2021, 1, 10, tzinfo=UTC)
last_flush = time.monotonic()
i = 0
while True:
    book.append_fix(Fix(t0 + timedelta(seconds=i / 10), 20 + i * 1e-6, 72.9, source="gps",
                        speed_mps=5.0), commit=False)
    if time.monotonic() - last_flush >= 0.5:
        book.flush()
        last_flush = time.monotonic()
    i += 1
    time.sleep(0.1)
"""


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"lb_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure(module_path: Path, db: Path, n: int, with_feed: bool) -> list[float]:
    lb = load(module_path)
    lb.Logbook.open(db).close()
    writer = None
    if with_feed:
        code = WRITER.format(root=str(ROOT), module=str(module_path), db=str(db))
        writer = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        time.sleep(1.0)
    rng = random.Random(1)
    t0 = datetime(2021, 1, 11, tzinfo=UTC)
    waits = []
    try:
        for i in range(n):
            time.sleep(rng.uniform(0.0, 0.3))
            fix = Fix(t0 + timedelta(minutes=i), 20.0, 72.9, km=float(i), label=f"km {i}")
            start = time.perf_counter()
            book = lb.Logbook.open(db)
            book.append_fix(fix, commit=True)
            waits.append(time.perf_counter() - start)
            book.close()
    finally:
        if writer is not None:
            writer.kill()
            writer.wait()
    return waits


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20)[-1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkpoints", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "logbook_before.py"
        old.write_text(
            subprocess.run(
                ["git", "-C", str(ROOT), "show", f"{BEFORE}:companion/logbook.py"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        new = ROOT / "companion" / "logbook.py"
        rows = []
        for name, path, feed in (
            ("before, alone", old, False),
            ("before, 10 Hz feed", old, True),
            ("after, alone", new, False),
            ("after, 10 Hz feed", new, True),
        ):
            db = Path(tmp) / f"{name.replace(' ', '_').replace(',', '')}.sqlite"
            waits = measure(path, db, args.checkpoints, feed)
            rows.append((name, statistics.median(waits), p95(waits), max(waits)))
    print(f"{'case':<22} {'median ms':>10} {'p95 ms':>10} {'max ms':>10}")
    for name, med, q95, top in rows:
        print(f"{name:<22} {med * 1000:>10.1f} {q95 * 1000:>10.1f} {top * 1000:>10.1f}")
    before, after = rows[1], rows[3]
    print(
        f"ratio before/after under the feed: median {before[1] / after[1]:.0f}x, "
        f"p95 {before[2] / after[2]:.0f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
