"""Route benchmarks: load -> ready for big GPX tracks, and the cost of one fix.

Run from the repository root:

    python bench/bench_route.py            # the full run (about a minute)
    python bench/bench_route.py --quick    # fewer repeats and fixes, for a smoke test

It prints, in one run:

* load -> ready (``load_route``: expat parse + ``build_route`` with cumulative geodesics and town
  snapping) for generated 20k, 100k and 200k point GPX 1.1 tracks, next to a bare
  ``xml.etree.ElementTree.iterparse`` loop over the same file, and the ratio; plus a 200k track
  with ``<time>`` on every point;
* where the 200k load goes (parse / arrays + checks / geodesics / town snapping);
* one fix -> ``Tracker.add`` median and p99 on the 200k route over 20,000 fixes at 1 Hz, next to a
  naive full scan (one vectorised projection over every segment), and ``Tracker.progress(now)``;
* peak memory of loading the 200k route (tracemalloc, and maxrss in a fresh process).

The GPX files are generated into a temporary directory and deleted at the end. Medians only:
the machine this runs on is usually shared, so compare figures from one run with each other.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from companion.core import geo
from companion.core.models import Fix, RouteData
from companion.core.placement import REACH_SLACK_KM, locate
from companion.core.route import Route, build_route
from companion.core.route_input import check_path
from companion.core.towns import snap_towns
from companion.core.tracker import Tracker
from companion.formats import load_route, load_route_data

SIZES = (20_000, 100_000, 200_000)
BIG = SIZES[-1]
SEED = 20240601
START = (19.0760, 72.8777)  # Mumbai
GPX_NS = "http://www.topografix.com/GPX/1/1"
TRKPT = f"{{{GPX_NS}}}trkpt"
# Town names along the way north from Mumbai; the coordinates are synthetic (near the path).
TOWN_NAMES = (
    "Mumbai",
    "Virar",
    "Palghar",
    "Dahanu",
    "Vapi",
    "Valsad",
    "Navsari",
    "Surat",
    "Bharuch",
    "Vadodara",
    "Anand",
    "Nadiad",
    "Ahmedabad",
    "Mehsana",
    "Palanpur",
    "Abu Road",
)
TARGET_READY_S = 1.0
TARGET_READY_RATIO = 2.0
TARGET_UPDATE_US = 50.0


# --- synthetic routes -------------------------------------------------------------------------
@dataclass(frozen=True)
class Path2D:
    lats: np.ndarray
    lons: np.ndarray
    eles: np.ndarray
    towns: list[tuple[int, str, float, float]]  # (vertex index, name, lat, lon)


def make_path(n: int, seed: int = SEED) -> Path2D:
    """A wiggly road heading roughly north-north-east from Mumbai, 5-10 m between points."""
    rng = np.random.default_rng(seed)
    step_m = rng.uniform(5.0, 10.0, n - 1)
    # Heading: a mean-reverting random walk around 10 degrees plus slow bends of a few km.
    noise = rng.normal(0.0, 2.0, n - 1)
    heading = np.empty(n - 1)
    h = 10.0
    for i in range(n - 1):  # 200k iterations: ~0.1 s, done once
        h += noise[i] - 0.02 * (h - 10.0)
        heading[i] = h
    s = np.cumsum(step_m)
    heading += 35.0 * np.sin(s / 4000.0) + 10.0 * np.sin(s / 700.0)
    rad = np.radians(heading)
    m_per_deg = 111_320.0
    lats = np.empty(n)
    lats[0] = START[0]
    lats[1:] = START[0] + np.cumsum(step_m * np.cos(rad)) / m_per_deg
    lons = np.empty(n)
    lons[0] = START[1]
    dlon = step_m * np.sin(rad) / (m_per_deg * np.cos(np.radians(lats[:-1])))
    lons[1:] = START[1] + np.cumsum(dlon)
    eles = 10.0 + 200.0 * (1 - np.cos(s / 90_000.0)) + rng.normal(0.0, 0.5, n - 1).cumsum() * 0.1
    eles = np.concatenate([[10.0], eles])
    towns: list[tuple[int, str, float, float]] = []
    for k, name in enumerate(TOWN_NAMES):
        i = min(int(k * (n - 1) / (len(TOWN_NAMES) - 1)), n - 1)
        # The town centre sits 100-800 m off the road, across it.
        j = min(i + 1, n - 1)
        jj = j - 1 if j == i else i
        hd = math.atan2((lons[j] - lons[jj]) * math.cos(math.radians(lats[i])), lats[j] - lats[jj])
        off = float(rng.uniform(100.0, 800.0)) * (1 if k % 2 else -1)
        t_lat = lats[i] + off * -math.sin(hd) / m_per_deg
        t_lon = lons[i] + off * math.cos(hd) / (m_per_deg * math.cos(math.radians(lats[i])))
        towns.append((i, name, float(t_lat), float(t_lon)))
    return Path2D(lats, lons, eles, towns)


def write_gpx(path: Path, p: Path2D, n: int, with_time: bool) -> None:
    """GPX 1.1 with the first `n` points of `p` as one track segment, and the towns as wpt."""
    t0 = datetime(2024, 11, 1, 0, 30, tzinfo=UTC)
    with path.open("w", encoding="utf-8") as f:
        f.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<gpx version="1.1" creator="companion bench" xmlns="{GPX_NS}">\n'
            f"  <metadata><name>Bench {n // 1000}k</name></metadata>\n"
        )
        for i, name, lat, lon in p.towns:
            if i < n:
                f.write(f'  <wpt lat="{lat:.7f}" lon="{lon:.7f}"><name>{name}</name></wpt>\n')
        f.write("  <trk>\n    <name>Mumbai north</name>\n    <trkseg>\n")
        lats, lons, eles = p.lats.tolist(), p.lons.tolist(), p.eles.tolist()
        lines: list[str] = []
        for i in range(n):
            if with_time:
                ts = (t0 + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
                lines.append(
                    f'      <trkpt lat="{lats[i]:.7f}" lon="{lons[i]:.7f}">'
                    f"<ele>{eles[i]:.1f}</ele><time>{ts}</time></trkpt>\n"
                )
            else:
                lines.append(
                    f'      <trkpt lat="{lats[i]:.7f}" lon="{lons[i]:.7f}">'
                    f"<ele>{eles[i]:.1f}</ele></trkpt>\n"
                )
            if len(lines) >= 10_000:
                f.write("".join(lines))
                lines.clear()
        f.write("".join(lines))
        f.write("    </trkseg>\n  </trk>\n</gpx>\n")


# --- measuring --------------------------------------------------------------------------------
def bare_iterparse(path: Path) -> int:
    """The floor: stdlib iterparse reading trkpt lat/lon into lists, clearing as it goes."""
    lats: list[float] = []
    lons: list[float] = []
    for _event, elem in ET.iterparse(path):
        if elem.tag == TRKPT:
            lats.append(float(elem.attrib["lat"]))
            lons.append(float(elem.attrib["lon"]))
        elem.clear()
    return len(lats)


def median_s(fn: Callable[[], object], runs: int) -> float:
    times: list[float] = []
    for _ in range(runs):
        gc.collect()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def median_pair_s(
    fa: Callable[[], object], fb: Callable[[], object], runs: int
) -> tuple[float, float]:
    """Medians of fa and fb run alternately, so a burst of load on a shared machine hits both."""
    ta: list[float] = []
    tb: list[float] = []
    for _ in range(runs):
        for fn, out in ((fa, ta), (fb, tb)):
            gc.collect()
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
    return statistics.median(ta), statistics.median(tb)


def pct(values: list[int], q: float) -> float:
    s = sorted(values)
    return float(s[min(int(q * len(s)), len(s) - 1)])


def make_fixes(route: Route, count: int, start_km: float) -> list[Fix]:
    """GPS fixes at 1 Hz moving along the route at ~25 km/h, with ~3 m of position noise."""
    rng = np.random.default_rng(SEED + 1)
    t0 = datetime(2024, 11, 1, 1, 30, tzinfo=UTC)
    fixes: list[Fix] = []
    km = start_km
    for i in range(count):
        v = 6.9 + float(rng.normal(0.0, 0.4))
        km += v / 1000.0
        p = route.point_at(km)
        nlat, nlon = rng.normal(0.0, 3.0, 2)
        lat = p.lat + float(nlat) / 111_320.0
        lon = p.lon + float(nlon) / (111_320.0 * math.cos(math.radians(p.lat)))
        fixes.append(Fix(t0 + timedelta(seconds=i), lat, lon, source="gps", speed_mps=v))
    return fixes


def maxrss_fresh(path: Path, what: str) -> tuple[float, float]:
    """(peak RSS after imports, peak RSS after the load) in MB, in a fresh interpreter.

    Reads VmHWM (Linux): unlike ru_maxrss it is not inherited from the parent across exec.
    """
    fn = "load_route" if what == "load" else "bare_iterparse"
    code = f"""
