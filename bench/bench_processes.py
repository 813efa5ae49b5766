"""Issue 11, whole processes: each figure as a fresh process, beside its floor, with the ratio.

    .venv/bin/python bench/bench_processes.py            # logs of 86k and 864k fixes (~25 min here)
    .venv/bin/python bench/bench_processes.py --quick    # logs of 8.6k and 86k, fewer repeats

1. GPX -> ready (20k/100k/200k points, bench_route's generated tracks): `load_route` in a fresh
   interpreter vs a bare `iterparse` loop in a fresh interpreter (both include Python's start-up).
2. Cold start to the first frame, bundled route (companion/routes/unity-run-2021.csv), empty log:
   `companion run` on a pty until its footer ("Checkpoint", the frame's last line) is on the
   screen, vs a bare Textual app (a Static and a Footer) until its text is.
3. For logs of N fixes (a real tour resampled to 10 Hz, bench/issue11_inputs.py):
   `companion follow --feed nmea:FILE` (wall, peak RSS) vs the floor: a fresh interpreter that
   splits the same RMC lines and inserts (time, lat, lon) with one executemany per 5000 rows;
   then on the log it made, `companion status --json` vs the floor (load the route and read the
   newest row), and the dashboard's first frame (`companion run` until its footer is on the
   screen, and until the km of the last fix is on the route strip too) vs the bare app.
4. A 10 Hz feed in the dashboard: a TCP NMEA peer sends the tour at 10 Hz stamped with the wall
   clock; `companion run` on a pty for --hold seconds: CPU % of a core (from /proc) and the lag
   of what is committed (a reader polls the log: wall clock - newest fix time), beside
   `companion follow` on the same feed (the same pipeline without a screen).
5. The same 10 Hz dashboard going on from a day of 10 Hz fixes (864,000 logged by `follow`, the
   peer carrying on where the log ends), beside it on an empty log.

Inputs are generated in a temporary directory (deleted). BENCH_CODE=DIR runs the children on
the code in DIR (e.g. `git archive COMMIT | tar -x -C DIR`) instead of the working tree.
Medians of --runs; one run of this script gives comparable figures (a shared machine: compare
within a run).
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import issue11_inputs as inputs
import proc_measure as pm
from bench_route import SIZES, make_path, write_gpx

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable
COMPANION = [PY, "-m", "companion"]
BARE_APP = """
from textual.app import App
from textual.widgets import Footer, Static
class Bare(App[None]):
    def compose(self):
        yield Static("bare textual app ready")
        yield Footer()
Bare().run()
"""
BARE_ITERPARSE = """
import sys, xml.etree.ElementTree as ET
T = "{http://www.topografix.com/GPX/1/1}trkpt"
lats, lons = [], []
for _e, el in ET.iterparse(sys.argv[1]):
    if el.tag == T:
        lats.append(float(el.attrib["lat"])); lons.append(float(el.attrib["lon"]))
    el.clear()
"""
LOAD_ROUTE = "import sys; from companion.formats import load_route; load_route(sys.argv[1])"
# The footer, the frame's last line: the whole first frame is on the terminal.
FRAME_DONE = "Checkpoint"
# The dashboard's first big number's label: the route and the log are open and drawn.
DASHBOARD_UP = "KM TODAY"
FLOOR_FOLLOW = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[2])
db.execute("CREATE TABLE fixes (time TEXT, lat REAL, lon REAL)")
rows = []
def dm(v, h):
    d = int(float(v) / 100); x = d + (float(v) - d * 100) / 60
    return -x if h in "SW" else x
with open(sys.argv[1]) as f:
    for line in f:
        p = line.split(",")
        rows.append((p[9] + p[1], dm(p[3], p[4]), dm(p[5], p[6])))
        if len(rows) >= 5000:
            db.executemany("INSERT INTO fixes VALUES (?, ?, ?)", rows); db.commit(); rows.clear()
db.executemany("INSERT INTO fixes VALUES (?, ?, ?)", rows); db.commit()
"""
FLOOR_STATUS = """
import sqlite3, sys
from companion.formats import load_route
load_route(sys.argv[1])
db = sqlite3.connect(f"file:{sys.argv[2]}?mode=ro", uri=True)
tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
for t in tables:
    db.execute(f"SELECT * FROM {t} ORDER BY rowid DESC LIMIT 1").fetchall()
"""


