"""Cut-offs and targets: the pace a deadline asks for and the time in hand. Pure arithmetic.

A deadline is a town's `cutoff` from the route file or the event's `target` (a town or the
finish, by a time). For each town ahead that has one:

* time in hand = deadline - ETA (negative: the ETA misses it). The ETA is `TownAhead.eta_at`,
  whatever computed it: the check follows the main ETA of the screen.
* needed overall = km to go / time left on the clock: the average, stops included.
* needed moving = km to go / (time left x moving fraction): the moving speed that gets there if
  the athlete keeps stopping as they have so far (moving vs elapsed time of the event). With
  less than `MIN_ELAPSED_S` of history the fraction says nothing and is left out.

Times are aware datetimes; a cut-off written without an offset is local time of the event and is
put in its timezone by `resolve`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from companion.core.models import Deadline, DeadlineCheck, TownAhead

# Less elapsed time than this is too little to learn how much the athlete stops.
MIN_ELAPSED_S = 30 * 60.0


def resolve(at: datetime, tz: tzinfo) -> datetime:
    """A deadline as an aware time: one written without an offset is local time in `tz`."""
    return at if at.tzinfo is not None and at.utcoffset() is not None else at.replace(tzinfo=tz)


def moving_fraction(moving_s: float, elapsed_s: float) -> float | None:
    """The part of the event's elapsed time the athlete was moving; None with too little of it."""
    if elapsed_s < MIN_ELAPSED_S or moving_s <= 0:
        return None
    return min(moving_s / elapsed_s, 1.0)


def check(
    deadline: Deadline, km_to_go: float, eta_at: datetime | None, now: datetime,
    fraction: float | None,
) -> DeadlineCheck:  # fmt: skip
    """What `deadline` asks of the athlete `km_to_go` from it at `now`."""
    left_s = (deadline.at - now).total_seconds()
    in_hand = (deadline.at - eta_at).total_seconds() if eta_at is not None else None
    overall = moving = None
    if left_s > 0 and km_to_go > 0:
        overall = km_to_go / (left_s / 3600.0)
        if fraction is not None:
            moving = overall / fraction
    passed = left_s <= 0 and km_to_go > 0
    missed = passed or (in_hand is not None and in_hand < 0)
    return DeadlineCheck(deadline, in_hand, overall, moving, fraction, missed, passed)


@dataclass(frozen=True, slots=True)
class Deadlines:
    """The deadlines of one event by the km of their town (a town may have a cut-off and be the
    target too)."""

    by_km: dict[float, tuple[Deadline, ...]]

    def at(self, km: float) -> tuple[Deadline, ...]:
        # Towns and the finish are matched by their km (the same float the route gives).
        return self.by_km.get(round(km, 3), ())

    @staticmethod
    def build(items: list[tuple[float, Deadline]]) -> Deadlines:
        by_km: dict[float, tuple[Deadline, ...]] = {}
        for km, d in items:
            key = round(km, 3)
            by_km[key] = (*by_km.get(key, ()), d)
        return Deadlines(by_km)


def annotate(
    towns: list[TownAhead], deadlines: Deadlines, now: datetime, fraction: float | None
) -> list[TownAhead]:
    """`towns` with the checks of their deadlines filled in."""
    if not deadlines.by_km:
        return towns
    out = []
    for t in towns:
        ds = deadlines.at(t.km)
        if ds:
            checks = tuple(check(d, t.km_to_go, t.eta_at, now, fraction) for d in ds)
            t = t.with_deadlines(checks)
        out.append(t)
    return out


def alerts(towns: list[TownAhead], tz: tzinfo) -> list[str]:
    """ "CUT-OFF Valsad 18:00: ETA 18:20, -0h20" for each deadline the ETA misses."""
    out = []
    for t in towns:
        for c in t.deadlines:
            if not c.missed:
                continue
            word = "CUT-OFF" if c.deadline.kind == "cutoff" else "TARGET"
            by = c.deadline.at.astimezone(tz).strftime("%a %H:%M")
            if c.passed:
                out.append(f"{word} {t.name} {by}: passed, {t.km_to_go:.1f} km to go")
            elif c.in_hand_s is not None:
                out.append(f"{word} {t.name} {by}: ETA misses it by {in_hand_text(c.in_hand_s)}")
    return out


def in_hand_text(seconds: float) -> str:
    """Time in hand as "+1h40" / "-0h20" (a true minus sign, rounded to the minute)."""
    minutes = round(seconds / 60.0)
    sign = "+" if minutes >= 0 else "\u2212"
    h, m = divmod(abs(minutes), 60)
    return f"{sign}{h}h{m:02d}"


def need_text(c: DeadlineCheck) -> str:
    """ "needs 7.8 km/h moving, 6.1 with the usual stops" (or only the overall figure)."""
    if c.passed:
        return "cut-off passed" if c.deadline.kind == "cutoff" else "target passed"
    if c.need_overall_kmh is None:
        return ""
    if c.need_moving_kmh is None:
        return f"needs {c.need_overall_kmh:.1f} km/h"
    moving, overall = c.need_moving_kmh, c.need_overall_kmh
    return f"needs {moving:.1f} km/h moving, {overall:.1f} with the usual stops"