import resource, sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
from companion.formats import load_route
from bench_route import bare_iterparse
def hwm():
    try:
        with open("/proc/self/status") as f:
            return next(int(x.split()[1]) for x in f if x.startswith("VmHWM:"))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
before = hwm()
obj = {fn}({str(path)!r})
print(before, hwm())
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    return int(out[0]) / 1024.0, int(out[1]) / 1024.0


def traced_peak_mb(fn: Callable[[], object]) -> tuple[float, float, float]:
    """(peak, retained, retained after a gc.collect()) of fn()'s Python and numpy allocations
    in MB, per tracemalloc; what fn() returns is kept alive until all three are measured."""
    gc.collect()
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    obj = fn()
    cur, peak = tracemalloc.get_traced_memory()
    gc.collect()
    after_gc, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del obj
    return (peak - base) / 1e6, (cur - base) / 1e6, (after_gc - base) / 1e6


def split_load(path: Path, runs: int) -> dict[str, float]:
    """Median seconds of each stage of load_route on one file."""
    data = load_route_data(path)

    def arrays() -> None:
        check_path(data)
        for xs in (data.lats, data.lons, data.eles):
            np.asarray(xs, dtype=np.float64)

    lats = np.asarray(data.lats, dtype=np.float64)
    lons = np.asarray(data.lons, dtype=np.float64)
    eles = np.asarray(data.eles, dtype=np.float64)
    cum = geo.cumulative_m(lats, lons)
    max_seg = float(geo.segment_lengths_m(lats, lons).max())
    bare = Route(data.name, data.source, lats, lons, eles, cum, (), "", max_seg)
    plain = RouteData(data.name, data.source, data.lats, data.lons, data.eles, [])
    return {
        "parse (expat -> lists)": median_s(lambda: load_route_data(path), runs),
        "lists -> arrays + checks": median_s(arrays, runs),
        "geodesics (pyproj, cum)": median_s(lambda: geo.cumulative_m(lats, lons), runs),
        f"snap {len(data.towns)} towns": median_s(
            lambda: snap_towns(bare, data.towns, 3000.0), runs
        ),
        "build_route, no towns": median_s(lambda: build_route(plain), runs),
        "build_route, all": median_s(lambda: build_route(data), runs),
    }


