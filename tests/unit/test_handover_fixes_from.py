"""A shift's handover reads the fixes from the GPS fix before the shift on (Tracker.fixes_from),
not the day's (issue 11: the fixes are held as numbers, so each one read is built again), and
finds the same gaps as from every fix: a real ride with GPS gaps cut into it and typed entries
among the fixes, handed over at many times."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from helpers.real_tracks import AUDAX_150K, fixes, load_real_track

from companion.core.models import Fix, RouteData
from companion.core.route import build_route
from companion.core.tracker import Tracker
from companion.shift_alerts import came_and_went

TZ = ZoneInfo("Australia/Melbourne")
STALE_S = 600.0


def test_the_gaps_of_a_shift_are_those_found_from_every_fix(shared_dir: Path) -> None:
    track = load_real_track(shared_dir / AUDAX_150K)
    n = len(track.lats)
    route = build_route(
        RouteData("audax", str(track.path), track.lats.tolist(), track.lons.tolist(),
                  [math.nan] * n, [])
    )  # fmt: skip
    feed = fixes(track, hz=0.2, source="nmea")  # a fix every 5 s
    # Three GPS gaps of 15, 25 and 40 minutes (a tunnel, a flat phone), typed entries in them.
    t0 = feed[0].time
    gaps = [(60, 75), (130, 155), (200, 240)]  # minutes from the start
    kept = [
        f for f in feed
        if not any(a <= (f.time - t0).total_seconds() / 60 < b for a, b in gaps)
    ]  # fmt: skip
    tracker = Tracker(route, TZ, planned_kmh=25.0)
    for f in kept:
        tracker.add(f)
    for a, b in gaps:  # the crew typed where the athlete was, mid-gap
        at = t0 + timedelta(minutes=(a + b) / 2)
        tracker.add(Fix(at, 0.0, 0.0, km=tracker.km_at(at), label="typed"))
    every = tracker.fixes
    end = every[-1].time
    checked = 0
    for minutes in range(0, int((end - t0).total_seconds() // 60), 7):
        since = t0 + timedelta(minutes=minutes)
        now = min(since + timedelta(hours=3), end)
        part = tracker.fixes_from(since, lambda f: not f.is_manual)
        assert part == every[len(every) - len(part) :]  # a tail of the fixes, in order
        after = sum(1 for f in every if f.time > since)
        assert len(part) <= after + 2  # the GPS fix before (and a typed one after it) at most
        want = came_and_went([f.time for f in every if not f.is_manual], [], since, now,
                             STALE_S, TZ)  # fmt: skip
        got = came_and_went(tracker.gps_times_from(since), [], since, now, STALE_S, TZ)
        assert tracker.gps_times_from(since) == [f.time for f in part if not f.is_manual]
        assert got == want
        checked += bool(want)
    assert checked > 5  # the gaps were found, in many shifts
