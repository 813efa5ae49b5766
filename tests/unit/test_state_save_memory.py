"""Saving the tracker's state at the close does not hold it in memory again (issue 11, MEM).

The state saved with the log carries the km and the time of every fix applied (16 bytes a fix:
~14 MB for a day of 10 Hz). Built as a pickle's bytes, then copied by SQLite's bind, it was held
three to four times over at the close: `follow` over 864,000 fixes peaked there, ~48 MB above
the fed process. Now it is written into the row as it is pickled (incremental blob I/O) from the
tracker's own arrays. Measured as bytes Python allocates during the save (tracemalloc's peak;
SQLite's own pages are not Python's) after 21,000 and after 42,000 fixes, never as a time: it
does not grow with the fixes.

Real parts: the Audax ride's points at 10 Hz as a GPS feed, a real SQLite log, EventSession as
`follow` uses it; the state read back is compared with the tracker's own numbers.
"""

from __future__ import annotations

import sqlite3
import tracemalloc
from pathlib import Path

from helpers.real_tracks import audax_at_10hz

from companion import trackstate
from companion.core.runstate import to_us
from companion.service import EventSession

MINUTES = 70  # of the ride at 10 Hz: 42,000 fixes (the speed window is full from ~30)


def test_saving_the_state_does_not_copy_the_fixes_numbers(tmp_path: Path, shared_dir: Path) -> None:
    event, feed = audax_at_10hz(shared_dir, tmp_path, MINUTES)
    n = len(feed)
    assert n >= 40_000
    db = tmp_path / "log.sqlite"
    with EventSession.open(event, db) as s:
        peaks = []
        for part_ in (feed[: n // 2], feed[n // 2 :]):
            for f in part_:
                s.add_feed_fix(f)
            s.flush()
            tracemalloc.start()
            before = tracemalloc.get_traced_memory()[0]
            assert s.logbook.save_state(s.tracker)
            peaks.append(tracemalloc.get_traced_memory()[1] - before)
            tracemalloc.stop()
        kms = list(s.tracker.running_state().kms)
    # What the save takes beyond what the tracker holds does not grow with the fixes (the
    # bounded state's pickle memo only); it grew 32-48 bytes a fix built whole and copied.
    per_fix = (peaks[1] - peaks[0]) / (n - n // 2)
    assert per_fix < 2.0, f"{per_fix:.1f} bytes a fix more allocated to save ({peaks})"
    # What was written is the state: read back, every fix's km and time as the tracker had them.
    with sqlite3.connect(db) as conn, EventSession.open(event, db, readonly=True) as back:
        saved = trackstate.load(conn, back.tracker)
        assert saved is not None
        assert saved.state.applied == n
        assert list(saved.state.kms) == kms
        assert list(saved.state.times_us) == [to_us(f.time) for f in feed]
