"""Speed now without a receiver's speed: the progress since the newest position at least
NOW_SPAN_S old (core/motion.py, a bisection over the kept positions since issue 11; a scan back
from the newest read 300 of them a fix at 10 Hz).

The reference is the rule read plainly over every position fed so far, in the test: a real track
at 10 Hz without receiver speed (a GGA-only receiver, a phone), the km of each fix from the
track's own geodesic length (pyproj over the raw points).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from helpers.real_tracks import AUDAX_150K, EMPARIS_RUN, fixes, load_real_track

from companion.core.motion import NOW_SPAN_S, Motion

MAX_MPS = 80.0 / 3.6


@pytest.mark.parametrize(("name", "hz"), [(AUDAX_150K, 10.0), (EMPARIS_RUN, 1.0)])
def test_speed_now_is_the_progress_since_the_newest_position_that_old(
    shared_dir: Path, name: str, hz: float
) -> None:
    track = load_real_track(shared_dir / name)
    feed = [f for f in fixes(track, hz=hz) if (f.time - track.times[0]).total_seconds() <= 2400]
    at = np.array([(f.time - track.times[0]).total_seconds() for f in feed])
    kms = (np.interp(at, track.seconds(), track.cum_m) / 1000.0).tolist()
    m = Motion(2.0 / 3.6, MAX_MPS)
    us = [(f.time - feed[0].time) // timedelta(microseconds=1) for f in feed]  # exact
    span_us = round(NOW_SPAN_S * 1e6)
    checked, newest_old = 0, -1  # the newest position fed at least NOW_SPAN_S before this one
    t_prev, k_prev = feed[0].time - timedelta(seconds=1.0 / hz), 0.0
    for i, (f, km) in enumerate(zip(feed, kms, strict=True)):
        m.step(t_prev, k_prev, f.time, km)
        t_prev, k_prev = f.time, km
        while newest_old + 1 < i and us[i] - us[newest_old + 1] >= span_us:
            newest_old += 1
        if newest_old < 0:
            continue
        dt_h = (us[i] - us[newest_old]) / 1e6 / 3600.0
        kmh = abs(km - kms[newest_old]) / dt_h
        want = kmh if kmh <= MAX_MPS * 3.6 else None
        assert m.speed_now_kmh == pytest.approx(want, rel=1e-9), f.time
        checked += 1
    assert checked > len(feed) // 2
