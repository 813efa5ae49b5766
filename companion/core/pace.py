"""The athlete's rhythm: an ETA model that learns from what the athlete has done so far.

The recent moving average (core/eta.py) answers "at this pace, with no more stops". Over hours and
days the athlete also stops, sleeps and slows, so the model keeps, from the motion credits:

- the pace of the current stint (moving km per moving hour since the last rest of
  `STINT_BREAK_S`), topped up with the whole event's pace while the stint is short. It is built
  from every entry since the rest, so typed checkpoints count as much as dense GPS. For the
  next few km the recent GPS speed counts most, fading into the stint pace (NEAR_S); after
  typed entries on a multi-day event, the median speed of the last entry intervals (their
  short stops left out), fading slower (TYPED_NEAR_S);
- a stop allowance: day time (nights left out) over moving time, so the usual short stops
  are spent again: 20 % stopped turns 1 h of riding into 1 h 15 (beyond the first hour
  ahead, NO_STOPS_S: a town a few km on is usually reached before the next stop). Early on
  it is shrunk towards no stops (ALLOWANCE_PRIOR_S: one long lunch is not the day's rhythm);
  on a one-day run neither (stop_rule: a runner's short stops come at any moment);
- the nights seen (a rest of `NIGHT_REST_S` or more around the local night): when the athlete
  stopped and for how long; the median of them places the nights ahead, and an athlete
  resting into the usual night is up at its usual end (night_base). Before any night has
  been seen, the event's `day_hours` (DayWindow) stand in, else the nights a multi-day event
  of its kind usually has (core/pace_priors.py, as a runner's slowing); before any moving, the
  plan.

The state is plain numbers and short lists, so `copy()` is cheap for the tracker's snapshots.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from companion.core.eta import MAX_ETA_S, DayWindow, eta
from companion.core.models import EtaOption
from companion.core.pace_climbfit import ClimbSums, climb_costs
from companion.core.pace_nights import Night, advance_nights, after_noon_s
from companion.core.pace_priors import Shape, event_shape, on_foot, prior_night, slowing
from companion.core.pace_terrain import Climb, terrain_factor

# A rest this long ends a stint: the pace after it starts afresh (a meal, a sleep).
STINT_BREAK_S = 20 * 60.0
# A stint with less moving time than this is topped up with the event's pace (one noisy km is
# not a pace; a fresh morning's first hours overstate the day). Chosen on the benchmark's tuning
# events: 30 min, 1, 2, 4 and 8 h and the event's pace alone tried.
STINT_MIN_S = 4 * 3600.0
# A rest this long, centred in the local night, is a night's halt (learned, not a stop allowed).
NIGHT_REST_S = 3 * 3600.0
# The local night a night's halt is centred in (hours; it wraps past midnight).
NIGHT_FROM_H, NIGHT_TO_H = 17, 9
# The stopped fraction seen is weighed against this much moving time without stops (a prior):
# after 1 h of riding and a 15-min stop it allows 6 %, after 12 h at 20 % stopped 17 %.
# Chosen on the tuning events (none, and 3 h tried).
ALLOWANCE_PRIOR_S = 3 * 3600.0
# The stop allowance never more than doubles the moving time (a long lunch early in a day).
ALLOWANCE_MAX = 2.0
# No stop is allowed for in the first this much of moving time ahead: the stops are lumpy (a
# control, a meal), and a town a few km on is usually reached before the next one.
# Chosen on the bench's tuning events (bench/eta.py TUNE_EVENTS): 0, 45 and 60 min tried.
NO_STOPS_S = 3600.0
# On a one-day event on foot the stopped fraction seen counts as it is (no stop-free prior) and
# from the first minute ahead: a runner's stops (an aid station, a breather on a climb, a photo)
# are short and come at any moment. Chosen on the tuning events (bench/README.md, ETA-4; eight
# pairs of a prior of 3 h, 1 h, 30 min or none and a stop-free 1 h, 30 or 15 min or none): none
# and none gave the tuning GPS runs 3.50 / 14.73 min (3.99 / 15.32 with the rule above), the best
# median and p90. On foot over several days it made the tuning towns worse (GPS median 4.9 ->
# 5.8), so those keep the rule; so do rides.
RUN_ALLOWANCE_PRIOR_S = 0.0
RUN_NO_STOPS_S = 0.0
# The recent GPS speed's weight for a town t hours of moving ahead is exp(-t / NEAR_S): the
# next 3 km mostly at it, 30 km mostly at the stint pace. Chosen on the tuning events (no blend,
# 15 min, 30 min and 1 h tried).
NEAR_S = 30 * 60.0
# A rest that began this close to the usual (or assumed) hour of the night's stop is the night.
BEDTIME_S = 3 * 3600.0
# Typed entries 30-60 min apart hide the short stops inside their intervals, so their mean pace is
# slow for the next km; the median speed of the last TYPED_INTERVALS moving ones (at least
# TYPED_MIN_INTERVALS) is the pace between stops, fading into the stint pace over TYPED_NEAR_S of
# moving ahead (exp(-t / TYPED_NEAR_S)), on multi-day events only. Chosen on the bench's tuning
# events: 6, 10 and 20 intervals, 2, 3, 4 and 8 h tried; on one-day events it made the tuning
# rides' median worse (7.6 -> 8.9 min), so they keep the stint pace.
TYPED_INTERVALS = 10
TYPED_MIN_INTERVALS = 3
TYPED_NEAR_S = 4 * 3600.0
@dataclass(slots=True)
class PaceModel:
    """Fed the motion credits (core/motion.py) in time order."""

    moving_s: float = 0.0  # measured moving time (estimated credits left out)
    moving_km: float = 0.0  # the km covered in it
    day_s: float = 0.0  # elapsed time outside the nights' halts (moving + short stops)
    unmeasured_s: float = 0.0  # moving time not measured (to a crew's "stop", a long gap)
    stint_s: float = 0.0
    stint_km: float = 0.0
    rest_s: float = 0.0  # the stop going on (zero-moving credits since the last moving one)
    rest_since: datetime | None = None
    nights: list[Night] = field(default_factory=list)
    typed: list[float] = field(default_factory=list)  # km/h of the last typed intervals moving
    # The stretches covered, for the climbing cost fitted to the athlete (core/pace_climbfit.py;
    # the tracker closes a stretch every STRETCH_KM).
    climbs: ClimbSums = field(default_factory=ClimbSums)

    def copy(self) -> PaceModel:
        twin = PaceModel(
            self.moving_s, self.moving_km, self.day_s, self.unmeasured_s, self.stint_s,
            self.stint_km, self.rest_s, self.rest_since,
        )  # fmt: skip
        twin.nights = list(self.nights)
        twin.typed = list(self.typed)
        twin.climbs = self.climbs.copy()
        return twin

    # --- feeding --------------------------------------------------------------------------------
    def add_credit(
        self, t0: datetime, t1: datetime, moving_s: float, km: float, measured: bool,
        tz: ZoneInfo, typed: bool = False, span_s: float | None = None,
    ) -> None:
        """One interval judged by core/motion.py: `moving_s` of its `t1 - t0` was moving, over
        `km` of progress; not `measured`: estimated across a long gap, or moving until the
        crew's "stop" (its time counts as day time, not in the pace); `typed`: it ends at a
        typed entry (the whole interval between two entries); `span_s`: `t1 - t0` in seconds
        if known (the credit's own: worked out once a fix, not again here)."""
        dt = (t1 - t0).total_seconds() if span_s is None else span_s
        if dt <= 0:
            return
        if moving_s <= 0:
            self._rest(t0, dt)  # its km are GPS drift around the stop
            return
        if not measured:
            # Across a long gap (the night, a dead phone) the part not moving is a rest.
            self._rest(t0, dt - moving_s)
            self._end_rest(tz)
            self.day_s += moving_s
            self.unmeasured_s += moving_s
            return
        if self.rest_since is not None:  # (none going on: nothing to end, on most credits)
            self._end_rest(tz)
        if typed and km > 0:
            self.typed = [*self.typed[1 - TYPED_INTERVALS :], km / moving_s * 3600.0]
        self.moving_s += moving_s
        self.moving_km += km
        self.stint_s += moving_s
        self.stint_km += km
        self.day_s += dt

    def _rest(self, t0: datetime, seconds: float) -> None:
        if self.rest_since is None:
            self.rest_since = t0
        self.rest_s += max(seconds, 0.0)

    def _end_rest(self, tz: ZoneInfo) -> None:
        since, rest = self.rest_since, self.rest_s
        self.rest_since, self.rest_s = None, 0.0
        if since is None or rest <= 0:
            return
        if rest >= NIGHT_REST_S and self.moving_s <= 0 and self.unmeasured_s <= 0:
            # A wait of a night or more before the athlete first moved (an event's start set
            # the evening before, or a year old): not started yet, neither a night to expect
            # again nor stops of the day. A shorter one (standing at the start) counts as stops
            # as before: left out, the ETA benchmark's runs lost p90 (34 -> 54 min).
            return
        if is_night(since, rest, tz):
            self.nights.append(Night(after_noon_s(since, tz), rest))
        else:
            self.day_s += rest
        if rest >= STINT_BREAK_S:
            self.stint_s = self.stint_km = 0.0

    # --- answering ------------------------------------------------------------------------------
    def event_kmh(self) -> float | None:
        """The moving speed over the whole event so far (measured moving only)."""
        if self.moving_s <= 0 or self.moving_km <= 0:
            return None
        return self.moving_km / self.moving_s * 3600.0

    def pace_kmh(self) -> float | None:
        """Moving speed of the current stint, topped up to STINT_MIN_S with the event's pace."""
        event_kmh = self.event_kmh()
        if event_kmh is None:
            return None
        top_up_s = max(STINT_MIN_S - self.stint_s, 0.0)
        s = self.stint_s + top_up_s
        km = max(self.stint_km, 0.0) + event_kmh * top_up_s / 3600.0
        return km / s * 3600.0 if s > 0 and km > 0 else event_kmh

    def allowance(self, prior_s: float = ALLOWANCE_PRIOR_S) -> float:
        """Elapsed time per moving second at the athlete's own stopped fraction so far, with
        `prior_s` of moving without stops added to what was seen (stop_rule)."""
        moving_s = self.moving_s + self.unmeasured_s
        if moving_s <= 0:
            return 1.0
        day_s = min(max(self.day_s, moving_s), ALLOWANCE_MAX * moving_s)
        return (prior_s + day_s) / (prior_s + moving_s)

    def typed_kmh(self) -> float | None:
        """The median speed of the last typed intervals moving (None with too few)."""
        if len(self.typed) < TYPED_MIN_INTERVALS:
            return None
        return statistics.median(self.typed)

    def usual_night(self) -> Night | None:
        """The median night seen (its start and its length), None before the first."""
        if not self.nights:
            return None
        return Night(
            statistics.median(n.stop_s for n in self.nights),
            statistics.median(n.length_s for n in self.nights),
        )


def stop_rule(shape: Shape | None) -> tuple[float, float]:
    """The stop allowance's prior and the stop-free moving time ahead for this kind of event
    (seconds each): RUN_* on a one-day event on foot, else ALLOWANCE_PRIOR_S and NO_STOPS_S."""
    if shape is not None and shape.on_foot and not shape.multi_day:
        return RUN_ALLOWANCE_PRIOR_S, RUN_NO_STOPS_S
    return ALLOWANCE_PRIOR_S, NO_STOPS_S


def is_night(since: datetime, rest_s: float, tz: ZoneInfo) -> bool:
    """A rest of NIGHT_REST_S or more whose middle falls in the local night."""
    if rest_s < NIGHT_REST_S:
        return False
    mid_h = (since + timedelta(seconds=rest_s / 2)).astimezone(tz).hour
    return mid_h >= NIGHT_FROM_H or mid_h < NIGHT_TO_H


def is_bedtime(since: datetime, night: Night, tz: ZoneInfo) -> bool:
    """A rest going on is the night's halt if it began within BEDTIME_S of the night's usual
    stop and would be a night (is_night) once NIGHT_REST_S long: a breakfast stop at 06:30 is
    not, nor one at 13:30 for a rider whose nights begin at 14:00."""
    off = abs(after_noon_s(since, tz) - night.stop_s)
    return min(off, 86400.0 - off) <= BEDTIME_S and is_night(since, NIGHT_REST_S, tz)


def night_base(
    base: datetime, resting_since: datetime | None, night: Night, tz: ZoneInfo
) -> datetime:
    """When the day time ahead starts, for an athlete resting since `resting_since` (None:
    moving) with `night` the usual one; `base` is now while resting.

    Resting since about the usual hour (is_bedtime): up after the usual night's length. Resting
    since before tonight's usual stop and now inside the usual night: up at its usual end (a
    rider who halted at 12:30, asked at 00:45 with nights from 15:40 for 17 h, is asleep until
    08:40, not on the road since the night is half over)."""
    if resting_since is None:
        return base
    if is_bedtime(resting_since, night, tz):
        return max(base, resting_since + timedelta(seconds=night.length_s))
    # Since the last usual stop before `base` (its noon-based clock: a night may pass noon).
    into = (after_noon_s(base, tz) - night.stop_s) % 86400.0
    stop = base - timedelta(seconds=into)
    if into < night.length_s and resting_since <= stop:
        return stop + timedelta(seconds=night.length_s)
    return base


def rhythm_eta(
    model: PaceModel,
    km_to_go: float,
    base: datetime,
    tz: ZoneInfo,
    *,
    planned_kmh: float | None,
    window: DayWindow | None,
    resting_since: datetime | None,
    recent_kmh: float | None = None,
    shape: Shape | None = None,
    terrain: float = 1.0,
    near_s: float = NEAR_S,
) -> tuple[datetime | None, float | None, str]:
    """The model's arrival time, the moving speed it assumes and its basis in words.

    `base` is where the clock starts (the last fix while moving, now while stopped);
    `resting_since` is when the stop going on began (a night's halt lasts the usual length);
    `recent_kmh` the recent GPS moving speed (None from typed entries: one interval is not a
    speed to trust more than the stint's; on a multi-day event, the typed entries' median,
    near_kmh); `shape` the kind of event (core/pace_priors.py); `terrain` the way ahead's
    climbing against the climbing done (core/pace_terrain.py); `near_s` how fast the recent
    speed fades into the stint pace (NEAR_S, or TYPED_NEAR_S for the typed entries').
    """
    pace = model.pace_kmh()
    basis = "stint pace"
    if pace is None:
        pace, basis = planned_kmh, "plan"
    if pace is None or pace <= 0:
        return None, None, "none"
    from_plan = basis == "plan"
    if recent_kmh is not None and recent_kmh > 0:
        near = math.exp(-km_to_go / pace * 3600.0 / near_s)
        pace = near * recent_kmh + (1.0 - near) * pace
        if near >= 0.5:
            basis = near_words(near_s) if basis == "stint pace" else basis
    prior_s, no_stops_s = stop_rule(shape)
    factor = model.allowance(prior_s)
    if factor > 1.005:
        basis += f" + {round((1 - 1 / factor) * 100)} % stops"
    moving_s = km_to_go / pace * 3600.0 * terrain
    if abs(terrain - 1.0) >= 0.02:
        basis += ", climbing" if terrain > 1.0 else ", less climbing"
    if not from_plan:  # a planned average already carries the day's slowing
        steady_s, moving_s = moving_s, slowing(moving_s, shape)
        basis += ", slowing" if moving_s > steady_s + 30.0 else ""
    # The usual stops are spread over hours: none is expected in the next NO_STOPS_S of moving
    # (on a one-day run, from now: stop_rule).
    day_s = moving_s + (factor - 1.0) * max(moving_s - no_stops_s, 0.0)
    if not day_s <= MAX_ETA_S:  # no ETA from a pace near zero (core/eta.py); NaN neither
        return None, None, "none"
    night, words = model.usual_night(), ", nights as seen"
    prior = prior_night(shape)
    if night is None and window is None and prior is not None:
        night, words = prior, ", nights assumed"
    if night is not None:
        base = night_base(base, resting_since, night, tz)
        return advance_nights(base, day_s, night, tz), pace, basis + words
    if window is not None:
        return window.advance(base, day_s), pace, basis + ", day hours"
    return base + timedelta(seconds=day_s), pace, basis


def near_kmh(
    model: PaceModel, recent_kmh: float | None, recent_basis: str, typed: bool,
    shape: Shape | None,
) -> tuple[float | None, float]:
    """The speed for the next few km and how fast it fades (NEAR_S or TYPED_NEAR_S): the
    recent GPS speed; after a typed entry, on a multi-day event, the entries' median
    (PaceModel.typed_kmh), else none (one typed interval is not a speed)."""
    if not typed:
        return (recent_kmh if recent_basis == "recent" else None), NEAR_S
    if shape is not None and shape.multi_day:
        return model.typed_kmh(), TYPED_NEAR_S
    return None, NEAR_S


def near_words(near_s: float) -> str:
    """The basis when the near speed counts most."""
    return "entries' pace" if near_s == TYPED_NEAR_S else "recent pace"


RECENT_WORDS = {
    "recent": "recent moving average, no more stops",
    "today": "today's average, no more stops",
    "plan": "planned speed, no more stops",
    "none": "no speed yet",
}


def side_by_side(
    model: PaceModel,
    km_to_go: float,
    base: datetime,
    tz: ZoneInfo,
    *,
    recent_kmh: float | None,
    recent_basis: str,
    planned_kmh: float | None,
    window: DayWindow | None,
    resting_since: datetime | None,
    typed: bool = False,
    route_km: float | None = None,
    climb: Climb | None = None,
    km_now: float = 0.0,
) -> tuple[EtaOption, ...]:
    """The three reckonings of one arrival: "rhythm" (the model), "recent" (today's ETA: the
    recent pace, no more stops, nights only by `day_hours`) and "plan" (the planned speed).
    `typed`: the last position was typed (its recent pace is one interval); `route_km` the
    route's length, which with the speed tells the kind of event (core/pace_priors.py);
    `climb` the route's climbing and `km_now` the athlete's km (core/pace_terrain.py)."""
    shape = None
    if route_km is not None:
        shape = event_shape(route_km, planned_kmh or model.event_kmh(), window is not None)
    near, near_s = near_kmh(model, recent_kmh, recent_basis, typed, shape)
    at, kmh, words = rhythm_eta(
        model, km_to_go, base, tz,
        planned_kmh=planned_kmh, window=window, resting_since=resting_since,
        recent_kmh=near, shape=shape,
        terrain=terrain_factor(
            climb, km_now, km_now + km_to_go, on_foot(shape),
            climb_costs(model.climbs, on_foot(shape)),
        ),
        near_s=near_s,
    )  # fmt: skip
    rhythm = EtaOption("rhythm", at, kmh, words)
    recent_at, _ = eta(km_to_go, recent_kmh, base, base, window)
    recent = EtaOption(
        "recent", recent_at, recent_kmh if recent_at else None, RECENT_WORDS.get(recent_basis, "")
    )
    plan_at, _ = eta(km_to_go, planned_kmh, base, base, window)
    plan_words = "planned speed" + (", day hours" if window is not None else "")
    plan = EtaOption("plan", plan_at, planned_kmh if plan_at else None, plan_words)
    return rhythm, recent, plan
