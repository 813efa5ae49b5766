"""ETA benchmark (issue 9): how far each ETA is from when the athlete really arrived.

Run from the repository root:

    .venv/bin/python bench/eta.py            # all 15 events of ../shared/corpus/eta-tracks
    .venv/bin/python bench/eta.py --quick    # 4 events, a smoke test (under a minute)
    .venv/bin/python bench/eta.py --by-event # and each event's own table

Each event (bench/eta_tracks.py: files joined, timezone, planned speed) is its own route, with
towns every 10-25 km. It is replayed through `Tracker.add` twice: (a) fix by fix as a GPS feed,
(b) as typed checkpoints every 30-60 min with the km from the truth. Predictions are made

* for a town, at the moment the athlete is 30, 10 and 3 km before it (the truth's time there;
  the feed has delivered every fix up to that moment); on single-day events the finish is one
  of the towns;
* for the finish of a multi-day event, every hour from the start until 3 km before it.

The truth is the track's own time at the town's km. The error is |predicted - truth| in minutes;
median and p90 (numpy's linear percentile) per (feed, kind). A method that has no ETA (no speed
yet, or standing still) is scored with the plan's: now + km to go / planned speed.

The peer methods (bench/eta_peers.py, each given the tracker's km after each fix): current speed;
cumulative average since the start; moving-time average (intervals at 2 km/h or more); Karoo's
blend (half the last hour's speed, half the moving average); the km of the last 30 min and of the
last 2 h. Companion is `Tracker.progress(now).towns_ahead`.

To evaluate a candidate: `evaluate({"mine": make_predictor})` -> {method: {cell: (median, p90)}},
where `make_predictor(event, feed)` returns an object with `observe(fix, tracker)` (called after
each `tracker.add(fix)`) and `predict(tracker, now, targets) -> list[datetime | None]`.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eta_peers import PEERS, Target
from eta_tracks import EVENTS, Event, load_event

from companion.core.models import Fix
from companion.core.tracker import Tracker

HORIZONS_KM = (30.0, 10.0, 3.0)
FINISH_EVERY = timedelta(hours=1)
FINISH_STOP_KM = 3.0  # finish predictions stop this far before it
QUICK_EVENTS = ("bohemia-trail", "grenoble-2015", "hokkaido", "ouray-100")
# The events whose errors the model's settings may be chosen on; the others are held out and
# reported apart ("don't tune to the towns you placed"). Alternate events of each kind.
TUNE_EVENTS = frozenset(
    ("south-downs-50k", "bohemia-trail", "audax-150k", "grenoble-2014", "kovner-plains",
     "hokkaido", "ouray-100", "twot-200")
)  # fmt: skip
FEEDS = ("GPS", "checkpoints")
PLACEMENT = "_placement_km"  # not a method: how far the tracker's km is from the truth
KINDS = ("run", "ride", "multi-day, towns", "multi-day, finish")

Cell = tuple[str, str]  # (feed, kind)


class Predictor(Protocol):
    def observe(self, fix: Fix, tracker: Tracker) -> None: ...

    def predict(
        self, tracker: Tracker, now: datetime, targets: Sequence[Target]
    ) -> list[datetime | None]: ...


MakePredictor = Callable[[Event, str], Predictor]


# --- Companion --------------------------------------------------------------------------------
class CompanionPredictor:
    """The product's own ETA: each town's `eta_at` in `Tracker.progress(now).towns_ahead`, or
    with `kind` one of the ETAs side by side (`TownAhead.eta_of`: "rhythm", "recent", "plan")."""

    def __init__(self, kind: str | None = None) -> None:
        self.kind = kind

    def observe(self, fix: Fix, tracker: Tracker) -> None:
        pass

    def predict(
        self, tracker: Tracker, now: datetime, targets: Sequence[Target]
    ) -> list[datetime | None]:
        p = tracker.progress(now)
        ahead = list(p.towns_ahead)
        if p.finish is not None:
            ahead.append(p.finish)
        by_km: dict[float, datetime | None] = {}
        for t in ahead:
            if self.kind is None:
                at = t.eta_at
            else:
                option = t.eta_of(self.kind)
                at = option.at if option is not None else None
            by_km.setdefault(round(t.km, 3), at)
        return [by_km.get(round(km, 3)) for _, km in targets]


def companion(event: Event, feed: str) -> Predictor:
    return CompanionPredictor()


def _companion_kind(kind: str) -> MakePredictor:
    return lambda event, feed: CompanionPredictor(kind)


# Companion's other ETAs, shown beside the main one (not peers).
COMPANION_KINDS: dict[str, MakePredictor] = {
    f"Companion {k}": _companion_kind(k) for k in ("rhythm", "recent", "plan")
}


# --- the replay -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Moment:
    now: datetime
    kind: str  # a KINDS entry
    targets: tuple[tuple[Target, datetime], ...]  # with the truth


def moments(event: Event) -> list[Moment]:
    """When predictions are made and what they are scored against (see the module docstring)."""
    multi = event.spec.kind == "multi"
    finish: Target = (event.route.finish_name, event.route.length_km)
    towns = list(event.towns) if multi else [*event.towns, finish]
    out: list[Moment] = []
    town_kind = "multi-day, towns" if multi else event.spec.kind
    for name, km in towns:
        truth = event.truth_at_km(km)
        for h in HORIZONS_KM:
            if km - h >= 0.5:  # the athlete must have started
                out.append(Moment(event.truth_at_km(km - h), town_kind, (((name, km), truth),)))
    if multi:
        truth = event.truth_at_km(finish[1])
        last = event.truth_at_km(finish[1] - FINISH_STOP_KM)
        t = event.points[0].time + FINISH_EVERY
        while t <= last:
            out.append(Moment(t, "multi-day, finish", ((finish, truth),)))
            t += FINISH_EVERY
    out.sort(key=lambda m: m.now)
    return out


def plan_eta(event: Event, tracker: Tracker, now: datetime, km: float) -> datetime:
    return now + timedelta(hours=max(km - tracker.km, 0.0) / event.spec.planned_kmh)


def default_tracker(event: Event) -> Tracker:
    """The tracker every method is fed through: the event's timezone and planned speed."""
    return Tracker(event.route, event.spec.tz, event.spec.planned_kmh)


