"""Progress: everything the crew sees at `now`, built from a Tracker's running state.

The tracker's second half (core/tracker.py feeds the fixes): it reads the tracker's state and
never changes it. Every town's ETAs come from one Reckoning per call (core/pace_sweep.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, NamedTuple

from companion.core.alerts import progress_alerts
from companion.core.cutoffs import annotate, moving_fraction
from companion.core.eta import choose_speed
from companion.core.localdate import local_date
from companion.core.models import EtaOption, Progress, Town, TownAhead
from companion.core.pace_sweep import Reckoning
from companion.core.pace_terrain import climb_profile
from companion.core.riderdays import RiderLedger
from companion.core.states import AHEAD, DUE, DUE_FOR_S, OVERDUE, is_silent, is_stopped

if TYPE_CHECKING:
    from companion.core.tracker import Tracker

# The last position's speed counts as "speed now" only if it is this recent.
NOW_SPEED_MAX_AGE_S = 120.0


def build_progress(tr: Tracker, now: datetime) -> Progress:
    """Everything the crew sees at `now` (an aware datetime; nothing here reads a clock)."""
    route = tr.route
    finished_at = tr.finished_at()
    # After the finish the clocks of the event stop there (core/states.py).
    until = min(now, finished_at) if finished_at is not None else now
    days = tr.day_totals()
    # Today: the calendar day of `now`, or the rider-day going on (core/riderdays.py).
    today_total, day_began = tr._ledger.today(now)
    km_today = today_total.km if today_total else 0.0
    moving_today = today_total.moving_s if today_total else 0.0
    today_kmh = today_total.avg_kmh if today_total else None
    elapsed_today = (until - day_began).total_seconds() if day_began is not None else 0.0
    recent = tr._window.speed_kmh()
    speed, basis = choose_speed(recent, tr._window.moving_s, today_kmh, tr.planned_kmh)

    last = tr._last
    age = (now - last.time).total_seconds() if last is not None else None
    stopped = finished_at is None and is_stopped(tr._stopped_since, tr.stopped_by, last)
    # A GPS feed silent past the stale time counts as a stop since its last fix (core/states.py).
    silent = finished_at is None and not stopped and is_silent(last, now, tr.stale_s)
    moving = last is not None and tr._last_moving and not stopped and not silent
    base = last.time if last is not None and moving else now

    resting_since = tr._stopped_since if stopped else (last.time if silent and last else None)

    # Every town's three ETAs (core/pace.py side_by_side), the per-moment part worked out
    # once (core/pace_sweep.py); the route's climbing is computed once per route.
    reckon = Reckoning(
        tr._pace, base, tr.tz, recent_kmh=speed, recent_basis=basis,
        planned_kmh=tr.planned_kmh, window=tr.day_window, resting_since=resting_since,
        typed=last is not None and last.is_manual, route_km=route.length_km,
        climb=climb_profile(route), km_now=tr.km,
    )  # fmt: skip
    here = tr.km
    ahead = route.towns_after(here)
    # The last town is usually the finish: its ETA is not reckoned twice.
    at_end = bool(ahead) and ahead[-1].km == route.length_km
    places: Sequence[Town | _Place] = ahead
    if not at_end:
        places = [*ahead, _Place(route.finish_name, route.length_km)]
    # max(x, 0.0) is x unless 0.0 > x (-0.0 and NaN kept as it keeps them), without the call.
    to_go = [0.0 if (x := t.km - here) < 0.0 else x for t in places]
    # The towns and the finish in one loop: the finish is the last place.
    towns = _towns(places, to_go, reckon.sweep(to_go), now)
    finish = towns[-1] if at_end else towns.pop()
    origin = tr.start or tr._first_time
    if tr._deadlines.by_km:
        elapsed = (until - origin).total_seconds() if origin else 0.0
        fraction = moving_fraction(tr._moving_s_total, elapsed)
        towns = annotate(towns, tr._deadlines, now, fraction)
        finish = annotate([finish], tr._deadlines, now, fraction)[0]
    if finished_at is not None:
        towns_with_finish = []  # nothing is left ahead
    elif not towns or towns[-1].km < route.length_km - 0.2:
        towns_with_finish = [*towns, finish]
    else:
        towns_with_finish = towns
    speed_now: float | None = None
    if last is not None and age is not None and age <= NOW_SPEED_MAX_AGE_S:
        speed_now = tr._motion.speed_now_kmh  # a receiver's absurd speeds are left out
    placement = tr._last_placement
    off_route = placement is not None and placement.off_route
    alerts, silent_s = progress_alerts(
        last, now, age, km=tr.km, tz=tr.tz, placement=placement, towns=towns_with_finish,
        finished=finished_at is not None, stopped=stopped, stale_s=tr.stale_s,
        no_entry_after_s=tr.no_entry_s, eta_base=base, deadlines=bool(tr._deadlines.by_km),
    )  # core/alerts.py
    day_of = local_date(until, tr.tz)
    day_number = (day_of - local_date(origin, tr.tz)).days + 1 if origin else None
    if day_number is not None and day_number < 1:
        day_number = None
    if isinstance(tr._ledger, RiderLedger) and day_number is not None and origin:
        day_number = tr._ledger.number(until, local_date(origin, tr.tz))
    return Progress(
        now=now,
        route_name=route.name,
        route_km=route.length_km,
        km_total=tr.km,
        km_today=km_today,
        km_remaining=max(route.length_km - tr.km, 0.0),
        next_town=towns_with_finish[0] if towns_with_finish else None,
        towns_ahead=tuple(towns_with_finish),
        finish=finish if finished_at is None else None,
        speed_now_kmh=speed_now,
        speed_avg_kmh=recent,
        speed_today_kmh=today_kmh,
        eta_speed_kmh=speed,
        eta_speed_basis=basis,
        moving_s_today=moving_today,
        elapsed_s_today=max(elapsed_today, 0.0),
        moving_s_total=tr._moving_s_total,
        estimated_s_today=today_total.estimated_s if today_total else 0.0,
        estimated_s_total=tr._motion.estimated_s_total,
        elapsed_s_total=(until - origin).total_seconds() if origin else 0.0,
        days=days,
        day_number=day_number,
        last_fix=last,
        last_fix_age_s=age,
        off_route=off_route,
        off_route_m=placement.off_route_m if placement is not None else None,
        alerts=tuple(alerts),
        finished_at=finished_at,
        stopped_since=tr._stopped_since if stopped else None,
        stopped_by=tr.stopped_by if stopped else None,
        no_entry_s=silent_s,
        today=today_total.date if today_total else None,
    )


class _Place(NamedTuple):
    """The finish as a place ahead, where the route's last town is not it."""

    name: str
    km: float


