"""The Tracker: fed fixes in time order, it answers what the crew sees at a given `now`.

Every update is O(1) amortised: the projection searches a window near the last km, the speed
window and the daily totals are running sums. A fix older than the last one (a checkpoint entered
late) rebuilds the state from the sorted fixes; that is rare and manual.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from companion.core.eta import (
    DEFAULT_STOP_KMH,
    DEFAULT_WINDOW_S,
    DayWindow,
    MovingWindow,
    choose_speed,
    eta,
)
from companion.core.models import DayTotal, Fix, Placement, Progress, TownAhead
from companion.core.route import DEFAULT_OFF_ROUTE_M, Route

# An interval between two fixes that crosses local midnight and is shorter than this is split
# between the days in proportion to time (the athlete was riding through the night). A longer
# one is the overnight halt: the crew enters the morning's first position, and all of that
# progress belongs to the new day.
SPLIT_GAP_S = 2 * 3600.0
# Between two entries this far apart the athlete surely also rested (the crew logged last night's
# halt and this afternoon's town): the moving part is not measured, so it is taken at the planned
# speed and kept out of the speed average.
LONG_GAP_S = 4 * 3600.0
# ... unless the progress over the gap is no more than GPS drift over a night's halt.
LONG_GAP_MIN_M = 500.0
# A receiver's speed describes the interval since the last fix only if that was this recent.
RECEIVER_SPEED_MAX_GAP_S = 60.0
# A rest this long (a night's sleep) makes the recent moving average start again.
REST_RESETS_SPEED_S = 2 * 3600.0
# A GPS position older than this raises a "stale" alert.
DEFAULT_STALE_S = 10 * 60.0
# A copy of the running state is kept every this many fixes (a few kB each).
SNAPSHOT_EVERY = 1000
# The last interval's speed counts as "speed now" only if it is this recent.
_NOW_SPEED_MAX_AGE_S = 120.0


@dataclass(slots=True)
class _State:
    """A copy of the tracker's running state after some number of fixes."""

    km: float
    last: Fix | None
    placement: Placement | None
    moving: bool
    interval_kmh: float | None
    window: MovingWindow
    days: dict[date, _Day]
    moving_s_total: float
    first_time: datetime | None
    stopped_since: datetime | None


@dataclass(slots=True)
class _Day:
    first_km: float
    last_km: float
    moving_s: float = 0.0
    first_time: datetime | None = None


