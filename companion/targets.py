"""The event's `target` ("Statue of Unity 2021-08-22T18:00": a town or the finish, by a time) and
its `days` rule, read and checked here so event.py stays one job.

A target without an offset is in the event's timezone. Its town is checked against the route
when the route is loaded (`target_deadline`): the event file alone does not know the towns.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING

from companion.core.cutoffs import resolve
from companion.core.models import Deadline
from companion.core.times import time_problem

if TYPE_CHECKING:  # reading an event file needs no route (numpy, pyproj): issue 11's start-up
    from companion.core.route import Route

# How days are cut: "rider" (night halt to night halt) or "calendar" (local midnight).
DAY_RULES = ("rider", "calendar")
# The default: a rider-day is the calendar day whenever the athlete halts before midnight, and
# the right day when they ride through it.
DEFAULT_DAYS = "rider"
FINISH_WORDS = ("finish", "the finish")


def parse_target(value: object) -> tuple[str, datetime]:
    """(place, time) from "PLACE TIME"; the time may be "2021-08-22T18:00" or "2021-08-22 18:00".

    Raises:
        ValueError: the reason, for a message naming the key.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError('must be a string such as "Statue of Unity 2021-08-22T18:00"')
    words = value.split()
    for n in (2, 1):  # "DATE HH:MM" first, then "DATE[THH:MM]"
        if len(words) <= n:
            continue
        try:
            at = datetime.fromisoformat(" ".join(words[-n:]))
        except ValueError:
            continue
        if len(words[-1]) <= 10 and n == 1:  # a date alone
            raise ValueError(f"{value!r}: needs a time too, such as {words[-1]}T18:00")
        problem = time_problem(at if at.tzinfo is not None else at.replace(tzinfo=UTC))
        if problem is not None:
            raise ValueError(f"{value!r}: {problem}")
        return " ".join(words[:-n]), at
    raise ValueError(
        f'{value!r} is not a place and a time such as "Statue of Unity 2021-08-22T18:00" '
        'or "finish 2021-08-22T18:00"'
    )


def target_deadline(value: str, route: Route, tz: tzinfo) -> tuple[float, str, Deadline]:
    """The target's km on `route`, the place's name there, and its deadline.

    Raises:
        ValueError: the place is neither a town of the route nor the finish.
    """
    place, at = parse_target(value)
    deadline = Deadline(resolve(at, tz), "target")
    key = place.casefold()
    if key in FINISH_WORDS or key == route.finish_name.casefold():
        return route.length_km, route.finish_name, deadline
    town = route.town(place)  # its name or an alias, case- and accent-insensitive
    if town is not None:
        return town.km, town.name, deadline
    names = ", ".join(t.name for t in route.towns[:12])
    more = ", ..." if len(route.towns) > 12 else ""
    raise ValueError(f"{place!r} is not a town of the route ({names}{more}) nor 'finish'")


def check_days(value: object) -> str:
    if value not in DAY_RULES:
        raise ValueError(f'{value!r}: use "rider" (night halt to night halt) or "calendar"')
    return str(value)
