"""What the ETA model assumes before the athlete has shown it: the event's shape (one day or
several, on foot or on wheels), the nights of a multi-day event before the first is seen, and
the slowing through a one-day event.

Each setting was chosen on the tuning events of the ETA benchmark (bench/eta.py TUNE_EVENTS,
never the held-out ones): they are priors for a kind of event, not a fit to one athlete. The
athlete's own nights replace the prior ones as soon as one is seen (core/pace.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from companion.core.pace_nights import Night

# An event that needs more than this many hours at its speed has nights in it.
MULTI_DAY_H = 20.0
# At or under this speed (km/h) the athlete is on foot.
FOOT_KMH = 10.0
# The night assumed before the first one is seen, as (stop, length) in hours after local noon:
# a touring rider halts at 19:30 for 14 h; an ultrarunner sleeps 3 h from midnight. Tried on the
# tuning events: 18:30/19:00/19:30 for 14-15 h; for runners none, 1.5, 2 and 3 h.
BIKE_NIGHT_H = (7.5, 14.0)
FOOT_NIGHT_H = (12.0, 3.0)
# On a one-day event the moving speed falls by this fraction per hour still to go: 30 km at
# 10 km/h on foot is 3 h at the pace now, 3 h x (1 + 0.05 x 3 / 2) = 3 h 13 min 30 s with the
# slowing spread over the way. Tried on foot 0-6 %, on a bike 0-10 % (4-6 % did as well as each
# other); the athletes of multi-day events sleep it off (none: it made their finish worse). On
# foot chosen again once a runner's stops were their own (ETA-4, bench/README.md): 2, 3, 4, 5, 6
# and 8 %; 2, 6 and 8 % made a tuning run cell worse, 5 % has the lowest sum of Companion / best
# peer over the tuning run cells (3.05; 4 %: 3.15, 3 %: 3.33).
FOOT_SLOWING_PER_H = 0.05
BIKE_SLOWING_PER_H = 0.05


@dataclass(frozen=True, slots=True)
class Shape:
    """The kind of event the ETA reckons for."""

    multi_day: bool
    on_foot: bool


@lru_cache(maxsize=64)  # asked for each town of each progress, with the same few values
def event_shape(route_km: float, kmh: float | None, day_hours: bool = False) -> Shape | None:
    """From the route's length and the planned speed (or the athlete's pace without a plan);
    None with neither. The crew's `day_hours` say it is a multi-day event."""
    if kmh is None or kmh <= 0:
        return None
    return Shape(day_hours or route_km / kmh > MULTI_DAY_H, kmh <= FOOT_KMH)


def on_foot(shape: Shape | None) -> bool:
    """On foot, or the kind not known (core/pace_terrain.py: a climb's cost against the flat)."""
    return shape is None or shape.on_foot


_BIKE_NIGHT = Night(BIKE_NIGHT_H[0] * 3600.0, BIKE_NIGHT_H[1] * 3600.0)
_FOOT_NIGHT = Night(FOOT_NIGHT_H[0] * 3600.0, FOOT_NIGHT_H[1] * 3600.0)


def prior_night(shape: Shape | None) -> Night | None:
    """The night assumed before one is seen (its stop after local noon and its length)."""
    if shape is None or not shape.multi_day:
        return None
    return _FOOT_NIGHT if shape.on_foot else _BIKE_NIGHT


def slowing(moving_s: float, shape: Shape | None) -> float:
    """The moving time ahead on a one-day event: the speed falls by *_SLOWING_PER_H each hour,
    so (to first order) the time grows by half the fall at the end of the way."""
    if shape is None or shape.multi_day:
        return moving_s
    rate = FOOT_SLOWING_PER_H if shape.on_foot else BIKE_SLOWING_PER_H
    return moving_s * (1.0 + rate * moving_s / 3600.0 / 2.0)
