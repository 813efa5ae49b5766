"""A real ride fed through the new feed path (issue 11: fixes held as columns, `with_km`, the
status's counter) gives what the old one gives: the same km, day totals, fixes and
`status --json`, live and reopened, with a checkpoint typed in late among the GPS fixes and
undone (both replay from fixes read back from the columns).

The old way is the tracker holding plain lists of the Fix objects it was given, and
`dataclasses.replace` for the km (patched in for the reference session only). Real parts: the
Audax ride's GPX and its points at 10 Hz, real SQLite files, EventSession, the status document
as `companion status --json` builds it.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers.real_tracks import AUDAX_150K, RealTrack, fixes, load_real_track

from companion import render, service
from companion.core import tracker as tracker_module
from companion.core.models import Fix
from companion.service import EventSession
from companion.status_doc import status_document

MINUTES = 15  # of the ride at 10 Hz: 9,000 fixes


def _feed(shared_dir: Path) -> list[Fix]:
    track = load_real_track(shared_dir / AUDAX_150K)
    idx = np.flatnonzero(track.seconds() <= MINUTES * 60)
    part = RealTrack(track.path, [track.times[i] for i in idx], track.lats[idx], track.lons[idx],
                     None)  # fmt: skip
    return fixes(part, hz=10.0, receiver_speed=True, source="nmea")


def _run(event: Path, db: Path, feed: list[Fix]) -> dict[str, Any]:
    """Feed the ride, type a checkpoint late among it, undo it, type another; what is shown."""
    with EventSession.open(event, db) as s:
        third = len(feed) // 3
        for f in feed[: 2 * third]:
            assert s.add_feed_fix(f).accepted
        late = feed[third].time + timedelta(seconds=0.05)  # among fixes already applied
        typed = s.checkpoint("km 2.5", late.isoformat(), feed[2 * third].time, force=True)
        assert typed.time == late and s.tracker.last_fix != typed  # put in among them
        for f in feed[2 * third : 2 * third + 600]:
            s.add_feed_fix(f)
        assert s.undo() is not None
        s.checkpoint("km 4", None, feed[2 * third + 600].time, force=True)
        for f in feed[2 * third + 600 :]:
            s.add_feed_fix(f)
        s.flush()
        now = feed[-1].time + timedelta(seconds=30)
        shown = {
            "status": status_document(s, now),
            "summary": render.summary(s.event, s.tracker, now, None),
            "km": s.tracker.km,
            "days": s.tracker.day_totals(),
            "fixes": [repr(f) for f in s.tracker.fixes],
        }
    with EventSession.open(event, db, readonly=True) as r:  # reopened from its saved state
        shown["reopened"] = status_document(r, now)
    return shown


def test_the_new_feed_path_shows_what_the_old_one_showed(
    tmp_path: Path, shared_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = tmp_path / "audax.toml"
    event.write_text(
        f'name = "Audax"\nathlete = "A"\nroute = "{shared_dir / AUDAX_150K}"\n'
        'timezone = "Australia/Melbourne"\nplanned_kmh = 25\nday_hours = "06:00-20:00"\n'
    )
    feed = _feed(shared_dir)
    new = _run(event, tmp_path / "new.sqlite", feed)
    with monkeypatch.context() as m:  # the old way: plain lists of the objects, replace
        m.setattr(tracker_module, "FixColumns", list)  # the times: read from the Fix objects
        m.setattr(service, "with_km", lambda f, km: dataclasses.replace(f, km=km))
        old = _run(event, tmp_path / "old.sqlite", feed)
    assert len(new["fixes"]) == len(feed) + 1  # every GPS fix and the checkpoint not undone
    assert new["km"] == old["km"] and new["km"] > 3.0
    assert new["days"] == old["days"]
    assert new["fixes"] == old["fixes"]
    assert new["summary"] == old["summary"]
    assert new["status"] == old["status"]
    assert new["reopened"] == old["reopened"] == new["status"]
