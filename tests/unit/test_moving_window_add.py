"""MovingWindow.add (core/eta.py) with its sums in locals keeps exactly the sums the attribute
version kept (issue 11: every credit of a 10 Hz feed goes through it): fed a real ride's
intervals (the geodesic metres and seconds between its own points, pyproj over the raw points),
copies taken now and then and fed on their own (the copy on write), every sum and the speed equal
bit for bit to the old add, written out here as the reference."""

from __future__ import annotations

from pathlib import Path

from helpers.real_tracks import AUDAX_150K, load_real_track

from companion.core.eta import _COMPACT_AFTER, MovingWindow


class _Reference(MovingWindow):
    __slots__ = ()

    def add(self, moving_s: float, distance_m: float) -> None:
        start, end = self._start, self._end
        if len(self._moving) != end or (start > _COMPACT_AFTER and 2 * start > end):
            self._moving = self._moving[self._start : self._end]
            self._dist = self._dist[self._start : self._end]
            self._start, self._end = 0, len(self._moving)
        self._moving.append(moving_s)
        self._dist.append(distance_m)
        self._end += 1
        self._moving_s += moving_s
        self._dist_m += distance_m
        moving = self._moving
        while self._end - self._start > 1 and self._moving_s - moving[self._start] >= self.window_s:
            self._moving_s -= moving[self._start]
            self._dist_m -= self._dist[self._start]
            self._start += 1


def _state(w: MovingWindow) -> tuple[object, ...]:
    kept = (w._moving[w._start : w._end].tobytes(), w._dist[w._start : w._end].tobytes())
    return (w._moving_s.hex(), w._dist_m.hex(), len(w), kept, w.speed_kmh())


def test_a_real_ride_and_its_copies_keep_the_same_sums(shared_dir: Path) -> None:
    track = load_real_track(shared_dir / AUDAX_150K)
    secs, cum = track.seconds(), track.cum_m
    steps = [(float(secs[i] - secs[i - 1]), float(cum[i] - cum[i - 1])) for i in range(1, len(cum))]
    assert len(steps) > 5000
    for window_s in (60.0, 600.0, 1800.0):
        new, ref = MovingWindow(window_s), _Reference(window_s)
        pairs = [(new, ref)]
        for i, (dt, dm) in enumerate(steps * 3):  # thrice: past the compaction, many times
            if i % 997 == 500:  # a snapshot's copy, fed from here on beside the original
                twin_ref = _Reference(window_s)
                twin = new.copy()
                for name in ("_moving", "_dist", "_start", "_end", "_moving_s", "_dist_m"):
                    setattr(twin_ref, name, getattr(ref, name))
                pairs.append((twin, twin_ref))
                pairs = pairs[-3:]
            for a, b in pairs:
                a.add(dt, dm)
                b.add(dt, dm)
                assert _state(a) == _state(b), (window_s, i)
