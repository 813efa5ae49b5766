"""Issue 11: `Tracker.add` alone on a 10 Hz feed, as `follow` feeds it.

    .venv/bin/python bench/bench_add.py                 # 86,400 fixes, 3 runs (~1 min)
    .venv/bin/python bench/bench_add.py --fixes 8640

The fixes are the Kovner tour's at 10 Hz (bench/issue11_inputs.py: the real track resampled,
written as RMC), parsed by `parse_nmea_file` and placed first, each then carrying its km as the
feed path logs it (`EventSession.add_feed_fix`: `with_km`), so the timed `add` does what it does
in `follow` after the projection: the motion, the day ledger, the pace model, the odometer, the
columns and the snapshots. Each `add` is timed with `perf_counter_ns`; medians and means of
three runs, each on a fresh tracker of the event (`EventSession`'s own, over an empty log).

A digest of the end state (km, days, moving time, stops, speeds, the pace model) is printed so
that two trees can be compared: run it with PYTHONPATH=<an exported tree> alternately with the
working tree, on the same machine in the same minutes.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import issue11_inputs as inputs
from bench_fix import commit

from companion.core.models import Fix
from companion.core.tracker import Tracker
from companion.service import EventSession, with_km
from companion.sources.nmea import parse_nmea_file

T0 = datetime(2026, 6, 1, 11, 0, tzinfo=UTC)
RUNS = 3


def placed_feed(tmp: Path, n: int) -> tuple[Path, list[Fix]]:
    """The event file and `n` fixes of its 10 Hz feed, each with the km it is placed at."""
    inp = inputs.make_event(tmp)
    nmea = tmp / "feed.nmea"
    inputs.write_nmea(nmea, inp.points, n, T0)
    fixes, _ = parse_nmea_file(str(nmea))
    out = []
    with EventSession.open(inp.event_toml, tmp / "place.sqlite") as s:
        tr = s.tracker
        for f in fixes:
            p = tr.place(f)
            last = tr.last_fix
            if not p.off_route and (last is None or f.time >= last.time):
                f = with_km(f, p.km)  # as add_feed_fix logs it
            tr.add(f)
            out.append(f)
    return inp.event_toml, out


def digest(tr: Tracker) -> str:
    m = tr._motion
    state = (tr.km, tr.day_totals(), m.moving_s_total, m.stop_spans(), m.speed_now_kmh,
             m.window.speed_kmh(), tr._pace)  # fmt: skip
    return hashlib.sha1(repr(state).encode()).hexdigest()[:12]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fixes", type=int, default=86_400, help="fixes of the 10 Hz feed")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-add-") as d:
        tmp = Path(d)
        event, fixes = placed_feed(tmp, args.fixes)
        medians, means = [], []
        for run in range(RUNS):
            with EventSession.open(event, tmp / f"run{run}.sqlite") as s:
                tr, per = s.tracker, []
                add, clock = tr.add, time.perf_counter_ns
                gc.collect()
                for f in fixes:
                    t = clock()
                    add(f)
                    per.append(clock() - t)
                medians.append(statistics.median(per) / 1000.0)
                means.append(sum(per) / len(per) / 1000.0)
                end = digest(tr)
    print(f"Tracker.add, {len(fixes)} Kovner fixes at 10 Hz with their km; code {commit()}, "
          f"Python {platform.python_version()}, {platform.machine()}")  # fmt: skip
    print(f"  median {statistics.median(medians):6.2f} us (runs "
          f"{' '.join(f'{x:.2f}' for x in medians)}), mean {statistics.median(means):6.2f} us "
          f"(runs {' '.join(f'{x:.2f}' for x in means)}); end state {end}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