def replay(
    event: Event,
    feed: str,
    makers: dict[str, MakePredictor],
    make_tracker: Callable[[Event], Tracker] = default_tracker,
) -> dict[str, list[tuple[str, float]]]:
    """{method: [(kind, |error| minutes), ...]} for one event and feed, and under PLACEMENT
    |tracker km - truth km| at each moment (km)."""
    fixes = event.gps_feed() if feed == "GPS" else event.checkpoint_feed()
    tracker = make_tracker(event)
    preds = {name: make(event, feed) for name, make in makers.items()}
    errors: dict[str, list[tuple[str, float]]] = {name: [] for name in [*makers, PLACEMENT]}
    i = 0
    for m in moments(event):
        while i < len(fixes) and fixes[i].time <= m.now:
            tracker.add(fixes[i])
            for p in preds.values():
                p.observe(fixes[i], tracker)
            i += 1
        if i == 0:
            continue
        # Where the tracker has the athlete against the truth: a placement error shows here.
        errors[PLACEMENT].append((m.kind, abs(tracker.km - event.truth_km_at(m.now))))
        targets = [t for t, _ in m.targets]
        for name, p in preds.items():
            got = p.predict(tracker, m.now, targets)
            for (target, truth), at in zip(m.targets, got, strict=True):
                at = at if at is not None else plan_eta(event, tracker, m.now, target[1])
                errors[name].append((m.kind, abs((at - truth).total_seconds()) / 60))
    return errors


def summarise(errors: Iterable[float]) -> tuple[float, float, int]:
    a = np.asarray(list(errors), dtype=float)
    if not len(a):
        return float("nan"), float("nan"), 0
    return float(np.median(a)), float(np.percentile(a, 90)), len(a)


def collect(
    makers: dict[str, MakePredictor],
    events: Sequence[str],
    make_tracker: Callable[[Event], Tracker] = default_tracker,
) -> dict[str, dict[str, dict[Cell, list[float]]]]:
    """{event: {method: {cell: [errors]}}}."""
    out: dict[str, dict[str, dict[Cell, list[float]]]] = {}
    for name in events:
        event = load_event(name)
        per: dict[str, dict[Cell, list[float]]] = {m: {} for m in [*makers, PLACEMENT]}
        for feed in FEEDS:
            for method, errs in replay(event, feed, makers, make_tracker).items():
                for kind, e in errs:
                    per[method].setdefault((feed, kind), []).append(e)
        out[name] = per
    return out


def cells(
    raw: dict[str, dict[str, dict[Cell, list[float]]]], events: Iterable[str] | None = None
) -> dict[str, dict[Cell, tuple[float, float, int]]]:
    """{method: {cell: (median, p90, n)}} over `events` (all by default)."""
    chosen = list(raw) if events is None else [e for e in events if e in raw]
    pooled: dict[str, dict[Cell, list[float]]] = {}
    for ev in chosen:
        for method, per in raw[ev].items():
            for cell, errs in per.items():
                pooled.setdefault(method, {}).setdefault(cell, []).extend(errs)
    return {m: {c: summarise(v) for c, v in per.items()} for m, per in pooled.items()}


