"""A full replay streams the log through a reorder buffer (core/rebuild.py, issue 11): the state is
the sorted replay's whatever the order the fixes come in, and a whole log is never held at once.

Real parts: the Hokkaido day (a real ride) as its own route and its recorded points as the feed,
a real SQLite log through EventSession. The reference is independent of the buffer: a fresh
Tracker fed the same fixes sorted by time (a stable sort: equal times in the order given), one
`add` each, as they would have come live in order.
"""

from __future__ import annotations

import gc
import random
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from helpers.real_tracks import HOKKAIDO_DAY1, fixes, load_real_track

from companion import logreads
from companion.core import rebuild
from companion.core.deferred import Deferred
from companion.core.models import Fix
from companion.core.route import Route
from companion.core.tracker import Tracker
from companion.formats import load_route
from companion.service import EventSession

TZ = "Asia/Tokyo"


@pytest.fixture(scope="module")
def route(shared_dir: Path) -> Route:
    return load_route(shared_dir / HOKKAIDO_DAY1)


@pytest.fixture(scope="module")
def feed(shared_dir: Path) -> list[Fix]:
    """The day's first 3,000 points (~50 min of the ride, one every ~1 s)."""
    return fixes(load_real_track(shared_dir / HOKKAIDO_DAY1), source="nmea")[:3000]


def _event(tmp_path: Path, shared_dir: Path) -> Path:
    event = tmp_path / "hokkaido.toml"
    event.write_text(
        f'name = "Hokkaido"\nathlete = "N"\nroute = "{shared_dir / HOKKAIDO_DAY1}"\n'
        f'timezone = "{TZ}"\nplanned_kmh = 18\n'
    )
    return event


def _tracker(route: Route) -> Tracker:
    return Tracker(route, TZ, 18.0, max_kmh=60.0)


def _same(a: Tracker, b: Tracker) -> None:
    assert list(a.fixes) == list(b.fixes)
    assert a.km == b.km
    assert a.day_totals() == b.day_totals()
    now = a.fixes[-1].time + timedelta(minutes=5)
    assert a.progress(now) == b.progress(now)


def _in_order(route: Route, given: list[Fix]) -> Tracker:
    ref = _tracker(route)
    for f in sorted(given, key=lambda f: f.time):
        ref.add(f)
    return ref


