"""The tracker's snapshots (issue 11): O(1) to take, few to keep, and a replay from one of them
ends in the state a replay from the first fix gives, on a real ride fed at 10 Hz.

Complexity is asserted by structure (what a snapshot shares, how many are kept), never by time.
The reference for "same state" is a second Tracker rebuilt from the same fixes from scratch.
"""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from helpers.real_tracks import AUDAX_150K, RealTrack, fixes, load_real_track

from companion.core import runstate
from companion.core.models import Fix, RouteData
from companion.core.route import Route, build_route
from companion.core.tracker import Tracker

# An hour of the real Audax ride (1 s points) resampled to 10 Hz: 36,000 fixes.
HOURS = 1.0


def _part(track: RealTrack, hours: float) -> RealTrack:
    secs = track.seconds()
    idx = np.flatnonzero(secs <= hours * 3600.0)
    speeds = track.speeds_mps[idx] if track.speeds_mps is not None else None
    return RealTrack(track.path, [track.times[i] for i in idx], track.lats[idx],
                     track.lons[idx], speeds)  # fmt: skip


def _route_of(track: RealTrack) -> Route:
    n = len(track.lats)
    data = RouteData("ride", str(track.path), track.lats.tolist(), track.lons.tolist(),
                     [math.nan] * n, [])  # fmt: skip
    return build_route(data)


@pytest.fixture(scope="module")
def ride(shared_dir: Path) -> tuple[Route, list[Fix], Tracker]:
    part = _part(load_real_track(shared_dir / AUDAX_150K), HOURS)
    route = _route_of(part)
    feed = fixes(part, hz=10.0, receiver_speed=True)
    tr = Tracker(route, "UTC", planned_kmh=25.0)
    for f in feed:
        tr.add(f)
    return route, feed, tr


def test_a_snapshot_shares_the_speed_window_instead_of_copying_it(
    ride: tuple[Route, list[Fix], Tracker],
) -> None:
    _route, feed, tr = ride
    live = tr._motion.window
    assert len(live) > 5000  # 30 min of moving at 10 Hz: a copy would have mattered
    newest_n, newest = tr._snaps[-1]
    assert newest_n == len(feed) // runstate.SNAPSHOT_EVERY * runstate.SNAPSHOT_EVERY
    # The same arrays, not a copy of them.
    assert newest.motion.window._moving is live._moving
    assert newest.motion.window._dist is live._dist
    # Every snapshot refers into a few shared arrays (cut back as the window slides), never one
    # of its own: storage is about twice the window, whatever the number of snapshots.
    arrays = {id(st.motion.window._moving) for _n, st in tr._snaps}
    assert len(arrays) <= 1 + len(feed) // 4096
    assert len(live._moving) <= max(2 * len(live), len(live) + 4096) + 1


def test_old_snapshots_are_thinned_to_a_few_per_doubling_of_age(
    ride: tuple[Route, list[Fix], Tracker],
) -> None:
    _route, feed, tr = ride
    every, per = runstate.SNAPSHOT_EVERY, runstate.SNAPSHOTS_PER_DOUBLING
    counts = [n for n, _st in tr._snaps]
    assert counts == sorted(counts)
    # 36 snapshots taken; kept: 2 x per at full spacing, then per per doubling.
    taken = len(feed) // every
    bound = 2 * per + per * math.ceil(math.log2(max(taken / (2 * per), 1.0)) + 1)
    assert len(counts) <= bound < taken
    # The newest are all kept; the oldest still near the start, for an entry typed in late.
    assert counts[-2 * per :] == [len(feed) // every * every - k * every for k in
                                  range(2 * per - 1, -1, -1)]  # fmt: skip
    assert counts[0] <= len(feed) // 4


def test_a_late_entry_and_an_undo_replay_from_a_snapshot_to_the_full_replays_state(
    ride: tuple[Route, list[Fix], Tracker], shared_dir: Path
) -> None:
    route, feed, untouched = ride
    tr = Tracker(route, "UTC", planned_kmh=25.0)
    for f in feed:
        tr.add(f)
    # A checkpoint typed in half an hour late (18,000 fixes back), between two fixes, undone.
    mid = feed[len(feed) // 2]
    late = Fix(mid.time + timedelta(milliseconds=50), mid.lat, mid.lon, km=tr.km / 2,
               label="late")  # fmt: skip
    tr.add(late)
    fresh = Tracker(route, "UTC", planned_kmh=25.0)
    fresh.rebuild([*feed, late])
    now = feed[-1].time + timedelta(seconds=1)
    assert tr.progress(now) == fresh.progress(now)
    assert tr.day_totals() == fresh.day_totals()
    # Undone: back to the state of the feed alone. The replays appended to arrays that older
    # snapshots share (copy on write); those snapshots still read as the untouched tracker's.
    assert tr.remove(late)
    assert tr.progress(now) == untouched.progress(now)
    assert tr._motion.window.speed_kmh() == untouched._motion.window.speed_kmh()
    theirs = dict(untouched._snaps)
    common = [(n, st) for n, st in tr._snaps if n in theirs]
    assert len(common) == len(tr._snaps) > 5
    for n, st in common:
        other = theirs[n].motion.window
        assert (len(st.motion.window), st.motion.window.speed_kmh()) == (
            len(other), other.speed_kmh()), n  # fmt: skip
