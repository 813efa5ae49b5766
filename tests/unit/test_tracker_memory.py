"""What a tracker holds per fix (issue 11): a day of 10 Hz GPS must fit in a car's small box, so
the fixes applied are held as numbers (core/fixcolumns.py), not as Fix objects.

Complexity, not time: after N and after 10N fixes of a real ride fed as a feed is (placed, then
applied with its km), the Fix objects alive are as many (they do not grow with the fixes), and
the memory held grows by ~130 bytes a fix here, the bounded state included (~235 when each Fix
object was held: ~420 a fix of a 10 Hz receiver's RMC, with its speed and course).
"""

from __future__ import annotations

import gc
import math
import tracemalloc
from pathlib import Path

from helpers.real_tracks import AUDAX_150K, fixes, load_real_track

from companion.core.models import Fix, RouteData
from companion.core.route import build_route
from companion.core.tracker import Tracker
from companion.service import with_km

N = 2_000


def _fixes_alive() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is Fix)


def test_fixes_held_do_not_grow_with_the_fixes_applied(shared_dir: Path) -> None:
    track = load_real_track(shared_dir / AUDAX_150K)
    n = len(track.lats)
    route = build_route(
        RouteData("audax", str(track.path), track.lats.tolist(), track.lons.tolist(),
                  [math.nan] * n, [])
    )  # fmt: skip
    feed = fixes(track, hz=1.0, receiver_speed=True, source="nmea")[: 10 * N]
    assert len(feed) == 10 * N  # the ride is long enough (about 6 h at 1 Hz)
    tracker = Tracker(route, "Australia/Melbourne", planned_kmh=25.0, days="rider")
    feed_iter = iter(feed)

    def apply(count: int) -> None:
        for _ in range(count):
            fix = next(feed_iter)
            tracker.add(with_km(fix, tracker.place(fix).km))

    apply(N)
    tracemalloc.start()  # the feed's own list was made before: only what the tracker holds
    alive_n = _fixes_alive()
    held_n = tracemalloc.get_traced_memory()[0]
    apply(9 * N)
    alive_10n = _fixes_alive()
    held_10n = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert len(tracker.fixes) == 10 * N
    # A few are held by the state (the last fix, the snapshots' last fixes): not one per fix.
    assert alive_10n - alive_n < 100, (alive_n, alive_10n)
    per_fix = (held_10n - held_n) / (9 * N)
    assert per_fix < 170, f"{per_fix:.0f} bytes held per fix"
    # Held as numbers, the fixes read back as they were applied (km and all).
    assert tracker.fixes[-1] == tracker.last_fix
    assert [f.time for f in tracker.fixes] == [f.time for f in feed]
    assert all(f.km is not None for f in tracker.fixes)
