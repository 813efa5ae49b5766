"""The three ETAs of every town of one `Tracker.progress` (issue 11).

`core.pace.side_by_side` reckons one town: the rhythm (the athlete's model), the recent pace and
the plan. Most of what it works out depends only on the moment, not on the town: the stint pace,
the stop allowance, the usual night (a median), the event's shape, the climbing done, the first
day's hours of `day_hours`. `Reckoning` works those out once; `sweep(kms_to_go)` then costs each
town its own arithmetic only: the near blend, the terrain ahead, the slowing, and the walk to
its arrival (`DayClock`, the nights' walk, or a plain sum).

`side_by_side` stays the plain statement of the rules; this is the same arithmetic in the same
order, so it gives the same answers to the microsecond. tests/unit/test_pace_sweep.py runs real
tracks through both and compares every town's three ETAs: change the two together.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from companion.core.eta import MAX_ETA_S, DayClock, DayWindow
from companion.core.models import EtaOption
from companion.core.pace import (
    RECENT_WORDS,
    PaceModel,
    near_kmh,
    near_words,
    night_base,
    stop_rule,
)
from companion.core.pace_climbfit import climb_costs
from companion.core.pace_nights import Night, NightWalk
from companion.core.pace_priors import event_shape, on_foot, prior_night, slowing
from companion.core.pace_terrain import Climb, TerrainFrom

_exp = math.exp


class Reckoning:
    """What `side_by_side` would reckon for any town ahead, at one moment; the arguments are
    side_by_side's (the km to go aside)."""

    __slots__ = (
        "_base",
        "_clock",
        "_close",
        "_factor",
        "_far",
        "_from_plan",
        "_head",
        "_near_kmh",
        "_near_s",
        "_nights",
        "_no_stops",
        "_pace",
        "_plan_kmh",
        "_plan_words",
        "_recent_kmh",
        "_recent_words",
        "_shape",
        "_slows",
        "_stops",
        "_terrain",
        "_tz",
        "_words",
    )

    def __init__(
        self,
        model: PaceModel,
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
    ) -> None:
        self._base, self._tz = base, tz
        self._shape = None
        if route_km is not None:
            self._shape = event_shape(
                route_km, planned_kmh or model.event_kmh(), window is not None
            )
        # side_by_side's: a typed entry's recent pace is one interval, not a speed to blend.
        self._near_kmh, self._near_s = near_kmh(
            model, recent_kmh, recent_basis, typed, self._shape
        )
        foot = on_foot(self._shape)
        # The climbing's cost fitted to the athlete on foot (core/pace_climbfit.py).
        costs = climb_costs(model.climbs, foot) if foot else None  # (no call on a bike)
        self._terrain = TerrainFrom(climb, km_now, foot, costs)
        # rhythm_eta's, up to the km to go.
        pace = model.pace_kmh()
        head = "stint pace"
        if pace is None:
            pace, head = planned_kmh, "plan"
        self._pace, self._head = pace, head
        self._from_plan = head == "plan"
        prior_s, self._no_stops = stop_rule(self._shape)  # (the stops' rule for the kind)
        self._factor = factor = model.allowance(prior_s)
        self._stops = f" + {round((1 - 1 / factor) * 100)} % stops" if factor > 1.005 else ""
        # The basis's head with the stops, for a town the near speed counts most for and not.
        near_head = near_words(self._near_s) if head == "stint pace" else head
        self._close, self._far = near_head + self._stops, head + self._stops
        # `slowing` changes nothing on a multi-day event or without a shape.
        self._slows = self._shape is not None and not self._shape.multi_day
        night: Night | None = model.usual_night()
        words = ", nights as seen"
        prior = prior_night(self._shape)
        if night is None and window is None and prior is not None:
            night, words = prior, ", nights assumed"
        # The nights ahead, walked once for all the towns (core/pace_nights.py).
        self._nights: NightWalk | None = None
        if night is not None:
            # Resting into the night: up again at its usual end.
            self._nights = NightWalk(night_base(base, resting_since, night, tz), night, tz)
        elif window is not None:
            words = ", day hours"
        else:
            words = ""
        self._words = words
        # The recent pace's and the plan's (core/eta.py `eta`), and the day hours all three walk.
        self._clock: DayClock | None = window.clock(base) if window is not None else None
        self._recent_kmh = recent_kmh
        self._recent_words = RECENT_WORDS.get(recent_basis, "")
        self._plan_kmh = planned_kmh
        self._plan_words = "planned speed" + (", day hours" if window is not None else "")

    def etas(self, km_to_go: float) -> tuple[EtaOption, EtaOption, EtaOption]:
        """side_by_side's three reckonings for a town `km_to_go` ahead."""
        return self.sweep((km_to_go,))[0]

    def sweep(self, kms_to_go: Sequence[float]) -> list[tuple[EtaOption, EtaOption, EtaOption]]:
        """`etas` of each town `kms_to_go` ahead (the towns of one progress) in one loop: what
        is the same for every town is read once, and a town costs its own arithmetic only."""
        pace0, far, close, words = self._pace, self._far, self._close, self._words
        near_s, factor, no_stops = self._near_s, self._factor, self._no_stops
        near_kmh = _positive(self._near_kmh)  # 0: no near speed to blend in
        terrain_at, km_now = self._terrain.factor, self._terrain.km_now
        slows, shape = self._slows and not self._from_plan, self._shape
        nights, clock = self._nights, self._clock
        recent_kmh, recent_words = _positive(self._recent_kmh), self._recent_words
        plan_kmh, plan_words = _positive(self._plan_kmh), self._plan_words
        pace0 = 0.0 if pace0 is None else pace0
        rhythm_ok = not pace0 <= 0  # as `pace is None or pace <= 0` rules it out (NaN goes on)
        # Every arrival is `opening + s` while s <= room (the day clock's first day, or all of
        # them without day hours: DayClock.place's own first answer, without the call), else
        # the clock's walk; the rhythm's walks the nights instead when it has them. An option
        # holds (opening, s), its datetime built when read (EtaOption.at: the same sum).
        walk = clock.place if clock is not None else None
        room, opening = clock.first_day() if clock is not None else _all_days(self._base)
        walk_nights = nights.place if nights is not None else None
        # An arrival within the room and the horizon (MAX_ETA_S) is held at once: one
        # comparison for the usual town; past the horizon none (core/eta.py `eta`'s rule).
        near_room = room if room < MAX_ETA_S else MAX_ETA_S
        out = []
        for km_to_go in kms_to_go:
            # rhythm_eta's (core/pace.py), in its order.
            if not rhythm_ok:
                rhythm = EtaOption("rhythm", None, None, "none")
            else:
                pace, basis = pace0, far  # the head and the stops
                if near_kmh > 0:
                    near = _exp(-km_to_go / pace * 3600.0 / near_s)
                    pace = near * near_kmh + (1.0 - near) * pace
                    if near >= 0.5:
                        basis = close
                # To km_now + km_to_go, as side_by_side asks (the town's km up to rounding).
                terrain = terrain_at(km_now + km_to_go)
                moving_s = km_to_go / pace * 3600.0 * terrain
                if terrain - 1.0 >= 0.02 or 1.0 - terrain >= 0.02:  # abs(terrain - 1.0) >= 0.02
                    basis += ", climbing" if terrain > 1.0 else ", less climbing"
                if slows:  # a planned average carries the day's slowing already
                    steady_s, moving_s = moving_s, slowing(moving_s, shape)
                    if moving_s > steady_s + 30.0:
                        basis += ", slowing"
                # The usual stops are spread over hours: none is expected in the next
                # NO_STOPS_S, on a one-day run none (`0 if x < 0 else x` is max(x, 0.0), without
                # the call).
                beyond = moving_s - no_stops
                day_s = moving_s + (factor - 1.0) * (0.0 if beyond < 0.0 else beyond)
                if walk_nights is None and day_s <= near_room:
                    rhythm = EtaOption("rhythm", opening, pace, basis + words, day_s)
                elif not day_s <= MAX_ETA_S:  # no ETA from a pace near zero, as rhythm_eta
                    rhythm = EtaOption("rhythm", None, None, "none")
                elif walk_nights is not None:
                    at, s = walk_nights(day_s)
                    rhythm = EtaOption("rhythm", at, pace, basis + words, s)
                elif walk is not None:
                    at, s = walk(day_s)
                    rhythm = EtaOption("rhythm", at, pace, basis + words, s)
                else:  # past year 9999 (a base near it): raises here, as it did
                    rhythm = EtaOption("rhythm", opening + timedelta(0, day_s), pace, basis + words)
            # core/eta.py `eta`'s, at the recent pace and at the plan's.
            if recent_kmh > 0:
                s = km_to_go / recent_kmh * 3600.0
                if s <= near_room:
                    recent = EtaOption("recent", opening, recent_kmh, recent_words, s)
                elif not s <= MAX_ETA_S:  # as core/eta.py `eta`
                    recent = EtaOption("recent", None, None, recent_words)
                elif walk is not None:
                    at, after = walk(s)
                    recent = EtaOption("recent", at, recent_kmh, recent_words, after)
                else:
                    at = opening + timedelta(0, s)
                    recent = EtaOption("recent", at, recent_kmh, recent_words)
            else:
                recent = EtaOption("recent", None, None, recent_words)
            if plan_kmh > 0:
                s = km_to_go / plan_kmh * 3600.0
                if s <= near_room:
                    plan = EtaOption("plan", opening, plan_kmh, plan_words, s)
                elif not s <= MAX_ETA_S:
                    plan = EtaOption("plan", None, None, plan_words)
                elif walk is not None:
                    at, after = walk(s)
                    plan = EtaOption("plan", at, plan_kmh, plan_words, after)
                else:
                    plan = EtaOption("plan", opening + timedelta(0, s), plan_kmh, plan_words)
            else:
                plan = EtaOption("plan", None, None, plan_words)
            out.append((rhythm, recent, plan))
        return out


def _all_days(base: datetime) -> tuple[float, datetime]:
    """(room, opening) without day hours: every arrival is `base + timedelta(0, s)`. Room is
    as far as that sum stays a datetime (year 9999, a second short): an option's `at` can
    always be built when read; a sum past it (or NaN) is built in the sweep, and raises there
    as it did."""
    return (_LAST - base.replace(tzinfo=None)).total_seconds() - 1.0, base


_LAST = datetime.max


def _positive(kmh: float | None) -> float:
    """A speed to reckon with, or 0.0 for none (None, zero or negative: no ETA from it)."""
    return kmh if kmh is not None and kmh > 0 else 0.0
