"""The Tracker: fed fixes in time order, it answers what the crew sees at a given `now`.

Every update is O(1) amortised: the projection searches a window near the last km, the speed
window and the daily totals are running sums. A fix older than the last one (a checkpoint entered
late) rebuilds the state from the sorted fixes; that is rare and manual.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Callable, Iterable, MutableSequence, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from companion.core import heldfixes, runstate
from companion.core.cutoffs import Deadlines, resolve
from companion.core.days import DayLedger
from companion.core.deferred import Deferred
from companion.core.eta import (
    DEFAULT_STOP_KMH,
    DEFAULT_WINDOW_S,
    DayWindow,
    MovingWindow,
)
from companion.core.fixcolumns import FixColumns
from companion.core.fixreads import HeldFixReads
from companion.core.models import DayTotal, Deadline, Fix, Placement, Progress, with_km
from companion.core.motion import Motion, StopSpan
from companion.core.odometer import Odometer
from companion.core.pace import PaceModel
from companion.core.pace_terrain import climb_profile
from companion.core.placement import PAUSE_MIN_S, follow
from companion.core.progress import build_progress
from companion.core.rebuild import rebuild
from companion.core.riderdays import RiderLedger
from companion.core.route import DEFAULT_OFF_ROUTE_M, Route
from companion.core.runstate import (
    RunningState,
    Snapshots,
    TrackerState,
    keep_snapshot,
)
from companion.core.states import FinishWatch

_PAUSE_MIN = timedelta(seconds=PAUSE_MIN_S)
# A GPS position older than this raises a "stale" alert.
DEFAULT_STALE_S = 10 * 60.0


class Tracker(HeldFixReads):
    """Along-route progress, speeds, ETAs and daily totals for one athlete on one route."""

    def __init__(
        self,
        route: Route,
        tz: ZoneInfo | str,
        planned_kmh: float | None = None,
        *,
        start: datetime | None = None,
        max_kmh: float = 60.0,
        stop_kmh: float = DEFAULT_STOP_KMH,
        window_s: float = DEFAULT_WINDOW_S,
        off_route_m: float = DEFAULT_OFF_ROUTE_M,
        stale_s: float = DEFAULT_STALE_S,
        day_window: DayWindow | None = None,
        no_entry_s: float | None = None,
        target: tuple[float, Deadline] | None = None,
        days: str = "calendar",
    ) -> None:
        self.route = route
        self.tz = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
        self.planned_kmh = planned_kmh
        self.start = start
        self.max_kmh = max_kmh
        self.stop_mps = stop_kmh / 3.6
        self.window_s = window_s
        self.off_route_m = off_route_m
        self.stale_s = stale_s
        self.day_window = day_window  # ETAs skip the nights of a multi-day event
        # A manual entry older than this raises NO ENTRY (None: the expected time to the next town).
        self.no_entry_s = no_entry_s
        # "rider": a day runs from night halt to night halt (core/riderdays.py); "calendar".
        self.days_rule = days
        # The towns' cut-offs (a naive one is local time) and the event's target, by km.
        cut = [
            (t.km, Deadline(resolve(t.cutoff, self.tz), "cutoff")) for t in route.towns if t.cutoff
        ]
        self._deadlines = Deadlines.build([*cut, *([target] if target else [])])
        self._finish = FinishWatch(route)
        # Every fix applied, sorted by time, held as columns of numbers (core/fixcolumns.py: a
        # day of 10 Hz fixes in ~50 MB, not ~360); after `resume_tail`, the earlier ones are read
        # from the log only if something asks for them (core/deferred.py).
        self._fixes: MutableSequence[Fix] = FixColumns()
        # The athlete's km after each fix, beside it: when the finish was reached is read here.
        self._kms: MutableSequence[float] = array("d")
        self._head_us: array[int] = array("q")  # the saved times of a `resume_tail`'s head
        # The source of the last fix that was not typed: a feed's fixes share one str, and
        # `is_manual` reads only the source (see _apply).
        self._feed_source: str | None = None
        self._reset()

    def _reset(self) -> None:
        self.km = 0.0
        # The last fix applied, as it was given, and the km given beside it (None: its own).
        self._newest: Fix | None = None
        self._newest_km: float | None = None
        self._last_placement: Placement | None = None
        self._motion = Motion(self.stop_mps, self.max_kmh / 3.6, self.window_s)
        self._ledger: DayLedger | RiderLedger = (
            RiderLedger(self.tz) if self.days_rule == "rider" else DayLedger(self.tz)
        )
        self._first_time: datetime | None = None
        self._odometer = Odometer()
        self._pace = PaceModel()  # the athlete's rhythm (core/pace.py)
        # Each feed source's newest fix: (index, fix, km beside); see TrackerState.feeds.
        self._feeds: dict[str, tuple[int, Fix, float | None]] = {}
        self._typed_us: list[int] = []  # see TrackerState.typed_us
        # (number of fixes applied, state then): a late entry or an undo replays from the
        # nearest one before it instead of from the first fix of the event.
        self._snaps: Snapshots = []

    def _save(self) -> TrackerState:
        return TrackerState(
            self.km, self._last, self._last_placement, self._motion.copy(), self._ledger.copy(),
            self._first_time, self._odometer.copy(), self._pace.copy(), dict(self._feeds),
            tuple(self._typed_us),
        )  # fmt: skip

    def _load(self, st: TrackerState) -> None:
        self.km, self._last, self._last_placement = st.km, st.last, st.placement
        self._motion, self._ledger = st.motion.copy(), st.days.copy()
        self._first_time = st.first_time
        self._odometer = st.odometer.copy()
        self._pace = st.pace.copy()
        self._feeds = dict(st.feeds)
        self._typed_us = list(st.typed_us)

    # The motion model's state under the names the rest of the tracker reads.
    @property
    def _window(self) -> MovingWindow:
        return self._motion.window

    @property
    def _last_moving(self) -> bool:
        return self._motion.moving

    @property
    def _stopped_since(self) -> datetime | None:
        return self._motion.stopped_since

    @property
    def _moving_s_total(self) -> float:
        return self._motion.moving_s_total

    # --- feeding --------------------------------------------------------------------------------
    @property
    def _last(self) -> Fix | None:
        """The last fix applied, whole: with the km it was given beside it, if it was (built
        when read, not on every fix of a feed's block path; core/progress.py reads it here)."""
        fix, km = self._newest, self._newest_km
        return fix if km is None or fix is None else with_km(fix, km)

    @_last.setter
    def _last(self, fix: Fix | None) -> None:
        self._newest, self._newest_km = fix, None

    @property
    def last_fix(self) -> Fix | None:
        return self._last

    @property
    def last_time(self) -> datetime | None:
        """The time of the last fix applied (no fix built)."""
        newest = self._newest
        return None if newest is None else newest.time

    @property
    def stopped_since(self) -> datetime | None:
        """When the current stop began (GPS or the crew's "stop" mark); None while moving."""
        return self._stopped_since

    @property
    def stopped_by(self) -> str | None:
        """Who says the athlete is stopped: "crew" (a "stop" mark), "gps", or None (moving)."""
        return self._motion.stopped_by

    def stop_spans(self) -> list[StopSpan]:
        """Every stop so far as the motion saw it (core/stops.py builds the ledger from them)."""
        return self._motion.stop_spans()

    def moving_between(self, t0: datetime, t1: datetime) -> float:
        """Moving seconds credited from `t0` to `t1` (to about a minute): a shift's moving time."""
        return max(self._motion.moving_until(t1) - self._motion.moving_until(t0), 0.0)

    @property
    def estimated_s_total(self) -> float:
        """The part of the moving time filled in at the planned speed (not measured)."""
        return self._motion.estimated_s_total

    def add(self, fix: Fix, km_beside: float | None = None) -> Placement:
        """Take one fix. Returns where it fell; an off-route fix does not move the athlete.

        `km_beside`: where the fix fell, given beside it (a feed's block path, which so builds
        no second Fix a fix): as adding `with_km(fix, km_beside)`. None: the fix's own km.
        """
        newest = self._newest
        if newest is not None and fix.time < newest.time:
            if km_beside is not None:
                fix = with_km(fix, km_beside)  # late: rare, and replayed as a whole fix
            i = bisect.bisect_right(self._times, fix.time, self._lo(fix.time))
            self._fixes.insert(i, fix)
            self._kms.insert(i, 0.0)  # set by the replay
            placed = self._replay_from(i, target=fix)
            assert placed is not None
            return placed
        fixes = self._fixes
        if km_beside is None:
            fixes.append(fix)
        else:  # into the columns with the km beside (those of a Deferred's tail if held so)
            # (The columns themselves asked first: isinstance of an ABC that fails runs
            # ABCMeta.__instancecheck__'s Python frame, ~1.3k instructions a fix.)
            cols = fixes if type(fixes) is FixColumns or not isinstance(fixes, Deferred) else (
                fixes.held
            )  # fmt: skip
            if isinstance(cols, FixColumns):
                cols.append(fix, km_beside)
            else:
                fixes.append(with_km(fix, km_beside))
        kms = self._kms
        placed = self._apply(fix, len(kms), km_beside)
        kms.append(self.km)
        if self.km >= self._finish.from_km:  # at the finish: its time carried on, not scanned
            self._finish.appended(self._times, kms)
        # One km beside each fix: its length is the fixes' (a C call, FixColumns' is Python's).
        # Asked here, not in keep_snapshot: 999 fixes of 1000 take no copy, so make no call.
        if not len(kms) % runstate.SNAPSHOT_EVERY:
            self._maybe_snapshot(len(kms))
        return placed

    def remove(self, fix: Fix) -> bool:
        """Take back one fix (an undone entry); False if it is not here."""
        # From the newest of that time back: equal times are held in the log's order and an undo
        # takes back the newest (two "stop"s typed for one minute are equal as values).
        times, lo = self._times, self._lo(fix.time, strict=True)
        i = bisect.bisect_right(times, fix.time, lo) - 1
        while i >= lo and times[i] == fix.time:
            if self._fixes[i] == fix:
                del self._fixes[i]
                del self._kms[i]
                self._replay_from(i)
                return True
            i -= 1
        return False

    def running_state(self, copy: bool = True) -> RunningState:
        """The state after every fix so far, to be saved (core/heldfixes.py)."""
        return heldfixes.running_state(self, copy)

    def resume_tail(
        self, saved: RunningState, tail: list[Fix], head: Callable[[int], Sequence[Fix]]
    ) -> None:
        """Resume from a saved state and apply `tail`; `head(k)` reads the first k if asked."""
        heldfixes.resume_tail(self, saved, tail, head)

    def forget_head(self, k: int, head: Callable[[], Sequence[Fix]]) -> bool:
        """Hold the first `k` fixes no more; `head()` reads them back if asked."""
        return heldfixes.forget_head(self, k, head)

    def rebuild(self, fixes: Iterable[Fix]) -> None:
        """Replace all state by replaying `fixes` (sorted by time here, as they stream past:
        a whole log is not held at once, core/rebuild.py)."""
        rebuild(self, fixes)

    def _replay_from(self, i: int, target: Fix | None = None) -> Placement | None:
        """Bring the state up to date after the fixes from index `i` on changed."""
        while self._snaps and self._snaps[-1][0] > i:
            self._snaps.pop()
        if self._snaps:
            n, state = self._snaps[-1]
            snaps = self._snaps
            self._load(state)
        else:
            n, snaps = 0, []
            self._reset()
        self._snaps = snaps
        placed: Placement | None = None
        for j in range(n, len(self._fixes)):
            f = self._fixes[j]
            p = self._apply(f, j)
            self._kms[j] = self.km
            if j == i and target is not None:  # it was put at `i` (read back, not the same object)
                placed = p
            self._maybe_snapshot(j + 1)
        return placed

    def _maybe_snapshot(self, applied: int) -> None:
        self._snaps = keep_snapshot(self._snaps, applied, self._save)  # core/runstate.py

    def place(self, fix: Fix) -> Placement:
        """Where a position falls: near the last km, as far as max_kmh allows (core/placement)."""
        # The athlete's speed now decides between two passes of the same road at a turnaround.
        if fix.speed_mps is not None:
            expect_kmh = fix.speed_mps * 3.6
        else:
            expect_kmh = (self._window.speed_kmh() or 0.0) if self._last_moving else 0.0
        placed = follow(
            self.route, fix, km=self.km, last=self._newest, last_placement=self._last_placement,
            max_kmh=self.max_kmh, expect_kmh=expect_kmh, off_route_m=self.off_route_m,
            cadence_s=self._cadence_s(fix),
        )  # fmt: skip
        # On a town-to-town leg a GPS feed's distance moved beats the place between the towns
        # (refine's own first test, asked here: a traced route makes no call a fix).
        if not self.route.town_to_town:
            return placed
        return self._odometer.refine(self.route, fix, placed)

    def _cadence_s(self, fix: Fix) -> float | None:
        """The feed's rate when `fix` comes after a gap that may be a pause (core/placement's
        `follow`); None otherwise: one comparison on a steady feed."""
        last = self._newest
        if last is None or fix.time - last.time <= _PAUSE_MIN:
            return None
        return self._motion.cadence_s()

    def _apply(self, fix: Fix, at: int, km_beside: float | None = None) -> Placement:
        """Apply `fix`, the fix at index `at` of the fixes held (sorted by time)."""
        if fix.mark and self._newest is not None:
            # The crew's stop/go is said where the athlete is: at the km of the position before
            # it as the log now stands (a checkpoint typed in late before it moves the mark too;
            # the km it was logged with would put the total back).
            p = Placement(self.km, 0.0, -1, False)
        elif (km := fix.km if km_beside is None else km_beside) is not None:
            # In range, as a feed fix's km is: that number itself, as min(max(...)) gives it.
            end = self.route.length_km
            p = Placement(km if 0.0 <= km <= end else min(max(km, 0.0), end), 0.0, -1, False)
        else:
            p = self.place(fix)
        self._last_placement = p
        if self.route.town_to_town:  # update's own first test, asked here: no call a GPS fix
            self._odometer.update(self.route, fix, p)
        prev = self._newest  # its time and source only: the km beside it does not matter
        self._newest, self._newest_km = fix, km_beside
        if self._first_time is None:
            self._first_time = self.start if self.start and self.start < fix.time else fix.time
            # The athlete starts at the start of the route: the first day counts from km 0.
            self._ledger.day(self._first_time).first_time = self._first_time
        # Not typed when from the feed's own source object (no property call and string tests
        # on every fix of a feed). Each fix is held, off the route or not: so is it here.
        source = fix.source
        manual = source is not self._feed_source and fix.is_manual
        t1 = fix.time
        if not manual:
            self._feed_source = source
            self._feeds[source] = (at, fix, km_beside)
        else:
            self._typed_us.append(runstate.to_us(t1))
        if p.off_route:
            return p  # flagged, not snapped: progress stays where it was
        k0, k1 = self.km, p.km
        t0 = prev.time if prev is not None else self._first_time
        self.km = k1
        planned_mps = self.planned_kmh / 3.6 if self.planned_kmh else None
        # (Positional: every fix makes this call; speed_mps, manual, mark, planned_mps.)
        credits = self._motion.step(t0, k0, t1, k1, fix.speed_mps, manual, fix.mark, planned_mps)
        # The day that reached this one overnight began at midnight if the athlete moved (the
        # credits are in time order, so only the last can be this interval's).
        # (A credit: t0, t1, moving_s, estimated, dist_m, measured, span_s; core/motion.py.)
        progressed = bool(credits) and credits[-1][1] == t1 and credits[-1][2] > 0
        ledger, pace, tz = self._ledger, self._pace, self.tz
        ledger.book_km(t0, k0, t1, k1, progressed)
        # Between two typed entries (a town typed seconds after a GPS fix is no interval).
        typed = manual and prev is not None and prev.is_manual
        for c0, c1, moving_s, estimated, dist_m, measured, span_s in credits:
            ledger.book_moving(c0, c1, moving_s, estimated)
            pace.add_credit(
                c0, c1, moving_s, dist_m / 1000.0, measured, tz, typed and c1 == t1, span_s
            )
        climbs, model = self._pace.climbs, self._pace  # a stretch covered (core/pace_climbfit)
        if k1 >= climbs.next_km:
            climbs.close(k1, model.moving_s, model.unmeasured_s, climb_profile(self.route))
        return p

    # --- answering ------------------------------------------------------------------------------
    def day_totals(self) -> tuple[DayTotal, ...]:
        return self._ledger.totals()

    def day_of(self, t: datetime) -> date:
        """The day of the days table that `t` falls in (a rider-day past midnight keeps its
        date)."""
        return self._ledger.day_of(t)

    def finished_at(self) -> datetime | None:
        """When the athlete reached the finish (None until they have)."""
        return self._finish.reached_at(self._times, self._kms)

    def progress(self, now: datetime) -> Progress:
        """Everything the crew sees at `now` (an aware datetime; nothing here reads a clock)."""
        return build_progress(self, now)  # core/progress.py
