"""What each final credit does to the motion's totals, checked after every step on real tracks.

`Motion.step` books a measured interval's credit in place (the lines of `_credit`, without the
calls through `_final` and `_credit` on every fix); the crew's and a long gap's still go through
`_credit`. Whichever way, the state must be what the credits handed out say, built here from the
credits alone by the rule as documented: the moving total their moving seconds summed in order;
a moving mark (time, total) at each credit's end, a mark replacing the last one while it is
within a minute of the one before; the moving window holding the measured credits' (seconds,
metres), the newest last. Real tracks at 10 Hz, the km from each track's own geodesic length
(pyproj over the raw points), the receiver's speed half of the time, typed entries, the crew's
stop and go, and a long gap with progress (estimated at the planned speed).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from helpers.real_tracks import AUDAX_150K, HOKKAIDO_DAY1, fixes, load_real_track

from companion.core.motion import Motion

STOP_MPS = 2.0 / 3.6
MAX_MPS = 80.0 / 3.6
_MINUTE = timedelta(seconds=60)

Step = tuple[datetime, float, float | None, bool, str]


def _steps(shared_dir: Path, name: str, minutes: float) -> list[Step]:
    track = load_real_track(shared_dir / name)
    feed = [f for f in fixes(track, hz=10.0, receiver_speed=True) if
            (f.time - track.times[0]).total_seconds() <= minutes * 60]  # fmt: skip
    at = np.array([(f.time - track.times[0]).total_seconds() for f in feed])
    kms = np.interp(at, track.seconds(), track.cum_m) / 1000.0
    out: list[Step] = []
    gap, on = timedelta(0), 0.0
    for i, (f, km) in enumerate(zip(feed, kms, strict=True)):
        if i == len(feed) // 2:
            gap, on = timedelta(hours=5), 2.0  # a dead phone: the rest 5 h later and 2 km on
        speed = f.speed_mps if (i // 3000) % 2 else None
        manual, mark = i % 5000 == 2500, ""
        if i % 7000 == 3100:
            manual, mark = True, "stop"
        elif i % 7000 == 3900:
            manual, mark = True, "go"
        out.append((f.time + gap, float(km) + on, None if manual else speed, manual, mark))
    return out


@pytest.mark.parametrize(
    ("name", "minutes", "stops"), [(AUDAX_150K, 80.0, False), (HOKKAIDO_DAY1, 60.0, True)]
)
def test_totals_marks_and_window_are_the_credits_handed_out(
    shared_dir: Path, name: str, minutes: float, stops: bool
) -> None:
    steps = _steps(shared_dir, name, minutes)
    motion = Motion(STOP_MPS, MAX_MPS)
    total, marks, measured = 0.0, list[tuple[datetime, float]](), list[tuple[float, float]]()
    kinds = {"moving": 0, "slow": 0, "estimated": 0, "crew": 0}
    t_prev, k_prev = steps[0][0] - timedelta(seconds=0.1), 0.0
    for i, (t, km, speed, manual, mark) in enumerate(steps):
        credits = motion.step(t_prev, k_prev, t, km, speed, manual, mark, 5.0)
        for c0, c1, moving_s, estimated, dist_m, is_measured, span_s in credits:
            assert span_s == (c1 - c0).total_seconds()
            if moving_s == 0.0:
                kinds["slow"] += 1
                assert is_measured and not estimated
                continue
            kinds["estimated" if estimated else "moving" if is_measured else "crew"] += 1
            total += moving_s
            if len(marks) >= 2 and c1 - marks[-2][0] < _MINUTE:
                marks[-1] = (c1, total)
            else:
                marks.append((c1, total))
            if is_measured:
                measured.append((moving_s, dist_m))
        assert motion.moving_s_total == total
        assert motion.moving_marks[-1:] == marks[-1:]
        t_prev, k_prev = t, km
        if i % 200 and i != len(steps) - 1:
            continue  # the whole of them now and then (the window holds ~18,000)
        assert motion.moving_marks == marks
        w = motion.window
        held = list(zip(w._moving[w._start : w._end], w._dist[w._start : w._end], strict=True))
        assert held == measured[len(measured) - len(held) :]
        assert w.moving_s == pytest.approx(sum(s for s, _ in held), rel=1e-9, abs=1e-6)
    # Every way a credit is made was taken.
    assert kinds["moving"] > 10_000 and (kinds["slow"] > 100 or not stops), kinds
    assert kinds["estimated"] >= 1 and kinds["crew"] >= 1, kinds
