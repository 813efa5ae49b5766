"""A reopened tracker whose held fixes an undo empties: its back snapshot was taken just before
the entry undone, so nothing of the log's head is held after it. Every read still answers from
the times the state keeps (an IndexError in front of the crew before), and equals the tracker
that never closed. Real parts: the Audax ride at 10 Hz, typed entries among it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers.real_tracks import audax_10hz, audax_event

from companion.core import heldfixes
from companion.core.models import Fix
from companion.core.tracker import Tracker
from companion.event import load_event
from companion.event_route import load_event_route


@pytest.mark.parametrize("back", [1, 2, 6000])
def test_undo_of_the_only_fix_held_after_the_back_snapshot(
    tmp_path: Path, shared_dir: Path, monkeypatch: pytest.MonkeyPatch, back: int
) -> None:
    monkeypatch.setattr(heldfixes, "BACK_FIXES", back)
    event = load_event(audax_event(tmp_path, shared_dir))
    route = load_event_route(event)

    def tracker() -> Tracker:
        return Tracker(route, event.zone, 25.0)

    live = tracker()
    for f in audax_10hz(shared_dir, 4)[:2000]:  # a snapshot at 1,000 and at 2,000 fixes
        live.add(f)
    typed = Fix(live.last_time + timedelta(seconds=1), 0.0, 0.0, km=round(live.km, 2),  # type: ignore[operator]
                label="typed")  # fmt: skip
    live.add(typed)  # fix 2,001: back 1 -> the snapshot at 2,000, with this fix alone
    state = live.running_state()
    whole = live.fixes
    resumed = tracker()
    resumed.resume_tail(state, [], lambda k: whole[:k])
    assert resumed.remove(typed) and live.remove(typed)
    now = datetime(2017, 9, 9, 12, tzinfo=UTC)
    for t in (now, whole[1999].time, whole[1999].time - timedelta(seconds=30)):
        assert resumed.last_time_at(t) == live.last_time_at(t)
        assert resumed.km_at(t) == live.km_at(t)
        assert resumed.fixes_at(t) == live.fixes_at(t)
    assert resumed.progress(now) == live.progress(now)
    assert resumed.last_fix == live.last_fix
    after = audax_10hz(shared_dir, 4)[2000:2100]  # and the feed goes on
    for f in after:
        resumed.add(f)
        live.add(f)
    assert resumed.progress(now) == live.progress(now)
    assert resumed.fixes == live.fixes