def _towns(
    ahead: Sequence[Town | _Place], to_go: Sequence[float],
    etas: Sequence[tuple[EtaOption, EtaOption, EtaOption]], now: datetime,
) -> list[TownAhead]:
    """Each place ahead, `to_go` km on, with its three ETAs and the main one: the athlete's
    rhythm, or the recent pace when it has no speed. One loop (no call a town: 16 a progress);
    the seconds left are 0 once the arrival has passed (the town is due or overdue).

    The main ETA is held as its option holds it (an opening and the seconds after it), its
    datetime built only when `eta_at` is read. Its seconds to go are `((opening + timedelta(0,
    s)) - now).total_seconds()` in integers: that timedelta is `(opening - now)` in microseconds
    (once per opening: many towns share one) plus `timedelta(0, s)`'s, where the opening keeps
    one offset (a `timezone`, as the sweep's UTC openings; a zone's may change in between: the
    sum is built first), and total_seconds is that integer / 10**6. timedelta's microseconds of
    an s >= 0 are worked out as its constructor does (CPython's delta_new/accum): the whole
    seconds x 10**6, plus the truncated microseconds of the fraction x 1e6 (one float product),
    plus the rest rounded half to even on the total (tests/unit/test_town_ahead_held.py)."""
    out = []
    seen: datetime | None = None
    off_us = 0
    for t, k, e in zip(ahead, to_go, etas, strict=False):
        main = e[0]
        at, s = main._from, main._s
        if at is None:
            main = e[1]
            at, s = main._from, main._s
        if at is None:
            rem, state, past_s = None, AHEAD, None
        else:
            if s is None or not s >= 0.0 or at.tzinfo.__class__ is not timezone:
                if s is not None:
                    at, s = at + timedelta(0, s), None
                us = (at - now) // _US
            else:
                if at is not seen:
                    seen, off_us = at, (at - now) // _US
                whole = int(s)
                frac_us = (s - whole) * 1e6  # s - whole is exact (modf's fraction)
                part = int(frac_us)
                left = frac_us - part  # exact, in [0, 1)
                us = off_us + whole * 1_000_000 + part
                if left > 0.5 or (left == 0.5 and (us - off_us) & 1):
                    us += 1
            if (rem := us / 1_000_000) > 0.0:  # town_state's first rule: at > now
                state, past_s = AHEAD, None
            else:  # town_state's: (now - at).total_seconds(), the same microseconds negated
                past_s = 0.0 - rem  # (0.0, not -0.0, when at is now)
                rem = 0.0  # max(x, 0.0) of a negative or zero x is 0.0
                state = DUE if past_s <= DUE_FOR_S else OVERDUE
        out.append(
            TownAhead(t.name, t.km, k, at, rem, main.speed_kmh, state, past_s, e, main.kind, (), s)
        )
    return out


_US = timedelta(microseconds=1)