def env() -> dict[str, str]:
    e = dict(os.environ)
    e.pop("COMPANION_DATA_DIR", None)
    if code := os.environ.get("BENCH_CODE"):  # another tree (e.g. `git archive` of a commit)
        e["PYTHONPATH"] = code
    return e


def commit() -> str:
    if code := os.environ.get("BENCH_CODE"):
        return f"BENCH_CODE={code}"
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, cwd=REPO).stdout.strip()  # fmt: skip
    dirty = subprocess.run(["git", "status", "--porcelain", "companion"], capture_output=True,
                           text=True, cwd=REPO).stdout.strip()  # fmt: skip
    return head + (" + uncommitted work in companion/" if dirty else "")


def row(name: str, a: float, b: float, unit: str = "s") -> str:
    return f"  {name:<44} {a:8.3f} {unit} {b:8.3f} {unit}  {a / b:6.2f}x"


def gpx_ready(tmp: Path, runs: int) -> None:
    print("\n1. GPX -> ready, fresh process        load_route    bare iterparse   ratio")
    path = make_path(SIZES[-1])
    for n in SIZES:
        gpx = tmp / f"gpx-{n}.gpx"
        write_gpx(gpx, path, n, with_time=False)
        ours, bare = [], []
        for _ in range(runs):  # alternately, so a burst of load hits both
            ours.append(pm.run([PY, "-c", LOAD_ROUTE, str(gpx)], env()).wall_s)
            bare.append(pm.run([PY, "-c", BARE_ITERPARSE, str(gpx)], env()).wall_s)
        print(row(f"{n // 1000}k points", pm.median(ours), pm.median(bare)))
        if n == SIZES[-1]:
            ok = pm.median(ours) <= 1.0 and pm.median(ours) <= 2 * pm.median(bare)
            print(f"  goal 200k: <= 1.0 s and <= 2x bare -> {'MET' if ok else 'NOT MET'}")
        gpx.unlink()
    imp = pm.median([pm.run([PY, "-c", "import companion.formats"], env()).wall_s
                     for _ in range(runs)])  # fmt: skip
    print(f"  (of which `import companion.formats`, with Python's start-up: {imp:.3f} s)")


def bare_frame(tmp: Path) -> pm.Frame:
    script = tmp / "bare_app.py"
    script.write_text(BARE_APP)
    return pm.first_frame([PY, str(script)], "bare textual app ready", env())


def cold_start(tmp: Path, runs: int) -> float:
    print(
        "\n2. Cold start -> first frame, bundled route, empty log    companion   bare app   ratio"
    )
    event = tmp / "unity.toml"
    route = REPO / "companion" / "routes" / "unity-run-2021.csv"
    event.write_text(f'name = "Unity (bench)"\nathlete = "M"\nroute = "{route}"\n'
                     'timezone = "Asia/Kolkata"\nplanned_kmh = 8\n'
                     'day_hours = "05:30-18:30"\n')  # fmt: skip
    ours, bare, nums = [], [], []
    for i in range(runs):
        db = tmp / f"unity-{i}.sqlite"
        argv = [*COMPANION, "run", str(event), "--db", str(db)]
        # The frame ("loading route…" until the route and log are open), then the dashboard's.
        frame = pm.first_frame(argv, FRAME_DONE, env(), then=DASHBOARD_UP)
        ours.append(frame.first_frame_s)
        if frame.then_s is not None:
            nums.append(frame.then_s)
        bare.append(bare_frame(tmp).first_frame_s)
    o, b = pm.median(ours), pm.median(bare)
    print(row("companion run vs bare Textual app", o, b))
    if nums:
        print(row("... and the dashboard (KM TODAY) vs bare app", pm.median(nums), b))
    met = o <= 0.6 and o <= 2 * b
    print(f"  goal: <= 0.6 s and <= 2x the bare app -> {'MET' if met else 'NOT MET'}")
    return b


