"""Issue 11: one GPS fix -> Progress (`Tracker.add` + `Tracker.progress` with every town's ETA),
with `day_hours` and 16 towns, on routes of 20k, 100k and 200k points.

    .venv/bin/python bench/bench_fix.py            # 20,000 timed fixes a route (~1-2 min)
    .venv/bin/python bench/bench_fix.py --quick    # 3,000 a route

Each route is its own generated GPX (bench_route.make_path: 16 towns spread over the whole
length, whatever the size), loaded with `load_route`. The fixes are 1 Hz at ~25 km/h with ~3 m
of noise (bench_route.make_fixes), 1000 warm-up fixes first. Beside the figure:

* without `day_hours` (the same tracker with no day window), and `Tracker.add` alone;
* the naive peer: what a tracker without a search window or incremental state does per fix:
  one numpy projection over every segment (`route._nearest` over the whole path) and a plain
  loop "km to each town / planned speed" for the ETAs. Ratio = Companion / naive;
* the floor of a Progress with every ETA worked out: the result records alone, as the
  progress builds them (a TownAhead a town with its main ETA's datetime, the seconds to it and
  three EtaOption, each holding its arrival as an opening and the seconds after it), from
  numbers worked out beforehand, with no arithmetic, no tracker and no `add`;
* both again with every ETA read as a datetime (`TownAhead.eta_at` and each `EtaOption.at`,
  as `status --json` reads them): an option builds its datetime when read (core/models.py).

Medians and p99 of `perf_counter_ns` per fix, one run (a shared machine: compare within a run).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import time as dtime
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_route import make_fixes, make_path, pct, write_gpx

from companion.core.eta import DayWindow
from companion.core.models import EtaOption, Fix, TownAhead
from companion.core.route import Route
from companion.core.tracker import Tracker
from companion.formats import load_route

SIZES = (20_000, 100_000, 200_000)
TZ = ZoneInfo("Asia/Kolkata")
PLANNED_KMH = 25.0
WARMUP = 1000
GOAL_MEDIAN_US = 50.0
GOAL_P99_US = 1000.0


def tracker(route: Route, day_hours: bool) -> Tracker:
    window = DayWindow(dtime(6, 0), dtime(19, 0), TZ) if day_hours else None
    return Tracker(route, TZ, PLANNED_KMH, max_kmh=60.0, day_window=window)


def per_fix_us(step: Callable[[Fix], object], fixes: list[Fix]) -> list[float]:
    """Run `step` on every fix; the time of each after the warm-up, in microseconds."""
    out: list[float] = []
    gc.collect()
    for i, f in enumerate(fixes):
        t = time.perf_counter_ns()
        step(f)
        if i >= WARMUP:
            out.append((time.perf_counter_ns() - t) / 1000.0)
    return out


def naive_step(route: Route) -> Callable[[Fix], object]:
    """A tracker with no window and no state: project on the whole path, ETA = distance/speed."""
    towns = [(t.name, t.km) for t in route.towns]
    whole = slice(0, route.n_points - 1)

    def step(f: Fix) -> object:
        km = route._nearest(f.lat, f.lon, whole, None).km
        return [
            (name, f.time + timedelta(hours=(tk - km) / PLANNED_KMH))
            for name, tk in towns
            if tk > km
        ]

    return step


def floor_step(n_towns: int, read: bool = False) -> Callable[[Fix], object]:
    """Only the records a Progress with every ETA holds, as core/progress.py builds them: per
    town three EtaOption (the opening and the seconds after it), the main one's seconds from now
    in integer microseconds (its state; no datetime), and a TownAhead holding the main ETA as
    its option does. `read`: every ETA's datetime read too (`eta_at` and each option's `at`)."""
    secs = [(3600.0 * (i + 1) + 0.25 * k, 3700.0 * (i + 1) + 0.5 * k, 3900.0 * (i + 1) + k)
            for i, k in enumerate(range(n_towns))]  # fmt: skip

    def step(f: Fix) -> object:
        base = now = f.time
        off_us = (base - now) // _US  # once per opening, as _towns does
        towns = []
        for i, (s1, s2, s3) in enumerate(secs):
            etas = (
                EtaOption("rhythm", base, 20.0, "stint pace", s1),
                EtaOption("recent", base, 21.0, "recent", s2),
                EtaOption("plan", base, 22.0, "plan", s3),
            )
            whole = int(s1)
            frac_us = (s1 - whole) * 1e6
            part = int(frac_us)
            us = off_us + whole * 1_000_000 + part + (frac_us - part > 0.5)
            towns.append(TownAhead("Town", 10.0 * i, 5.0 * i, base, us / 1_000_000, 20.0,
                                   "ahead", None, etas, "rhythm", (), s1))  # fmt: skip
        if read:
            read_etas(towns)
        return tuple(towns)

    return step


_US = timedelta(microseconds=1)


def reading_step(t: Tracker) -> Callable[[Fix], object]:
    """add + progress, then every ETA of the progress read as a datetime."""

    def step(f: Fix) -> object:
        t.add(f)
        p = t.progress(f.time)
        read_etas(p.towns_ahead)
        return p

    return step


def read_etas(towns: Sequence[TownAhead]) -> None:
    """Every ETA of `towns` read as a datetime, as `status --json` reads them (render.py)."""
    for t in towns:
        t.eta_at  # noqa: B018 (read for its cost)
        for e in t.etas:
            e.at  # noqa: B018


def summary(name: str, us: list[float], naive_median: float | None) -> str:
    med, p99 = statistics.median(us), pct([int(x * 1000) for x in us], 0.99) / 1000.0
    ratio = f"{med / naive_median:6.2f}x" if naive_median else "       "
    return f"  {name:<34} {med:9.1f} {p99:9.1f} {ratio}"


def commit() -> str:
    repo = Path(__file__).resolve().parents[1]
    code = os.environ.get("PYTHONPATH")
    if code:
        return f"PYTHONPATH={code}"
    r = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                       cwd=repo)  # fmt: skip
    dirty = subprocess.run(["git", "status", "--porcelain", "companion"], capture_output=True,
                           text=True, cwd=repo).stdout.strip()  # fmt: skip
    return r.stdout.strip() + (" + uncommitted work in companion/" if dirty else "")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="3,000 timed fixes a route")
    ap.add_argument("--fixes", type=int, default=None, help="timed fixes a route")
    args = ap.parse_args()
    count = args.fixes or (3000 if args.quick else 20_000)
    print(f"fix -> Progress, {count} fixes at 1 Hz after {WARMUP} warm-up; code {commit()}, "
          f"Python {platform.python_version()}, {platform.machine()}")  # fmt: skip
    met = True
    with tempfile.TemporaryDirectory(prefix="bench-fix-") as tmp:
        for n in SIZES:
            gpx = Path(tmp) / f"route-{n}.gpx"
            write_gpx(gpx, make_path(n), n, with_time=False)
            route = load_route(gpx)
            # At most 60 % of the route (from km 5 %), so every timed fix has towns ahead.
            n_fixes = min(count, int(route.length_km * 600 / 6.9) - WARMUP)
            fixes = make_fixes(route, n_fixes + WARMUP, start_km=route.length_km * 0.05)
            # The naive projection is slow on big routes: time it on a sample, after a warm-up.
            sample = fixes[: WARMUP + min(count, 300)]
            naive = statistics.median(per_fix_us(naive_step(route), sample))
            t_day = tracker(route, True)
            with_day = per_fix_us(lambda f, t=t_day: (t.add(f), t.progress(f.time)), fixes)
            t_read = tracker(route, True)
            read = per_fix_us(reading_step(t_read), fixes)
            t_plain = tracker(route, False)
            plain = per_fix_us(lambda f, t=t_plain: (t.add(f), t.progress(f.time)), fixes)
            t_add = tracker(route, True)
            add_only = per_fix_us(t_add.add, fixes)
            ahead = len(t_day.progress(fixes[-1].time).towns_ahead)
            floor = per_fix_us(floor_step(16), fixes)
            floor_read = per_fix_us(floor_step(16, read=True), fixes)
            km = route.length_km
            print(f"\nroute {n // 1000}k points, {km:.0f} km, {len(route.towns)} towns;"
                  f" {n_fixes} timed fixes, {ahead} towns still ahead after the last")  # fmt: skip

            print(f"  {'':<34} {'median us':>9} {'p99 us':>9} {'/naive':>7}")
            print(summary("add + progress, day_hours", with_day, naive))
            print(summary("add + progress + every ETA read", read, naive))
            print(summary("add + progress, no day_hours", plain, naive))
            print(summary("add alone", add_only, naive))
            print(f"  {'naive: full scan + d/v ETAs':<34} {naive:9.1f}")
            print(summary("floor: 16 towns' result objects", floor, naive))
            print(summary("floor + every ETA read", floor_read, naive))
            over = statistics.median(with_day) / statistics.median(floor)
            print(f"  add + progress (day_hours) / floor {over:9.2f}x")
            over = statistics.median(read) / statistics.median(floor_read)
            print(f"  the same, every ETA read / floor   {over:9.2f}x")
            first = statistics.median(with_day[:1000])
            last = statistics.median(with_day[-1000:])
            print(f"  first / last 1000 (day_hours)    {first:9.1f} {last:9.1f}")
            p99 = pct([int(x * 1000) for x in with_day], 0.99) / 1000.0
            ok = statistics.median(with_day) <= GOAL_MEDIAN_US and p99 <= GOAL_P99_US
            met = met and ok
            print(f"  goal <= {GOAL_MEDIAN_US:g} us median, <= {GOAL_P99_US:g} us p99: "
                  f"{'MET' if ok else 'NOT MET'}")  # fmt: skip
    print(f"\nall sizes: {'MET' if met else 'NOT MET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
