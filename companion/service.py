"""One open event: its route, its logbook and a Tracker rebuilt from the log.

The CLI and the dashboard both go through this, so a checkpoint typed in either is parsed,
checked, committed to the log and only then applied to the tracker, in the same way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Generator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import NamedTuple, Self
from zoneinfo import ZoneInfo

from companion.core.eta import DayWindow
from companion.core.models import Deadline, Fix, PositionError, Progress
from companion.core.models import with_km as with_km  # add_feed_fix's (a test patches it here)
from companion.core.rebuild import rebuilding
from companion.core.route import Route
from companion.core.tracker import Tracker
from companion.edit_check import check_new_entry, check_new_time
from companion.event import Event, EventError, load_event
from companion.event_route import load_event_route
from companion.eventlog import LogPlace, find_event_log
from companion.logbook import Logbook, NotSaved
from companion.logrows import set_aside_alert
from companion.reopen import resume_from_state
from companion.sources.base import FeedState, FeedStatus, Source
from companion.sources.filters import PlausibilityFilter
from companion.sources.manual import parse_position, parse_time
from companion.sources.replay import ReplaySource
from companion.targets import target_deadline

# The crew's word about motion (Fix.mark) and the label it is logged with.
MARK_LABELS = {"stop": "stopped", "go": "going"}


def _hm(t: datetime, zone: ZoneInfo) -> str:
    return t.astimezone(zone).strftime("%a %H:%M")


class FeedResult(NamedTuple):
    """What happened to one fix from a feed (a NamedTuple: a frozen dataclass cost ~1 us a fix
    to build, issue 11)."""

    fix: Fix
    accepted: bool
    reason: str | None = None
    off_route: bool = False
    saved: bool = True  # False: the log could not be written (see EventSession.not_saving)


class EventSession:
    """An event opened for reading and (unless read-only) for logging."""

    def __init__(
        self, event: Event, route: Route, logbook: Logbook, db_path: Path, *, replay: bool = True
    ) -> None:
        self.event = event
        self.route = route
        self.logbook = logbook
        self.db_path = db_path
        self.tracker = Tracker(
            route,
            event.zone,
            event.planned_kmh,
            start=event.start,
            max_kmh=event.max_kmh,
            stale_s=event.stale_min * 60.0,
            day_window=DayWindow(*hours, event.zone) if (hours := event.day_window) else None,
            no_entry_s=event.no_entry_min * 60.0 if event.no_entry_min is not None else None,
            target=_target(event, route),
            days=event.days,
        )
        self.filter = PlausibilityFilter(event.max_kmh)
        self.filter.tz = event.zone  # its reasons are shown on the feed line
        self._feed_state: tuple[FeedState, str] | None = None  # the last one logged
        self._feed_seen: tuple[FeedState, str] | None = None  # the last one reported
        # Why the log cannot be written now ("disk full"); None while it saves (issue 10 F3).
        # What could not be saved is not shown: the tracker holds only what the log holds.
        self.not_saving: str | None = None
        # Feed fixes given to the log by this session and not lost with a failed write since.
        self.feed_fixes_logged = 0
        # Said once to the crew: where an old log was carried over from (eventlog.py).
        self.log_note: str | None = None
        # False until the log is replayed: the dashboard shows its frame first (issue 11).
        self.replayed = False
        # Changes to the past (an undo, an edit, an entry typed in before the last position):
        # each makes a state saved before it useless (companion/statekeep.py saves anew).
        self.amended = 0
        # (the newest row id, the fixes up to it) of the saved state the replay resumed from.
        self.resumed_at: tuple[int, int] | None = None
        self.read_whole = 0  # the fixes a replay of the whole log read (0: none, or resumed)
        if replay:
            self.replay()

    @classmethod
    def open(
        cls,
        event_path: Path | str,
        db_path: Path | str | None = None,
        readonly: bool = False,
        *,
        replay: bool = True,
    ) -> EventSession:
        """Load the event file and its route, open the log and replay it (`replay=False`: the
        caller runs `replay()` later, before anything reads or writes the event)."""
        event = load_event(event_path)
        route = load_event_route(event)
        # The log beside the event file (eventlog.py), an old-rule log carried over once.
        place = LogPlace(Path(db_path)) if db_path is not None else find_event_log(event.path)
        db = place.path
        # A reader of an event nobody has logged yet sees an empty log, not an error.
        logbook = Logbook.open(db, readonly=readonly and db.exists(), event_name=event.name)
        session = cls(event, route, logbook, db, replay=replay)
        session.log_note = place.message
        return session

    def replay(self) -> None:
        """Rebuild the tracker from the log: every fix not undone, with edits applied. From the
        state saved with the log when it still fits (companion/trackstate.py): then only the
        fixes after it are read and applied (companion/reopen.py)."""
        for _read in self.replaying():
            pass

    def replaying(self, every: int = 10_000) -> Generator[int, None, None]:
        """`replay` in pieces: where no saved state fits (the first opening after an upgrade,
        a log from before states), every `every` fixes of the whole log it says how many were
        read, so a screen can stay live (and be quit) through it. Closed part way, the session
        is not replayed: its tracker holds part of the log, and no state is saved from it."""
        self.resumed_at = resume_from_state(self.logbook, self.tracker)
        if self.resumed_at is None:  # the log streamed, not held at once (issue 11)
            stream = self.logbook.fix_stream()
            try:
                yield from rebuilding(self.tracker, stream, every)
            finally:
                stream.close()  # closed part way: its read of the log ends here
            self.read_whole = len(self.tracker.fixes_seen)
        # The feed's filter goes on from this car's own last GPS fix, not another car's
        # ("gpsd@car2", issue 12): its next fix is judged against what its own feed sent.
        self.filter.last = self.tracker.newest_feed_fix(_own_gps)
        self.replayed = True

    # --- reading --------------------------------------------------------------------------------
    def now(self, wall: datetime) -> datetime:
        """The event's clock when no feed is running: the wall clock `wall`, except for an
        event whose latest feed fix came from a replay. A replay's clock stands still while it
        is not playing, at the latest fix in the log (its rebased or recorded times may be
        hours or years from the wall), so `status`, `summary` and the dashboard agree."""
        feed = self.filter.last
        last = self.tracker.last_fix
        if feed is None or feed.source != ReplaySource.kind or last is None:
            return wall
        return last.time

    def clock(self, source: Source | None, wall: Callable[[], datetime]) -> Callable[[], datetime]:
        """The clock to show this event on: a replay's own while a replay drives it (attached
        here, so a resumed replay's clock starts where the log left off), else `now(wall())`."""
        if isinstance(source, ReplaySource):
            self.attach(source)
            return source.virtual_now
        return lambda: self.now(wall())

    def progress(self, now: datetime) -> Progress:
        p = self.tracker.progress(now)
        if self.logbook.set_aside:  # the replay left out rows it could not read: say so
            p = replace(p, alerts=(*p.alerts, set_aside_alert(self.logbook.set_aside)))
        if self.not_saving is not None:
            p = replace(p, alerts=(f"NOT SAVING: {self.not_saving}", *p.alerts))
        return p

    # --- manual entries -------------------------------------------------------------------------
    def checkpoint(
        self, text: str, time_text: str | None, now: datetime, *, force: bool = False
    ) -> Fix:
        """Parse what the crew typed, commit it to the log, then apply it.

        Raises PositionError; ImplausibleEntry (unless `force`) when reaching it from the last
        position would need more than the event's maximum speed (a mistyped town, usually).
        """
        at = parse_time(time_text, now, self.event.zone)
        if self.event.start is not None and at < self.event.start:
            shown = self.event.start.astimezone(self.event.zone).strftime("%Y-%m-%d %H:%M")
            raise PositionError(f"time is before the event's start ({shown})")
        last_km = self._km_before(at)
        fix = parse_position(text, self.route, last_km, at)
        if not force:
            self._check_plausible(fix)
        self._save(fix)
        last_t = self.tracker.last_time
        self.amended += last_t is not None and fix.time < last_t
        self.tracker.add(fix)
        return fix

    def mark(self, kind: str, time_text: str | None, now: datetime) -> Fix:
        """Log the crew's word: the athlete rests from this time ("stop") or is on the move again
        ("go"). A manual fix at the km reached then, so undo takes it back like a checkpoint.

        Raises:
            PositionError: a bad time, before the start or after the finish, or (for the newest
                entry) a "stop" while the crew's stop stands or a "go" while not stopped.
        """
        if kind not in MARK_LABELS:
            raise ValueError(f"mark {kind!r}: 'stop' or 'go'")
        zone = self.event.zone
        at = parse_time(time_text, now, zone)
        if self.event.start is not None and at < self.event.start:
            shown = self.event.start.astimezone(zone).strftime("%Y-%m-%d %H:%M")
            raise PositionError(f"time is before the event's start ({shown})")
        p = self.tracker.progress(max(at, now))
        last = self.tracker.last_fix
        if p.finished_at is not None and at >= p.finished_at:
            raise PositionError(f"the athlete finished at {_hm(p.finished_at, zone)}")
        if last is None or at >= last.time:  # the newest entry: the state now must allow it
            if kind == "stop" and p.stopped_by == "crew" and p.stopped_since is not None:
                raise PositionError(
                    f"already stopped since {_hm(p.stopped_since, zone)} (the crew said so); "
                    "go when the athlete is moving again"
                )
            if kind == "go" and p.stopped_since is None:
                raise PositionError("not stopped: the athlete is already on the move")
        km = self._km_before(at)
        km = 0.0 if km is None else km
        pos = self.route.point_at(km)
        fix = Fix(at, pos.lat, pos.lon, km=km, label=MARK_LABELS[kind], mark=kind)
        self._save(fix)
        self.amended += last is not None and at < last.time
        self.tracker.add(fix)
        return fix

    def _save(self, fix: Fix) -> None:
        """Commit a manual entry (with the feed's batch). NotSaved: the caller says so."""
        try:
            self.logbook.append_fix(fix, commit=True)
        except NotSaved as e:
            self._not_saved(e)
            raise
        self.not_saving = None

    def _not_saved(self, e: NotSaved) -> None:
        """A write failed: say so, and take back the batched fixes lost with it (shown, never
        saved), so the screen shows only what the log holds."""
        self.not_saving = e.reason
        self.feed_fixes_logged -= len(e.unsaved)
        for fix in reversed(e.unsaved):  # newest first: each removal replays the least
            self.tracker.remove(fix)

    def _check_plausible(self, fix: Fix) -> None:
        tr = self.tracker
        last = tr.last_fix
        # Before any entry the athlete is at km 0 at the start time, if the event has one.
        since = last.time if last is not None else self.event.start
        check_new_entry(fix, since, tr.km, max_kmh=self.event.max_kmh, tz=self.event.zone)

    def _km_before(self, at: datetime) -> float | None:
        """The km the athlete had reached at time `at` ("+5" counts from there)."""
        last = self.tracker.last_fix_at(at)
        if last is None:
            return None
        return last.km if last.km is not None else self.tracker.km

    def undo(self) -> Fix | None:
        """Undo the last manual entry (logged as an undo event); None if there is none."""
        try:
            fix = self.logbook.undo_last_manual()
        except NotSaved as e:
            self._not_saved(e)
            raise
        self.amended += fix is not None
        if fix is not None and not self.tracker.remove(fix):
            self.replay()  # not found as logged: rebuild rather than guess
        return fix

    def edit_last_time(self, time_text: str, now: datetime, *, force: bool = False) -> Fix:
        """Change the time of the last manual entry (logged as an edit event).

        Raises PositionError; ImplausibleEntry (unless `force`) when at the new time the entry
        would be out of km order with the positions around it, or need more than `max_kmh`.
        """
        at = parse_time(time_text, now, self.event.zone)
        if self.event.start is not None and at < self.event.start:
            shown = self.event.start.astimezone(self.event.zone).strftime("%Y-%m-%d %H:%M")
            raise PositionError(f"time is before the event's start ({shown})")
        found = self.logbook.last_manual_fix()
        if found is None:
            raise PositionError("nothing to change: no manual entry in the log")
        fix_id, old = found
        if not force:
            tracker = self.tracker
            zone, start = self.event.zone, self.event.start
            fixes = tracker.fixes_seen  # a day of 10 Hz fixes is not built for a bisection
            check_new_time(fixes, old, at, max_kmh=tracker.max_kmh, tz=zone, start=start)
        try:
            fix = self.logbook.edit_time(fix_id, at)
        except NotSaved as e:
            self._not_saved(e)
            raise
        self.amended += 1
        if self.tracker.remove(old):
            self.tracker.add(fix)
        else:
            self.replay()
        return fix

    # --- feeds ----------------------------------------------------------------------------------
    def attach(self, source: Source) -> None:
        """Make a feed use this event's plausibility filter, seeded from the log, so the first
        fix after a restart is judged against the last one logged (and no fix is judged twice).
        A replay carries on after what it logged before (`ReplaySource.resume`)."""
        source.plausibility = self.filter
        source.when_committed, source.commit_now = self.logbook.when_committed, self.flush
        source.held_at = self.tracker.fixes_at
        if isinstance(source, ReplaySource):
            source.resume(self.tracker.fixes)

    def add_feed_fix(
        self, fix: Fix, now: datetime | None = None, *, prefiltered: bool = False
    ) -> FeedResult:
        """Filter (unless an attached source already did), log (batched: at most a second at
        risk), then apply one fix from a feed.

        While the log cannot be written (`not_saving`), each fix is committed alone, as a probe:
        the first that is saved ends the outage (batching again); one that is not is not shown.
        """
        reason = None if prefiltered else self.filter.check(fix, now)
        if reason is not None:
            return FeedResult(fix, False, reason)
        placed = self.tracker.place(fix)
        last = self.tracker.last_fix
        # A buffered fix sent late (a phone back online) is placed where it falls in time, by
        # the tracker's replay from the fix before it: placed from the newest one it could land
        # km ahead on a route that passes near itself.
        late = last is not None and fix.time < last.time
        if not placed.off_route and not late:
            # Logged with where it fell, so reopening the event replays without projecting
            # every fix again (4 s -> 1 s for a day of 1 Hz fixes) and lands exactly here.
            fix = with_km(fix, placed.km)
        return self._log_feed_fix(fix, placed.off_route)

    def _log_feed_fix(self, fix: Fix, off_route: bool) -> FeedResult:
        """A placed feed fix: logged (batched, or alone while not saving), then applied."""
        self.feed_fixes_logged += 1
        try:
            self.logbook.append_fix(fix, commit=self.not_saving is not None)
        except NotSaved as e:
            if not any(f is fix for f in e.unsaved):
                self.feed_fixes_logged -= 1  # committed alone, not in the batch
            self._not_saved(e)  # takes back the batch, this fix too if it was in it
            return FeedResult(fix, True, None, off_route, saved=False)
        self.not_saving = None
        self.tracker.add(fix)
        return FeedResult(fix, True, None, off_route)

    def log_feed_status(self, status: FeedStatus) -> bool:
        """Log a feed's state change (not its counters ticking); True if it was a change.

        A change the log could not take is logged with a later report (issue 10 F3: a feed
        must not stop because the disk is full).
        """
        key = (status.state, status.detail if status.state is FeedState.LOST else "")
        changed = key != self._feed_seen
        self._feed_seen = key
        if key != self._feed_state:
            try:
                self.logbook.log_feed_status(
                    status.state.value, status.detail, source=status.source
                )
            except NotSaved as e:
                self._not_saved(e)
            else:
                self._feed_state = key
                self.not_saving = None
        return changed

    def flush(self) -> None:
        """Write the feed's batch; a failure is `not_saving`, not an exception (the caller's
        timer goes on, and the next fix probes the disk again)."""
        try:
            if self.logbook.flush():
                self.not_saving = None
        except NotSaved as e:
            self._not_saved(e)

    def close(self) -> None:
        if self.logbook.closed:  # closed twice (the app on quit, then its owner): nothing to do
            return
        self.flush()  # a batch the full disk refuses at the end is lost, as it would be anyway
        if self.not_saving is None and self.replayed:
            # The next opening replays only what comes after this (a cache: failing is fine).
            with contextlib.suppress(NotSaved):
                self.logbook.save_state(self.tracker)
        self.logbook.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _own_gps(fix: Fix) -> bool:
    return not fix.is_manual and "@" not in fix.source


def _target(event: Event, route: Route) -> tuple[float, Deadline] | None:
    """The event's target on its route: a town's name is checked here, where the towns are known."""
    if event.target is None:
        return None
    try:
        km, _name, deadline = target_deadline(event.target, route, event.zone)
    except ValueError as e:
        raise EventError(f"{event.path}: target: {e}") from None
    return km, deadline
