"""The tracker holds each fix's time once (core/fixtimes.py, issue 11 MEM): its bisections by
time read the fixes' own time column, and a reopened tracker's head the saved state's array.

The property is counted, not timed: after 20,000 fixes of a real ride at 10 Hz, fed as `follow`
feeds them, the arrays of 64-bit integers the tracker reaches that are as long as its fixes are
exactly one (the fixes' time column). A time column of its own beside it was a second (7 MB for a
day of 10 Hz). The times read back are the fixes' own, live and reopened.
"""

from __future__ import annotations

import gc
from array import array
from pathlib import Path

from helpers.real_tracks import audax_at_10hz

from companion.core.tracker import Tracker
from companion.service import EventSession

MINUTES = 34  # of the ride at 10 Hz: ~20,000 fixes


def _long_int_arrays(tracker: Tracker, n: int) -> list[array[int]]:
    """Every array('q') of n items or more reachable from the tracker but its route."""
    seen, found, stack = {id(tracker.route)}, [], [tracker]
    while stack:
        o = stack.pop()
        if id(o) in seen or isinstance(o, type):
            continue
        seen.add(id(o))
        if isinstance(o, array):
            if o.typecode == "q" and len(o) >= n:
                found.append(o)
            continue
        stack.extend(gc.get_referents(o))
    return found


def test_each_fix_time_is_held_once(tmp_path: Path, shared_dir: Path) -> None:
    event, feed = audax_at_10hz(shared_dir, tmp_path, MINUTES)
    n = len(feed)
    assert n >= 20_000
    db = tmp_path / "log.sqlite"
    with EventSession.open(event, db) as s:
        for f in feed:
            s.add_feed_fix(f)
        s.flush()
        assert len(_long_int_arrays(s.tracker, n)) == 1
        times = [f.time for f in feed]
        assert list(s.tracker._times) == times
        assert s.tracker.last_time_at(times[n // 2]) == times[n // 2]
    with EventSession.open(event, db, readonly=True) as r:  # reopened from the saved state
        assert len(r.tracker.fixes_seen) == n
        assert len(_long_int_arrays(r.tracker, n)) == 1  # the state's times: the head's
        assert list(r.tracker._times) == times
        assert r.tracker.last_time_at(times[n // 3]) == times[n // 3]