class Tracker:
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
        self._fixes: list[Fix] = []
        self._times: list[datetime] = []
        self._reset()

    def _reset(self) -> None:
        self.km = 0.0
        self._last: Fix | None = None
        self._last_placement: Placement | None = None
        self._last_moving = False
        self._last_interval_kmh: float | None = None
        self._window = MovingWindow(self.window_s)
        self._days: dict[date, _Day] = {}
        self._moving_s_total = 0.0
        self._first_time: datetime | None = None
        self._stopped_since: datetime | None = None
        # (number of fixes applied, state then): a late entry or an undo replays from the
        # nearest one before it instead of from the first fix of the event.
        self._snaps: list[tuple[int, _State]] = []

    def _save(self) -> _State:
        return _State(
            self.km, self._last, self._last_placement, self._last_moving,
            self._last_interval_kmh, self._window.copy(),
            {d: replace(v) for d, v in self._days.items()},
            self._moving_s_total, self._first_time, self._stopped_since,
        )  # fmt: skip

    def _load(self, st: _State) -> None:
        self.km, self._last, self._last_placement = st.km, st.last, st.placement
        self._last_moving, self._last_interval_kmh = st.moving, st.interval_kmh
        self._window = st.window.copy()
        self._days = {d: replace(v) for d, v in st.days.items()}
        self._moving_s_total, self._first_time = st.moving_s_total, st.first_time
        self._stopped_since = st.stopped_since

    # --- feeding --------------------------------------------------------------------------------
    @property
    def last_fix(self) -> Fix | None:
        return self._last

    @property
    def stopped_since(self) -> datetime | None:
        """When the current stop began (GPS or the crew's "stop" mark); None while moving."""
        return self._stopped_since

    @property
    def stopped_by(self) -> str | None:
        """Who says the athlete is stopped: "crew" (a "stop" mark), "gps", or None (moving)."""
        if self._stopped_since is None:
            return None
        last = self._last
        return "crew" if last is not None and last.mark == "stop" else "gps"

    @property
    def fixes(self) -> list[Fix]:
        return list(self._fixes)

    def last_fix_at(self, t: datetime) -> Fix | None:
        """The latest fix at or before `t` (a bisection: no copy of a day of fixes)."""
        i = bisect.bisect_right(self._times, t)
        return self._fixes[i - 1] if i else None

    def add(self, fix: Fix) -> Placement:
        """Take one fix. Returns where it fell; an off-route fix does not move the athlete."""
        if self._last is not None and fix.time < self._last.time:
            i = bisect.bisect_right(self._times, fix.time)
            self._fixes.insert(i, fix)
            self._times.insert(i, fix.time)
            placed = self._replay_from(i, target=fix)
            assert placed is not None
            return placed
        self._fixes.append(fix)
        self._times.append(fix.time)
        placed = self._apply(fix)
        self._maybe_snapshot(len(self._fixes))
        return placed

    def remove(self, fix: Fix) -> bool:
        """Take back one fix (an undone entry); False if it is not here."""
        i = bisect.bisect_left(self._times, fix.time)
        while i < len(self._fixes) and self._times[i] == fix.time:
            if self._fixes[i] == fix:
                del self._fixes[i]
                del self._times[i]
                self._replay_from(i)
                return True
            i += 1
        return False

    def rebuild(self, fixes: list[Fix]) -> None:
        """Replace all state by replaying `fixes` (sorted by time here)."""
        self._fixes = sorted(fixes, key=lambda f: f.time)
        self._times = [f.time for f in self._fixes]
        self._replay_from(0)

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
            p = self._apply(f)
            if f is target:
                placed = p
            self._maybe_snapshot(j + 1)
        return placed

    def _maybe_snapshot(self, applied: int) -> None:
        if applied % SNAPSHOT_EVERY == 0:
            self._snaps.append((applied, self._save()))

    def place(self, fix: Fix) -> Placement:
        """Where a position falls, searching near the last km for continuity."""
        if self._last is None:
            return self.route.place(fix.lat, fix.lon, None, off_route_m=self.off_route_m)
        dt = max((fix.time - self._last.time).total_seconds(), 0.0)
        reach_km = self.max_kmh * dt / 3600.0 * 1.5 + 0.5
        # How far the athlete should have gone since the last fix: decides between two passes
        # of the same road at a turnaround.
        if fix.speed_mps is not None:
            speed_kmh: float | None = fix.speed_mps * 3.6
        else:
            speed_kmh = self._window.speed_kmh() if self._last_moving else 0.0
        expect_km = (speed_kmh or 0.0) * dt / 3600.0
        return self.route.place(
            fix.lat,
            fix.lon,
            prior_km=self.km,
            back_km=0.5,
            ahead_km=max(reach_km, 1.0),
            off_route_m=self.off_route_m,
            expect_km=expect_km,
        )

    def _apply(self, fix: Fix) -> Placement:
        if fix.km is not None:
            p = Placement(min(max(fix.km, 0.0), self.route.length_km), 0.0, -1, False)
        else:
            p = self.place(fix)
        self._last_placement = p
        prev = self._last
        self._last = fix
        if self._first_time is None:
            self._first_time = self.start if self.start and self.start < fix.time else fix.time
            # The athlete starts at the start of the route: the first day counts from km 0.
            self._day(self._first_time).first_time = self._first_time
        if p.off_route:
            return p  # flagged, not snapped: progress stays where it was
        k0, k1 = self.km, p.km
        t1 = fix.time
        t0 = prev.time if prev is not None else self._first_time
        self.km = k1
        dt = (t1 - t0).total_seconds()
        dk_m = (k1 - k0) * 1000.0
        # The receiver's own speed says whether the athlete is moving now, which stands for the
        # interval only while fixes come every few seconds; across a gap (the night, a tunnel)
        # only the progress over the gap tells.
        if fix.speed_mps is not None and not fix.is_manual and dt <= RECEIVER_SPEED_MAX_GAP_S:
            moving = fix.speed_mps >= self.stop_mps and dk_m > 0
        else:
            moving = dt > 0 and dk_m / dt >= self.stop_mps
        moving_s = dt if moving else 0.0
        measured = moving
        if dt > LONG_GAP_S and dk_m > LONG_GAP_MIN_M and self.planned_kmh:
            moving_s = min(dt, dk_m / (self.planned_kmh / 3.6))
            moving, measured = True, False
        if moving:
            # After a long rest yesterday's pace says little about today's: start afresh.
            if self._stopped_since is not None and (t0 - self._stopped_since).total_seconds() >= (
                REST_RESETS_SPEED_S
            ):
                self._window = MovingWindow(self.window_s)
            self._stopped_since = None
        elif self._stopped_since is None:
            self._stopped_since = t0
        if not measured and dt >= REST_RESETS_SPEED_S:
            self._window = MovingWindow(self.window_s)
        self._last_moving = moving or fix.is_manual
        self._last_interval_kmh = (dk_m / dt) * 3.6 if dt > 0 and measured else None
        if measured:
            self._window.add(dt, dk_m)
        self._moving_s_total += moving_s
        self._account_days(t0, k0, t1, k1, moving_s)
        return p

    def _day(self, t: datetime) -> _Day:
        d = t.astimezone(self.tz).date()
        day = self._days.get(d)
        if day is None:
            # A new day starts where the previous one ended.
            start_km = self._days[max(self._days)].last_km if self._days else 0.0
            day = self._days[d] = _Day(start_km, start_km)
        return day

    def _account_days(
        self, t0: datetime, k0: float, t1: datetime, k1: float, moving_s: float
    ) -> None:
        d0 = t0.astimezone(self.tz).date()
        d1 = t1.astimezone(self.tz).date()
        if d0 == d1:
            day = self._day(t1)
            day.last_km = k1
            day.moving_s += moving_s
            if day.first_time is None:
                day.first_time = t1
            return
        span = (t1 - t0).total_seconds()
        if span <= SPLIT_GAP_S:
            # Riding through midnight: split progress and moving time in proportion to time.
            d = d0
            t_prev, k_prev = t0, k0
            while d < d1:
                midnight = datetime.combine(d + timedelta(days=1), time(0), self.tz)
                frac = (midnight - t_prev).total_seconds() / span
                k_mid = k_prev + (k1 - k0) * frac
                day = self._day(t_prev)
                day.last_km = k_mid
                day.moving_s += moving_s * frac
                t_prev, k_prev, d = midnight, k_mid, d + timedelta(days=1)
                nxt = self._day(midnight)
                nxt.first_km = nxt.last_km = k_mid
                if nxt.first_time is None:
                    nxt.first_time = midnight
            day = self._day(t1)
            day.last_km = k1
            day.moving_s += moving_s * (t1 - t_prev).total_seconds() / span
            return
        day = self._day(t1)
        day.last_km = k1
        day.moving_s += moving_s
        if day.first_time is None:
            # Progress made overnight-to-today started at the latest at local midnight.
            midnight = datetime.combine(d1, time(0), self.tz)
            day.first_time = midnight if moving_s > 0 else t1

    # --- answering ------------------------------------------------------------------------------
    def day_totals(self) -> tuple[DayTotal, ...]:
        return tuple(
            DayTotal(d, v.last_km - v.first_km, v.moving_s, v.first_km, v.last_km)
            for d, v in sorted(self._days.items())
        )

    def progress(self, now: datetime) -> Progress:
        """Everything the crew sees at `now` (an aware datetime; nothing here reads a clock)."""
        route = self.route
        today = now.astimezone(self.tz).date()
        days = self.day_totals()
        today_total = next((d for d in days if d.date == today), None)
        km_today = today_total.km if today_total else 0.0
        moving_today = today_total.moving_s if today_total else 0.0
        today_kmh = today_total.avg_kmh if today_total else None
        day_rec = self._days.get(today)
        elapsed_today = (
            (now - day_rec.first_time).total_seconds()
            if day_rec is not None and day_rec.first_time is not None
            else 0.0
        )
        recent = self._window.speed_kmh()
        speed, basis = choose_speed(recent, self._window.moving_s, today_kmh, self.planned_kmh)

        last = self._last
        age = (now - last.time).total_seconds() if last is not None else None
        base = last.time if last is not None and self._last_moving else now

        def ahead(name: str, km: float) -> TownAhead:
            to_go = max(km - self.km, 0.0)
            at, rem = eta(to_go, speed, base, now, self.day_window)
            return TownAhead(name, km, to_go, at, rem, speed if at is not None else None)

        towns = [ahead(t.name, t.km) for t in route.towns_after(self.km)]
        finish = ahead(route.finish_name, route.length_km)
        if not towns or towns[-1].km < route.length_km - 0.2:
            towns_with_finish = [*towns, finish]
        else:
            towns_with_finish = towns
        speed_now: float | None = None
        if last is not None and age is not None and age <= _NOW_SPEED_MAX_AGE_S:
            if last.speed_mps is not None and not last.is_manual:
                speed_now = last.speed_mps * 3.6
            else:
                speed_now = self._last_interval_kmh
        placement = self._last_placement
        off_route = placement is not None and placement.off_route
        alerts: list[str] = []
        if last is not None and not last.is_manual and age is not None and age > self.stale_s:
            alerts.append(f"STALE: last GPS position {int(age // 60)} min old")
        if off_route and placement is not None:
            alerts.append(f"OFF ROUTE: {placement.off_route_m / 1000:.1f} km from the path")
        origin = self.start or self._first_time
        day_number = (today - origin.astimezone(self.tz).date()).days + 1 if origin else None
        if day_number is not None and day_number < 1:
            day_number = None
        return Progress(
            now=now,
            route_name=route.name,
            route_km=route.length_km,
            km_total=self.km,
            km_today=km_today,
            km_remaining=max(route.length_km - self.km, 0.0),
            next_town=towns_with_finish[0] if towns_with_finish else None,
            towns_ahead=tuple(towns_with_finish),
            finish=finish,
            speed_now_kmh=speed_now,
            speed_avg_kmh=recent,
            speed_today_kmh=today_kmh,
            eta_speed_kmh=speed,
            eta_speed_basis=basis,
            moving_s_today=moving_today,
            elapsed_s_today=max(elapsed_today, 0.0),
            moving_s_total=self._moving_s_total,
            elapsed_s_total=(now - origin).total_seconds() if origin else 0.0,
            days=days,
            day_number=day_number,
            last_fix=last,
            last_fix_age_s=age,
            off_route=off_route,
            off_route_m=placement.off_route_m if placement is not None else None,
            alerts=tuple(alerts),
        )