# --- main -------------------------------------------------------------------------------------
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats and fixes")
    ap.add_argument("--runs", type=int, default=5, help="repeats per load median (default 5)")
    ap.add_argument("--fixes", type=int, default=20_000, help="timed tracker updates")
    args = ap.parse_args()
    runs = 2 if args.quick else args.runs
    n_fixes = 3000 if args.quick else args.fixes
    warmup = 1000
    t_start = time.perf_counter()
    ok = True

    print(
        f"Companion route bench — {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, "
        f"{platform.machine()}, nproc {os.cpu_count()}, Python {platform.python_version()}, "
        f"numpy {np.__version__}; medians of {runs}"
    )
    shape = make_path(BIG)
    with tempfile.TemporaryDirectory(prefix="companion-bench-") as tmp:
        files: dict[str, tuple[int, Path]] = {}
        for n in SIZES:
            files[f"{n // 1000}k"] = (n, Path(tmp) / f"route_{n // 1000}k.gpx")
            write_gpx(files[f"{n // 1000}k"][1], shape, n, with_time=False)
        files[f"{BIG // 1000}k+time"] = (BIG, Path(tmp) / "route_200k_time.gpx")
        write_gpx(files[f"{BIG // 1000}k+time"][1], shape, BIG, with_time=True)

        # 1. load -> ready vs a bare iterparse
        print("\nLoad -> ready (load_route: parse + geodesics + town snapping)")
        print(
            f"  {'route':<10}{'points':>8}{'MB':>7}{'km':>8}{'towns':>6}"
            f"{'ready s':>9}{'iterparse s':>13}{'ratio':>7}"
        )
        big_route: Route | None = None
        for label, (n, path) in files.items():
            route = load_route(path)  # warm the page cache and the imports
            assert route.n_points == n
            ready, bare = median_pair_s(
                lambda p=path: load_route(p),  # type: ignore[misc]
                lambda p=path: bare_iterparse(p),  # type: ignore[misc]
                runs,
            )
            size_mb = path.stat().st_size / 1e6
            print(
                f"  {label:<10}{n:>8}{size_mb:>7.1f}{route.length_km:>8.0f}{len(route.towns):>6}"
                f"{ready:>9.3f}{bare:>13.3f}{ready / bare:>6.2f}x"
            )
            if label == f"{BIG // 1000}k":
                big_route = route
                met = ready <= TARGET_READY_S and ready / bare <= TARGET_READY_RATIO
                ok &= met
                print(
                    f"  target 200k: ready <= {TARGET_READY_S:.1f} s and <= "
                    f"{TARGET_READY_RATIO:.0f}x bare parse -> {'MET' if met else 'NOT MET'}"
                )
        assert big_route is not None

        # 2. where the 200k load goes
        print("\nWhere the 200k load goes (each stage alone)")
        for stage, secs in split_load(files[f"{BIG // 1000}k"][1], runs).items():
            print(f"  {stage:<28}{secs * 1000:>8.1f} ms")

        # 3. one fix -> tracker update
        route = big_route
        fixes = make_fixes(route, warmup + n_fixes, start_km=5.0)
        tracker = Tracker(route, "Asia/Kolkata", planned_kmh=25.0)
        for fx in fixes[:warmup]:
            tracker.add(fx)
        clock = time.perf_counter_ns
        upd: list[int] = []
        priors: list[float] = []  # tracker.km before each update, to replay the projection
        gc.collect()
        for fx in fixes[warmup:]:
            priors.append(tracker.km)
            t = clock()
            tracker.add(fx)
            upd.append(clock() - t)
        # Projection alone, replayed with the tracker's own windows; then the naive full scan.
        win: list[int] = []
        # The tracker's window at 1 Hz: max_kmh (60) x 1 s plus the slack, either way.
        reach = 60.0 / 3600.0 + REACH_SLACK_KM
        for prior, fx in zip(priors, fixes[warmup:], strict=True):
            t = clock()
            locate(route, fx.lat, fx.lon, prior, reach)
            win.append(clock() - t)
        full: list[int] = []
        for fx in fixes[warmup :: max(n_fixes // 300, 1)]:
            t = clock()
            route._nearest(fx.lat, fx.lon, slice(0, route.n_points - 1), None)
            full.append(clock() - t)
        prog: list[int] = []
        last = fixes[-1].time
        for s in range(2000):
            now = last + timedelta(seconds=s % 60)
            t = clock()
            tracker.progress(now)
            prog.append(clock() - t)
        # A late entry (a checkpoint typed in after newer GPS fixes) replays every fix so far.
        late: list[int] = []
        for k in range(3):
            fx = fixes[-200 - k]
            manual = Fix(fx.time - timedelta(milliseconds=500), fx.lat, fx.lon, source="manual")
            t = clock()
            tracker.add(manual)
            late.append(clock() - t)
        n_replayed = len(tracker.fixes)
        med_upd = statistics.median(upd)
        med_full = statistics.median(full)
        first, last_k = statistics.median(upd[:1000]), statistics.median(upd[-1000:])
        print(
            f"\nOne fix on the 200k route ({route.length_km:.0f} km), "
            f"{n_fixes} fixes at 1 Hz after {warmup} warm-up"
        )
        print(f"  {'':<36}{'median µs':>10}{'p99 µs':>9}")
        print(f"  {'Tracker.add(fix)':<36}{med_upd / 1e3:>10.1f}{pct(upd, 0.99) / 1e3:>9.1f}")
        print(f"  {'  locate alone, same windows':<36}{statistics.median(win) / 1e3:>10.1f}")
        print(f"  {'naive full scan (all segments)':<36}{med_full / 1e3:>10.1f}{'':>9}")
        print(f"  {'Tracker.progress(now)':<36}{statistics.median(prog) / 1e3:>10.1f}")
        print(f"  naive scan / update: {med_full / med_upd:.0f}x")
        print(
            f"  late manual fix ({n_replayed} fixes held, replayed from the nearest snapshot): "
            f"{statistics.median(late) / 1e6:.0f} ms median of 3"
        )
        print(
            f"  first 1000 vs last 1000 updates: {first / 1e3:.1f} vs {last_k / 1e3:.1f} µs "
            f"(x{last_k / first:.2f}); tracker at km {tracker.km:.1f}"
        )
        met = med_upd / 1e3 <= TARGET_UPDATE_US
        ok &= met
        print(
            f"  target: update median <= {TARGET_UPDATE_US:.0f} µs -> {'MET' if met else 'NOT MET'}"
        )

        # 4. peak memory
        big = files[f"{BIG // 1000}k"][1]
        peak, kept, kept_gc = traced_peak_mb(lambda: load_route(big))
        bpeak, _, _ = traced_peak_mb(lambda: bare_iterparse(big))
        rb, ra = maxrss_fresh(big, "load")
        ib, ia = maxrss_fresh(big, "bare")
        print("\nPeak memory, 200k route")
        print(
            f"  load_route   tracemalloc peak {peak:6.1f} MB, retained {kept:5.1f} MB "
            f"({kept_gc:.1f} MB after gc.collect())"
        )
        print(f"  iterparse    tracemalloc peak {bpeak:6.1f} MB")
        print(f"  load_route   peak RSS {ra:6.1f} MB, fresh process (+{ra - rb:.1f} over imports)")
        print(f"  iterparse    peak RSS {ia:6.1f} MB, fresh process (+{ia - ib:.1f} over imports)")

    print(f"\nAll targets {'met' if ok else 'NOT met'}; {time.perf_counter() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