def logs(tmp: Path, sizes: tuple[int, ...], runs: int, bare_s: float) -> None:
    inp = inputs.make_event(tmp)
    for n in sizes:
        nmea = tmp / f"feed-{n}.nmea"
        t0 = (datetime.now(UTC) - timedelta(seconds=n / inputs.HZ)).replace(microsecond=0)
        written = inputs.write_nmea(nmea, inp.points, n, t0)
        print(f"\n3. A log of {written:,} fixes (10 Hz, {written / 36000:.1f} h of riding)")
        db, floor_db = tmp / f"log-{n}.sqlite", tmp / f"floor-{n}.sqlite"
        # Each run logs into a new file (the goal is a median, a run ~30 s at 864k); the last
        # run's log is the one read below. Companion and floor alternate.
        follows, floors = [], []
        for _ in range(runs):
            for path in (db, floor_db):
                for old in path.parent.glob(path.name + "*"):
                    old.unlink()
            f = pm.run([*COMPANION, "follow", str(inp.event_toml), "--db", str(db), "--feed",
                        f"nmea:{nmea}", "--every", "60"], env())  # fmt: skip
            if f.code != 0:
                raise RuntimeError(f.output[-2000:])
            follows.append(f)
            floors.append(pm.run([PY, "-c", FLOOR_FOLLOW, str(nmea), str(floor_db)], env()))
        walls = ", ".join(f"{x.wall_s:.2f}" for x in follows)
        f = sorted(follows, key=lambda x: x.wall_s)[len(follows) // 2]
        floor = sorted(floors, key=lambda x: x.wall_s)[len(floors) // 2]
        print("  " + " " * 44 + "   companion      floor   ratio")
        print(row("follow: wall", f.wall_s, floor.wall_s))
        print(row("follow: peak RSS", f.peak_mb, floor.peak_mb, "MB"))
        print(f"  (follow's runs: {walls} s; the median's last line: "
              f"{f.output.strip().splitlines()[-1][:80]})")
        st = pm.median_run([*COMPANION, "status", str(inp.event_toml), "--db", str(db), "--json"],
                           runs, env())  # fmt: skip
        fl = pm.median_run([PY, "-c", FLOOR_STATUS, str(inp.route_gpx), str(db)], runs, env())
        print(row("status --json: wall", st.wall_s, fl.wall_s))
        print(row("status --json: peak RSS", st.peak_mb, fl.peak_mb, "MB"))
        last_km = _last_km(st.output)
        argv = [*COMPANION, "run", str(inp.event_toml), "--db", str(db)]
        frames = [pm.first_frame(argv, FRAME_DONE, env(), then=f"▲ {last_km}")
                  for _ in range(runs)]  # fmt: skip
        first = pm.median([x.first_frame_s for x in frames])
        nums = [x.then_s for x in frames if x.then_s is not None]
        print(row("dashboard: first frame vs bare app", first, bare_s))
        if nums:
            print(row(f"dashboard: km {last_km} shown vs bare app", pm.median(nums), bare_s))
        print("  goals: follow <= 30 s, <= 150 MB per 864k; status <= 1 s; first frame <= 2 s")
        nmea.unlink()


def _last_km(status_json: str) -> str:
    import json

    start = status_json.index("{")
    return f"{json.loads(status_json[start:])['km_total']:.1f}"


class Peer:
    """A TCP NMEA server on 127.0.0.1: the tour at 10 Hz, stamped with the wall clock."""

    def __init__(self, points: list[inputs.Point], skip: int = 0) -> None:
        self.points, self.skip = points, skip  # skip: go on after that many positions
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"nmea+tcp://127.0.0.1:{self.sock.getsockname()[1]}"
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                start = time.monotonic()
                t0 = datetime.now(UTC)
                tour = inputs.resampled(self.points, 10**7, t0)
                for _ in range(self.skip):
                    next(tour)
                for k, (_t, lat, lon) in enumerate(tour):
                    due = start + k / inputs.HZ
                    time.sleep(max(0.0, due - time.monotonic()))
                    line = inputs.rmc(datetime.now(UTC), lat, lon, 11.0)
                    try:
                        conn.sendall(line.encode())
                    except OSError:
                        break
                    if self.stop.is_set():
                        break

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


NEWEST_FIX = (
    "SELECT max(time) FROM (SELECT time FROM events WHERE kind = 'fix' ORDER BY id DESC LIMIT 200)"
)


def lag_sampler(db: Path, stop: threading.Event, out: list[float]) -> None:
    """Every 0.2 s: wall clock - the newest fix committed to the log (what a reader sees).

    The newest of the last rows (a feed's fixes come in time order), the clock read before the
    query: `max(time)` over every fix row scanned the whole log, ~0.33 s after a day of 10 Hz,
    and that scan was counted as lag (0.52 s median after a day against 0.30 s, 2026-12-03)."""
    while not stop.is_set():
        time.sleep(0.2)
        if not db.exists():
            continue
        try:
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
            seen = datetime.now(UTC)
            t = conn.execute(NEWEST_FIX).fetchone()[0]
            conn.close()
        except sqlite3.Error:
            continue
        if t:
            out.append((seen - datetime.fromisoformat(t)).total_seconds())


def dashboard_10hz(
    db: Path, event_toml: Path, peer: Peer, hold_s: float, settle_s: float = 10.0
) -> tuple[float, str]:
    """`companion run` on `db` fed by `peer`: CPU % of a core over `hold_s` (after `settle_s`
    for the log, the first fixes and the screen to settle) and the commit lag, median / max."""
    lags: list[float] = []
    stop = threading.Event()
    sampler = threading.Thread(target=lag_sampler, args=(db, stop, lags), daemon=True)
    marks: dict[str, float] = {}

    def at_start(pid: int) -> None:
        marks["cpu0"], marks["t0"] = pm.cpu_s(pid), time.monotonic()
        sampler.start()

    def at_end(pid: int) -> None:
        marks["cpu1"], marks["t1"] = pm.cpu_s(pid), time.monotonic()
        stop.set()  # the hold is over: the app is told to quit, and no fix comes after that

    argv = [*COMPANION, "run", str(event_toml), "--db", str(db), "--feed", peer.url]
    try:
        pm.first_frame(argv, FRAME_DONE, env(), settle_s=settle_s, hold_s=hold_s,
                       at_start=at_start, at_end=at_end)  # fmt: skip
    finally:
        stop.set()
        if sampler.is_alive():
            sampler.join(5)
        peer.close()
    pct = 100.0 * (marks["cpu1"] - marks["cpu0"]) / (marks["t1"] - marks["t0"])
    # The lag once the feed's fixes come (the first samples see the log's own last fix).
    live = [x for x in lags if x < 60.0]
    return pct, (f"{pm.median(live):.2f} s / {max(live):.2f} s" if live else "—")


def after_a_day(tmp: Path, hold_s: float) -> None:
    """5. The 10 Hz dashboard going on from a day of 10 Hz fixes (864,000, logged by `follow`
    with its state saved), beside the same on an empty log: the cost of a repaint and of a fix
    must not grow with the log."""
    print(f"\n5. A 10 Hz feed for {hold_s:.0f} s after a day    CPU % of a core   "
          "commit lag median / max")  # fmt: skip
    inp = inputs.make_event(tmp)
    n = 864_000
    nmea = tmp / "day.nmea"
    t0 = (datetime.now(UTC) - timedelta(seconds=n / inputs.HZ)).replace(microsecond=0)
    inputs.write_nmea(nmea, inp.points, n, t0)
    day = tmp / "day.sqlite"
    f = pm.run([*COMPANION, "follow", str(inp.event_toml), "--db", str(day), "--feed",
                f"nmea:{nmea}", "--every", "600"], env())  # fmt: skip
    if f.code != 0:
        raise RuntimeError(f.output[-2000:])
    nmea.unlink()
    for what, db, skip in (("empty log", tmp / "empty.sqlite", 0), ("after 864k fixes", day, n)):
        pct, lag = dashboard_10hz(db, inp.event_toml, Peer(inp.points, skip), hold_s)
        print(f"  companion run, {what:<25} {pct:8.1f} %   {lag}")
    print("  goal (dashboard): <= 15 % of a core, lag <= 1 s, whatever the log's length")


def feed_10hz(tmp: Path, hold_s: float) -> None:
    print(
        f"\n4. A 10 Hz feed for {hold_s:.0f} s          CPU % of a core   commit lag median / max"
    )
    inp = inputs.make_event(tmp)
    pct, lag = dashboard_10hz(tmp / "feed-dashboard.sqlite", inp.event_toml, Peer(inp.points),
                              hold_s, settle_s=5.0)  # fmt: skip
    print(f"  {'companion run':<34} {pct:8.1f} %   {lag}")
    peer = Peer(inp.points)
    db = tmp / "feed-follow.sqlite"
    lags: list[float] = []
    stop = threading.Event()
    sampler = threading.Thread(target=lag_sampler, args=(db, stop, lags), daemon=True)
    try:
        argv = [*COMPANION, "follow", str(inp.event_toml), "--db", str(db), "--feed", peer.url,
                "--every", "60"]  # fmt: skip
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, env=env())
        time.sleep(5.0)
        cpu0, t0 = pm.cpu_s(proc.pid), time.monotonic()
        sampler.start()
        time.sleep(hold_s)
        cpu1, t1 = pm.cpu_s(proc.pid), time.monotonic()
        proc.terminate()
        proc.wait(30)
    finally:
        stop.set()
        if sampler.is_alive():
            sampler.join(5)  # it may be opening the log: done before the folder goes
        peer.close()
    lag = f"{pm.median(lags):.2f} s / {max(lags):.2f} s" if lags else "—"
    print(f"  {'companion follow':<34} {100.0 * (cpu1 - cpu0) / (t1 - t0):8.1f} %   {lag}")
    print("  goal (dashboard): <= 15 % of a core, lag <= 1 s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="logs of 8.6k and 86k fixes")
    ap.add_argument("--runs", type=int, default=None, help="repeats per median (3)")
    ap.add_argument("--hold", type=float, default=None, help="seconds of 10 Hz feed (30; 15 quick)")
    ap.add_argument("--only", default="12345", help="which figure groups, e.g. 24")
    args = ap.parse_args()
    runs = args.runs or 3
    sizes = (8_640, 86_400) if args.quick else (86_400, 864_000)
    hold = args.hold or (15.0 if args.quick else 30.0)
    print(f"issue 11 processes: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, code {commit()}, "
          f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores; "
          f"medians of {runs}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-issue11-") as name:
        tmp = Path(name)
        os.chdir(tmp)  # `python -c` puts the cwd first on sys.path: never the repo's companion/
        if "1" in args.only:
            gpx_ready(tmp, runs)
        bare = bare_frame(tmp).first_frame_s
        if "2" in args.only:
            bare = cold_start(tmp, runs)
        if "3" in args.only:
            logs(tmp, sizes, runs, bare)
        if "4" in args.only:
            feed_10hz(tmp, hold)
        if "5" in args.only:
            after_a_day(tmp, hold)
    return 0


if __name__ == "__main__":
    sys.exit(main())
