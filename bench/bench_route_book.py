"""Route book benchmark: a CSV route book of 100,000 rows, loaded and its towns snapped.

Run from the repository root:

    python bench/bench_route_book.py           # 10k, 50k, 100k rows, median of 3 (~2 min)
    python bench/bench_route_book.py --quick   # 10k and 100k rows, one run each

    # before: the same script on the code of an earlier commit
    mkdir /tmp/before && git archive REV companion | tar -x -C /tmp/before
    BENCH_CODE=/tmp/before python bench/bench_route_book.py --runs 1

A route book row is a town and a vertex of the path (`formats/csv_route.py`), so an n-row book is
n towns to snap onto an n-1 segment path: issue 10 F7 found 100,000 rows took 116 s, the town
snapping being O(n^2). The route book limit (`formats/limits.py`) refuses such a file long before
that; the load here lifts it (`Limits(towns=...)`) to time the snapping itself, and the refusal
of the same file under the default limits is timed too.

The books are generated into a temporary directory and deleted at the end: one wiggly road
heading north from Mumbai, 5-50 m between rows, and a km column of road km (geodesic x 1.02).
Medians only: the machine is usually shared, compare figures from one run with each other.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np

if os.environ.get("BENCH_CODE"):  # import companion from there, not from the editable install
    sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f)]
    sys.path.insert(0, os.environ["BENCH_CODE"])

from companion.core import geo
from companion.core.models import RouteData, RouteError
from companion.core.route import Route, _snap_towns, build_route
from companion.formats import load_route
from companion.formats.csv_route import load_csv

try:
    from companion.formats.limits import Limits
except ImportError:  # the code before the limits (for a "before" run from a git archive)
    Limits = None  # type: ignore[assignment,misc]

SEED = 20240601
START = (19.0760, 72.8777)  # Mumbai
M_PER_DEG = 111_320.0


def make_route_book(path: Path, n: int, seed: int = SEED) -> None:
    """An n-row CSV route book along a wiggly road, with road km."""
    rng = np.random.default_rng(seed)
    step = rng.uniform(5.0, 50.0, n - 1)
    s = np.cumsum(step)
    heading = np.radians(10.0 + 35.0 * np.sin(s / 4000.0) + 10.0 * np.sin(s / 700.0))
    lats = np.concatenate([[START[0]], START[0] + np.cumsum(step * np.cos(heading)) / M_PER_DEG])
    dlon = step * np.sin(heading) / (M_PER_DEG * np.cos(np.radians(lats[:-1])))
    lons = np.concatenate([[START[1]], START[1] + np.cumsum(dlon)])
    km = geo.cumulative_m(lats, lons) * 1.02 / 1000.0
    with path.open("w", encoding="utf-8") as f:
        f.write(f"# name: generated route book, {n} rows\nname,lat,lon,km\n")
        for i in range(n):
            f.write(f"Stop {i + 1:06d},{lats[i]:.6f},{lons[i]:.6f},{km[i]:.3f}\n")


def _call(fn: Callable[..., object], path: Path, limits: object) -> object:
    return fn(path) if limits is None else fn(path, limits=limits)


def median_s(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10k and 100k rows, one run each")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sizes", type=int, nargs="*", default=None)
    args = ap.parse_args()
    runs = 1 if args.quick else args.runs
    sizes = args.sizes or ([10_000, 100_000] if args.quick else [10_000, 50_000, 100_000])
    print(f"{platform.machine()}, Python {platform.python_version()}, numpy {np.__version__}")
    print(f"companion from {Path(geo.__file__).parents[2]}")
    print(f"median of {runs}\n")
    print(f"  {'rows':>7} {'MB':>5} {'km':>7}  {'parse s':>8} {'snap s':>8} {'ready s':>8}")
    # parse: load_csv; snap: _snap_towns alone; ready: load_route (parse, geodesics, snap).
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"book-{n}.csv"
            make_route_book(path, n)
            lifted = Limits(towns=n) if Limits is not None else None
            data = _call(load_csv, path, lifted)
            assert isinstance(data, RouteData)
            # The path scaled to the book's km, without towns: what `_snap_towns` gets.
            scaled = build_route(replace(data, towns=[]))
            route = _call(load_route, path, lifted)
            assert isinstance(route, Route)
            assert len(route.towns) == n, len(route.towns)
            parse = median_s(partial(_call, load_csv, path, lifted), runs)
            snap = median_s(partial(_snap_towns, scaled, data.towns, 3000.0), runs)
            ready = median_s(partial(_call, load_route, path, lifted), runs)
            mb = path.stat().st_size / 1e6
            print(
                f"  {n:>7} {mb:>5.1f} {route.length_km:>7.0f}  {parse:>8.3f} {snap:>8.3f} "
                f"{ready:>8.3f}"
            )
        # The biggest book under the default limits: refused, and how fast.
        path = Path(tmp) / f"book-{sizes[-1]}.csv"
        t0 = time.perf_counter()
        try:
            load_route(path)
            print("\n  default limits: NOT refused")
        except RouteError as exc:
            print(f"\n  default limits: refused in {time.perf_counter() - t0:.3f} s: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
