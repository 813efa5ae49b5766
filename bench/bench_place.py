"""Issue 11, PLACE: `Tracker.place` (the projection of a fix) on the Kovner 10 Hz feed and on
bench_fix's generated routes at 1 Hz.

    .venv/bin/python bench/bench_place.py /tmp/fol            # the Kovner inputs (issue11_inputs)
    PYTHONPATH=/tmp/old .venv/bin/python bench/bench_place.py /tmp/fol   # another tree's code

Two figures a case, both inside `Tracker.add` as a feed drives it:

* the median of `Tracker.place` per call (perf_counter_ns around it; 1000 warm-up fixes);
* the mean, as CPU time (process_time): `Tracker.add` over every fix, less the same with
  `place` answered from a recording of its own answers (add's other work alone).

The Kovner fixes are the feed's RMC sentences parsed here (speed included); the 1 Hz ones are
bench_route.make_fixes on make_path routes of 20k and 200k points. A shared machine: run the
trees alternately and compare within a minute.
"""

from __future__ import annotations

import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_route import make_fixes, make_path, write_gpx

import companion
from companion.core.models import Fix, Placement
from companion.core.route import Route
from companion.core.tracker import Tracker
from companion.formats import load_route

WARMUP = 1000


def rmc_fixes(path: Path) -> Iterator[Fix]:
    """The fixes of an NMEA log of $GPRMC sentences (issue11_inputs.rmc)."""
    for line in path.open(encoding="ascii"):
        p = line.split(",")
        if not p[0].endswith("RMC") or p[2] != "A":
            continue
        hms, d = p[1], p[9]
        t = datetime(
            2000 + int(d[4:6]), int(d[2:4]), int(d[0:2]), int(hms[0:2]), int(hms[2:4]),
            int(hms[4:6]), int(hms[7:9]) * 10_000, tzinfo=UTC,
        )  # fmt: skip
        lat = (int(p[3][:2]) + float(p[3][2:]) / 60.0) * (-1 if p[4] == "S" else 1)
        lon = (int(p[5][:3]) + float(p[5][3:]) / 60.0) * (-1 if p[6] == "W" else 1)
        yield Fix(t, lat, lon, "gps", speed_mps=float(p[7]) * 1852.0 / 3600.0)


def measure(route: Route, fixes: list[Fix], tz: str) -> tuple[float, float, float]:
    """(median µs of place per call, mean CPU µs of place, mean CPU µs of add)."""
    real = Tracker.place
    times: list[int] = []
    answers: list[Placement] = []

    def timed(self: Tracker, fix: Fix) -> Placement:
        t = time.perf_counter_ns()
        p = real(self, fix)
        times.append(time.perf_counter_ns() - t)
        answers.append(p)
        return p

    def cpu(place: object) -> float:
        Tracker.place = place  # type: ignore[method-assign, assignment]
        tr = Tracker(route, tz, 22.0, max_kmh=60.0)
        gc.collect()
        gc.disable()
        t = time.process_time()
        for f in fixes:
            tr.add(f)
        used = time.process_time() - t
        gc.enable()
        return used / len(fixes) * 1e6

    try:
        cpu(timed)
        recorded = iter(answers)
        alone = cpu(lambda self, fix: next(recorded))
        add = cpu(real)
    finally:
        Tracker.place = real  # type: ignore[method-assign]
    median = statistics.median(times[WARMUP:]) / 1000.0
    return median, add - alone, add


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp/fol")
    print(f"code: {Path(companion.__file__).parent}")
    cases: list[tuple[str, Route, list[Fix], str]] = []
    kovner = folder / "kovner-plains.gpx"
    if kovner.exists():
        fx = list(rmc_fixes(folder / "feed-86400.nmea"))
        cases.append(("Kovner, 10 Hz, 86,400 fixes", load_route(kovner), fx, "America/Chicago"))
    with tempfile.TemporaryDirectory() as tmp:
        for size in (20_000, 200_000):
            gpx = Path(tmp) / f"r{size}.gpx"
            write_gpx(gpx, make_path(size), size, False)
            route = load_route(gpx)
            cases.append((f"{size // 1000}k route, 1 Hz, 20,000 fixes", route,
                          make_fixes(route, 20_000, 0.5), "Asia/Kolkata"))  # fmt: skip
        for name, route, fx, tz in cases:
            median, place, add = measure(route, fx, tz)
            print(f"{name}: place median {median:.2f} µs, mean {place:.2f} µs CPU; "
                  f"add {add:.2f} µs CPU")  # fmt: skip


if __name__ == "__main__":
    main()
