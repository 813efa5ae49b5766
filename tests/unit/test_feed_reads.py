"""What the tracker keeps so a reopened log need not read its head: each feed source's newest
fix (the feed filter's seed) and the typed fixes' times (a shift's GPS gaps). Held to the plain
reads over every fix, after every fix of a real ride with typed entries (some at a GPS fix's
very time), off-route fixes, another car's GPS, a checkpoint typed late and an undo among them.
"""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

from helpers.real_tracks import audax_10hz, audax_event

from companion.core.models import Fix
from companion.core.tracker import Tracker
from companion.event import load_event
from companion.event_route import load_event_route


def _own_gps(fix: Fix) -> bool:
    return not fix.is_manual and "@" not in fix.source


def _gps(fix: Fix) -> bool:
    return not fix.is_manual


def _check(tr: Tracker, rng: random.Random) -> None:
    assert tr.newest_feed_fix(_own_gps) == tr.newest_fix(_own_gps)
    every = tr.fixes
    for _ in range(3):
        t = rng.choice(every).time + timedelta(milliseconds=rng.choice([-50, 0, 50]))
        want = [f.time for f in tr.fixes_from(t, _gps) if not f.is_manual]
        assert tr.gps_times_from(t) == want


def test_kept_reads_are_the_plain_reads_after_every_fix(tmp_path: Path, shared_dir: Path) -> None:
    event = load_event(audax_event(tmp_path, shared_dir))
    route = load_event_route(event)
    feed = audax_10hz(shared_dir, 3)[::5][:300]  # 2 Hz
    rng = random.Random(11)
    tr = Tracker(route, event.zone, 25.0)
    typed: list[Fix] = []
    for i, f in enumerate(feed):
        if i % 37 == 5:  # 2 km off the road: held, flagged off route
            f = Fix(f.time, f.lat + 0.02, f.lon, "nmea", speed_mps=5.0)
        if i % 41 == 7:  # the other car's GPS, merged from its broker
            f = Fix(f.time, f.lat, f.lon, "gpsd@car2", speed_mps=5.0)
        tr.add(f)
        if i % 29 == 3:  # typed at the GPS fix's very time, or a second later
            entry = Fix(f.time + timedelta(seconds=i % 2), f.lat, f.lon, km=round(tr.km, 2),
                        label="typed")  # fmt: skip
            tr.add(entry)
            typed.append(entry)
        if i % 53 == 50:  # a checkpoint typed late, a minute back
            late = feed[i - 120].time
            tr.add(Fix(late, 0.0, 0.0, km=tr.km_at(late), label="late"))
        if i % 67 == 60 and typed:  # an entry undone
            assert tr.remove(typed.pop(0))
        _check(tr, rng)