def evaluate(
    candidates: dict[str, MakePredictor] | MakePredictor,
    *,
    quick: bool = False,
    events: Sequence[str] | None = None,
    make_tracker: Callable[[Event], Tracker] = default_tracker,
) -> dict[str, dict[Cell, tuple[float, float]]]:
    """Median and p90 per (feed, kind) for each candidate (a factory or a dict of them), over
    `events` (default: all, or QUICK_EVENTS); e.g. `evaluate(companion, events=TUNE_EVENTS)`."""
    makers = candidates if isinstance(candidates, dict) else {"candidate": candidates}
    if events is None:
        events = QUICK_EVENTS if quick else tuple(e.name for e in EVENTS)
    res = cells(collect(makers, sorted(events), make_tracker))
    return {m: {c: (v[0], v[1]) for c, v in per.items()} for m, per in res.items()}


# --- the report -----------------------------------------------------------------------------
def table(res: dict[str, dict[Cell, tuple[float, float, int]]], title: str) -> list[str]:
    head = "| feed, kind | n | Companion | best peer median | best peer p90 | ok |"
    lines = [f"### {title}", "", head, "|---|---|---|---|---|---|"]
    peers = [m for m in res if m in PEERS]
    for feed in FEEDS:
        for kind in KINDS:
            cell = (feed, kind)
            if cell not in res.get("Companion", {}):
                continue
            med, p90, n = res["Companion"][cell]
            bm = min(peers, key=lambda p: res[p][cell][0])
            bp = min(peers, key=lambda p: res[p][cell][1])
            ok = med <= res[bm][cell][0] and p90 <= res[bp][cell][1]
            lines.append(
                f"| {feed}, {kind} | {n} | {med:.1f} / {p90:.1f} | {res[bm][cell][0]:.1f} ({bm}) "
                f"| {res[bp][cell][1]:.1f} ({bp}) | {'yes' if ok else 'NO'} |"
            )
    return [*lines, ""]


def peers_table(res: dict[str, dict[Cell, tuple[float, float, int]]]) -> list[str]:
    methods = [m for m in res if m != PLACEMENT]
    lines = ["| feed, kind | " + " | ".join(methods) + " |", "|---" * (len(methods) + 1) + "|"]
    for feed in FEEDS:
        for kind in KINDS:
            cell = (feed, kind)
            if cell in res["Companion"]:
                vals = " | ".join(f"{res[m][cell][0]:.1f} / {res[m][cell][1]:.1f}" for m in methods)
                lines.append(f"| {feed}, {kind} | {vals} |")
    return [*lines, ""]


def _commit() -> str:
    """The commit measured, '+' when the tree has uncommitted changes to companion/."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        head = subprocess.run(
            ["git", "-C", here, "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", here, "status", "--porcelain", "companion"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+" if dirty else "")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK_EVENTS)}")
    ap.add_argument("--by-event", action="store_true", help="also each event's own table")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    events = QUICK_EVENTS if args.quick else tuple(e.name for e in EVENTS)
    makers: dict[str, MakePredictor] = {"Companion": companion, **PEERS}
    if not args.quick:
        makers.update(COMPANION_KINDS)
    raw = collect(makers, events)
    print(f"# ETA benchmark, {time.strftime('%Y-%m-%d %H:%M')}, code {_commit()}, "
          f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}; "
          "|error| minutes, median / p90\n")  # fmt: skip
    print("\n".join(table(cells(raw), f"All events ({len(raw)})")))
    tuned = [e for e in raw if e in TUNE_EVENTS]
    held = [e for e in raw if e not in TUNE_EVENTS]
    if tuned and held and not args.quick:  # the events the settings were chosen on
        print("\n".join(table(cells(raw, tuned), f"Tuning events ({', '.join(tuned)})")))
    if held and not args.quick:
        print("\n".join(table(cells(raw, held), f"Held-out events ({', '.join(held)})")))
    if args.by_event:
        for ev in raw:
            print("\n".join(table(cells(raw, [ev]), ev)))
    print("### Every method, all events\n")
    print("\n".join(peers_table(cells(raw))))
    where = cells(raw)[PLACEMENT]
    print("Tracker km vs the truth at the moments (median / p90 km): " + "; ".join(
        f"{f}, {k} {where[(f, k)][0]:.2f} / {where[(f, k)][1]:.2f}"
        for f in FEEDS for k in KINDS if (f, k) in where
    ))  # fmt: skip
    print(f"({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # | head: a quiet end, as the CLI's
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no flush error at exit
        sys.exit(141)
