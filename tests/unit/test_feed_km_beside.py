"""A feed block's fixes carry the km they fell at beside them, not in a second Fix (issue 11,
FOLLOW-4): `feedblock.add_feed_fixes` hands `Tracker.add(fix, km)` and the row the km, and the
log, the tracker's fixes, its last fix and its snapshots must be what adding
`dataclasses.replace(fix, km=km)` one fix at a time gives.

Real parts: the Audax ride at 10 Hz (its first minutes) as the feed with the ride itself as the
route, real SQLite logs, EventSession. The reference is `add_feed_fix` a fix, with `with_km`
patched to `dataclasses.replace` (the independent statement of "the fix at its km"). Faults put
in: fixes a kilometre off the road (logged without km) and fixes sent late (placed where they
fall in time, logged without km), so both ways of the km (beside it, or none) are met.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from helpers import real_tracks
from helpers.rows_read import event_rows

from companion import feedblock, service
from companion.core.fixcolumns import FixColumns
from companion.core.models import Fix
from companion.logbatch import FixBatch, plain_row
from companion.service import EventSession


def _faulty(fixes: list[Fix]) -> list[Fix]:
    """Every 97th fix 0.01 degree (~1.1 km) off the road, every 211th sent 0.35 s late."""
    out = []
    for i, fix in enumerate(fixes):
        if i % 97 == 50:
            fix = dataclasses.replace(fix, lat=fix.lat + 0.01)
        elif i % 211 == 100:
            fix = dataclasses.replace(fix, time=fix.time - timedelta(seconds=0.35))
        out.append(fix)
    return out


def _count_builds(m: pytest.MonkeyPatch) -> list[int]:
    """From now on, how many Fix objects are built (until `m` is undone)."""
    built = [0]
    real_init = Fix.__init__

    def counting(self: Fix, *args: object, **kwargs: object) -> None:
        built[0] += 1
        real_init(self, *args, **kwargs)  # type: ignore[arg-type]

    m.setattr(Fix, "__init__", counting)
    return built


def _head(fixes: list[Fix]) -> Callable[[], FixColumns]:
    """A head read back as headspill's is: the first fixes, as columns."""
    head = FixColumns(fixes)
    return lambda: head


def _shown(s: EventSession) -> dict[str, object]:
    tr = s.tracker
    now = tr.fixes_seen[-1].time + timedelta(seconds=5)
    return {
        "fixes": tr.fixes,  # read back from the columns, the head too
        "last": tr.last_fix,
        "km": tr.km,
        "days": tr.day_totals(),
        "progress": tr.progress(now),
        "snaps": [(n, st.last, st.km) for n, st in tr._snaps],
    }


def test_a_block_s_fixes_are_logged_and_held_as_with_km_s(
    tmp_path: Path, shared_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    event, clean = real_tracks.audax_at_10hz(shared_dir, tmp_path, minutes=7)
    feed = _faulty(clean[:3000]) + clean[3000:]  # 4,200 fixes: the last 1,200 clean
    cuts = [0, 1, 700, 1500, 2999, 3000, len(feed)]
    shown = {}
    for way in ("block", "fix"):
        with monkeypatch.context() as m:
            if way == "fix":  # the reference: a second Fix, made by dataclasses.replace
                m.setattr(service, "with_km", lambda f, km: dataclasses.replace(f, km=km))
            built = [0]
            with EventSession.open(event, str(tmp_path / f"{way}.sqlite")) as s:
                for a, b in itertools.pairwise(cuts):
                    if b == 3000:  # as headspill lets go of a head: the rest goes to its tail
                        assert s.tracker.forget_head(2000, _head(s.tracker.fixes[:2000]))
                    if a == 3000:
                        built = _count_builds(m)
                    if way == "block":
                        feedblock.add_feed_fixes(s, feed[a:b])
                    else:
                        for fix in feed[a:b]:
                            s.add_feed_fix(fix, prefiltered=True)
                n_built = built[0]
                m.undo()
                s.flush()
                shown[way] = _shown(s)
            if way == "block":
                # The clean tail: no Fix a fix, only each snapshot's whole last fix.
                assert n_built <= 2, n_built
            else:
                assert n_built >= 1200  # (the reference does build them: the count counts)
    rows = event_rows(tmp_path / "block.sqlite")
    assert rows == event_rows(tmp_path / "fix.sqlite")
    fix_rows = [r for r in rows if r[1] == "fix"]
    assert len(fix_rows) == len(feed)
    no_km = sum(r[6] is None for r in fix_rows)
    assert 40 <= no_km <= 60  # the faults were met: off the road (31) and late (15)
    assert shown["block"] == shown["fix"]
    assert isinstance(shown["block"]["last"], Fix) and shown["block"]["last"].km is not None
    assert len(shown["block"]["snaps"]) >= 3  # type: ignore[arg-type]  # snapshots taken after km-beside fixes


def test_the_tracker_takes_the_km_beside_a_fix_as_the_fix_at_that_km(
    tmp_path: Path, shared_dir: Path
) -> None:
    """`Tracker.add(fix, km)` and `Tracker.add(replace(fix, km=km))`: the same, a late one too
    (taken whole into the replay) and one past the route's end (clamped as its own km is)."""
    event, fixes = real_tracks.audax_at_10hz(shared_dir, tmp_path, minutes=2)
    shown = []
    for way in ("beside", "whole"):
        with EventSession.open(event, str(tmp_path / f"{way}.sqlite")) as s:
            tr = s.tracker
            for i, fix in enumerate(fixes):
                if i == 900:  # late: 5 s back, among fixes applied
                    fix = dataclasses.replace(fix, time=fix.time - timedelta(seconds=5))
                km = tr.place(fix).km + (1e6 if i == 1000 else 0.0)
                if way == "beside":
                    tr.add(fix, km)
                else:
                    tr.add(dataclasses.replace(fix, km=km))
            shown.append(_shown(s))
    assert shown[0] == shown[1]
    assert all(f.km is not None for f in shown[0]["fixes"])  # type: ignore[attr-defined]


def test_a_failed_write_hands_back_each_batched_fix_as_logged(
    shared_dir: Path, tmp_path: Path
) -> None:
    """A block's fixes wait batched as given with their km in their rows: a failed write hands
    them back with that km (the tracker finds them by equality to take them back); a fix that
    carries its own km is handed back as itself."""
    _, fixes = real_tracks.audax_at_10hz(shared_dir, tmp_path, minutes=0.2)
    batch = FixBatch(1.0, lambda: 0.0)
    kms = [1.5 + 0.01 * i for i in range(len(fixes))]
    rows = [plain_row(f, "now", km) for f, km in zip(fixes, kms, strict=True)]
    batch.extend(fixes[:-1], [r for r in rows[:-1] if r is not None])
    own = dataclasses.replace(fixes[-1], km=kms[-1])
    own_row = plain_row(own, "now")
    assert own_row is not None and own_row == rows[-1]
    batch.add(own, own_row)
    back = batch.unsaved()
    assert back == tuple(dataclasses.replace(f, km=km) for f, km in zip(fixes, kms, strict=True))
    assert back[-1] is own
    assert batch.clear() == (*fixes[:-1], own)