def _scrambled(feed: list[Fix], seed: int) -> list[Fix]:
    """The feed with 20 fixes moved later in the stream by up to ~10 min of fix time, and three
    typed checkpoints at the very time of a GPS fix, come at the end (equal times keep the
    order given)."""
    rng = random.Random(seed)
    out = list(feed)
    for _ in range(20):
        i = rng.randrange(len(out))
        fix = out.pop(i)
        later = i + rng.randrange(1, 600)
        out.insert(min(later, len(out)), fix)
    for i in rng.sample(range(len(feed) // 2, len(feed)), 3):
        at = feed[i]
        out.append(Fix(at.time, at.lat, at.lon, source="manual", label="here"))
    return out


@pytest.mark.parametrize("window_s", [rebuild.REORDER_S, 120.0])
def test_any_order_gives_the_sorted_replay(
    route: Route, feed: list[Fix], window_s: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 120 s: most of the moved fixes are later than the buffer and take add's late path.
    monkeypatch.setattr(rebuild, "REORDER_S", window_s)
    given = _scrambled(feed, seed=int(window_s))
    assert given != sorted(given, key=lambda f: f.time)  # the test has something to sort
    fresh = _tracker(route)
    fresh.rebuild(given)
    _same(fresh, _in_order(route, given))
    again = _tracker(route)
    again.rebuild(iter(given))  # a one-pass stream, as the log gives it
    _same(again, fresh)


def test_the_buffer_bound_holds_when_times_do_not_move(
    route: Route, feed: list[Fix], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Fixes all at one second (a receiver whose clock stuck): the count bound applies them.
    monkeypatch.setattr(rebuild, "REORDER_MAX", 100)
    t = feed[0].time
    given = [Fix(t, f.lat, f.lon, source="nmea") for f in feed[:1000]]
    fresh = _tracker(route)
    fresh.rebuild(given)
    _same(fresh, _in_order(route, given))


def test_a_whole_log_is_not_held_at_once(
    route: Route, feed: list[Fix], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counted in Fix objects alive while the stream is read: the buffer's, not the log's."""
    monkeypatch.setattr(rebuild, "REORDER_S", 300.0)  # 300 fixes at 1 Hz
    points = [(f.lat, f.lon) for f in feed]
    made = 2 * len(points)  # the points there and again, one a second
    t0 = feed[0].time
    gc.collect()
    before = sum(isinstance(o, Fix) for o in gc.get_objects())
    alive: list[int] = []

    def stream() -> Iterator[Fix]:
        for n in range(made):
            lat, lon = points[n if n < len(points) else made - 1 - n]
            yield Fix(t0 + timedelta(seconds=n), lat, lon, source="nmea")
            if n in (made // 2, made - 2):
                alive.append(sum(isinstance(o, Fix) for o in gc.get_objects()) - before)

    fresh = _tracker(route)
    fresh.rebuild(stream())
    assert len(fresh.fixes) == made
    # The buffer's 300 and a few the tracker keeps (its last fix, each snapshot's): not 6,000.
    bound = 300 + made / 1000 + 50
    assert len(alive) == 2 and max(alive) < bound, (alive, bound, made)


def test_reopening_a_log_without_its_saved_state_streams_it(
    tmp_path: Path, shared_dir: Path, feed: list[Fix]
) -> None:
    """Late typed entries, an edit and an undo in a real log; its saved state dropped (as after
    an upgrade of the core): reopened, the state is the live session's."""
    event = _event(tmp_path, shared_dir)
    with EventSession.open(event) as s:
        zone = s.event.zone
        for i, f in enumerate(feed):
            s.add_feed_fix(f, now=f.time)
            if i in (600, 1200):  # a checkpoint typed 20 min late, then one typed and undone
                at = feed[i - 240].time.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S")
                s.checkpoint("km 3" if i == 600 else "km 6", at, f.time, force=True)
        assert s.undo() is not None
        # The first checkpoint's time moved 10 min earlier.
        moved = (feed[360].time - timedelta(minutes=10)).astimezone(zone)
        s.edit_last_time(moved.strftime("%Y-%m-%dT%H:%M:%S"), feed[-1].time, force=True)
        s.flush()
        live = s.tracker
        at_end = feed[-1].time + timedelta(minutes=1)
        want = (list(live.fixes), live.km, live.day_totals(), live.progress(at_end))
        assert sum(f.is_manual for f in want[0]) == 1
    db = next(tmp_path.rglob("*.sqlite"))
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM tracker_state2")
    with EventSession.open(event) as s:
        t = s.tracker
        assert (list(t.fixes), t.km, t.day_totals(), t.progress(at_end)) == want


def test_sorted_columns_is_the_stable_sort(feed: list[Fix]) -> None:
    given = _scrambled(feed, seed=7)
    cols = rebuild.sorted_columns(iter(given))
    assert list(cols) == sorted(given, key=lambda f: f.time)
    in_order = rebuild.sorted_columns(feed)
    assert list(in_order) == feed


def test_a_head_read_back_is_columns_not_every_fix_at_once(
    tmp_path: Path, shared_dir: Path, feed: list[Fix], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reopened event's head (core/deferred.py), read back when an entry is typed in among
    it, holding a checkpoint typed late itself: the fixes are the full replay's, and while the
    log is read only a few Fix objects are alive at once, not the head's 2,000."""
    event = _event(tmp_path, shared_dir)
    with EventSession.open(event) as s:
        zone = s.event.zone
        for i, f in enumerate(feed[:2500]):
            s.add_feed_fix(f, now=f.time)
            if i == 900:  # typed 5 min late: out of order in the log
                at = feed[600].time.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S")
                s.checkpoint("km 2", at, f.time, force=True)
    alive: list[int] = []
    real_stream = logreads.fix_stream

    def counting(*args: object, **kwargs: object) -> Iterator[tuple[int, Fix]]:
        gc.collect()
        before = sum(isinstance(o, Fix) for o in gc.get_objects())
        for n, item in enumerate(real_stream(*args, **kwargs)):  # type: ignore[arg-type]
            yield item
            if n in (1000, 2400):
                alive.append(sum(isinstance(o, Fix) for o in gc.get_objects()) - before)

    with EventSession.open(event) as s:
        assert isinstance(s.tracker.fixes_seen, Deferred)  # reopened from its state
        monkeypatch.setattr(logreads, "fix_stream", counting)
        # Before the state's back snapshot (at 1,000 fixes): among the head, read back.
        at = feed[300].time.astimezone(s.event.zone).strftime("%Y-%m-%dT%H:%M:%S.%f")
        s.checkpoint("km 1", at, feed[2499].time, force=True)
        monkeypatch.undo()
        assert len(alive) == 2 and max(alive) < 100, alive
        got = (list(s.tracker.fixes), s.tracker.km, s.tracker.day_totals())
        want_fixes = [f for _id, f in s.logbook.effective_fixes()]
    assert got[0] == want_fixes
    db = next(tmp_path.rglob("*.sqlite"))
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM tracker_state2")
    with EventSession.open(event) as full:
        assert (list(full.tracker.fixes), full.tracker.km, full.tracker.day_totals()) == got
