"""A slow span marks only the intervals no earlier span reached (core/motion.py `_unjudged`).

The plain rule marks every pending interval back to the span's start: at 10 Hz that is ~450 of
them on every fix of a stop. Spans only start later as the fixes go on, so the ones before the
newest were marked by an earlier span already. Checked here against the plain rule itself: a
twin Motion told before every step that all its pending intervals are unjudged (so it walks back
as far as the span reaches, as the code did before) is fed the same intervals, and the credits
and the state shown must be the same at every step. Real tracks at 10 Hz, the km of each fix
from the track's own geodesic length (pyproj over the raw points), with typed entries and the
crew's marks among the GPS ones.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from helpers.real_tracks import AUDAX_150K, HOKKAIDO_DAY1, fixes, load_real_track

from companion.core.motion import Motion

STOP_MPS = 2.0 / 3.6
MAX_MPS = 80.0 / 3.6


def _intervals(shared_dir: Path, name: str, minutes: float) -> list[tuple]:  # type: ignore[type-arg]
    """(time, km, speed, manual, mark) of each fix of the track's first `minutes` at 10 Hz: some
    with the receiver's speed, a typed entry and a crew's stop/go now and then."""
    track = load_real_track(shared_dir / name)
    feed = [f for f in fixes(track, hz=10.0, receiver_speed=True) if
            (f.time - track.times[0]).total_seconds() <= minutes * 60]  # fmt: skip
    secs = track.seconds()
    at = np.array([(f.time - track.times[0]).total_seconds() for f in feed])
    kms = np.interp(at, secs, track.cum_m) / 1000.0
    out = []
    for i, (f, km) in enumerate(zip(feed, kms, strict=True)):
        speed = f.speed_mps if (i // 3000) % 2 else None  # spans judge half of the time
        manual, mark = i % 5000 == 2500, ""
        if i % 7000 == 3100:
            manual, mark = True, "stop"
        elif i % 7000 == 3900:
            manual, mark = True, "go"
        out.append((f.time, float(km), None if manual else speed, manual, mark))
    return out


@pytest.mark.parametrize(("name", "minutes"), [(AUDAX_150K, 90.0), (HOKKAIDO_DAY1, 60.0)])
def test_marking_only_the_unjudged_equals_marking_back_to_the_span(
    shared_dir: Path, name: str, minutes: float
) -> None:
    steps = _intervals(shared_dir, name, minutes)
    new, plain = Motion(STOP_MPS, MAX_MPS), Motion(STOP_MPS, MAX_MPS)
    t_prev, k_prev = steps[0][0] - timedelta(seconds=0.1), 0.0
    skipped = 0  # steps where some pending intervals were judged already
    for t, km, speed, manual, mark in steps:
        if new._unjudged < len(new._pending):
            skipped += 1
        plain._unjudged = len(plain._pending)  # the plain rule: every pending one
        kw = {"speed_mps": speed, "manual": manual, "mark": mark, "planned_mps": 5.0}
        got = new.step(t_prev, k_prev, t, km, **kw)  # type: ignore[arg-type]
        want = plain.step(t_prev, k_prev, t, km, **kw)  # type: ignore[arg-type]
        assert got == want, t
        assert (new.stopped_since, new.stopped_by, new.moving) == (
            plain.stopped_since, plain.stopped_by, plain.moving,
        )  # fmt: skip
        assert [(p[0], p[4]) for p in new._pending] == [(p[0], p[4]) for p in plain._pending]
        t_prev, k_prev = t, km
    assert new.stop_spans() == plain.stop_spans()
    assert new.moving_s_total == plain.moving_s_total
    # The tracks stop (the rule was exercised) and the new way did skip the judged ones.
    assert any(s.by == "gps" for s in new.stop_spans())
    assert skipped > 100
