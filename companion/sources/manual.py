"""Positions the crew types at a checkpoint: "Valsad", "km 171", "19.07,72.87", "+5".

A manual fix always carries its along-route km, resolved here, so replaying the log later gives
exactly the same progress whatever the projection window was then.
"""

from __future__ import annotations

import difflib
import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from companion.core.models import Fix, PositionError, Town
from companion.core.placement import locate
from companion.core.route import Route, fold
from companion.core.times import ENTRY_AHEAD, time_problem

# A typed time may be this far ahead of the clock (clocks differ a little between devices).
FUTURE_SLACK = ENTRY_AHEAD
# A typed lat,lon farther than this from the route is refused rather than snapped.
MANUAL_MAX_OFF_M = 2000.0

_PLUS = re.compile(r"^\+\s*(\d+(?:[.,]\d+)?)\s*(?:km)?$", re.IGNORECASE)
_KM = re.compile(r"^(?:km\s*(\d+(?:[.,]\d+)?)|(\d+(?:[.,]\d+)?)\s*(?:km)?)$", re.IGNORECASE)
_NEGATIVE = re.compile(r"^(?:km\s*)?-\s*\d+(?:[.,]\d+)?\s*(?:km)?$", re.IGNORECASE)
_KM_WORD = re.compile(r"^km(?:\s|\d|$)", re.IGNORECASE)
_LATLON = re.compile(r"^(-?\d+(?:\.\d+)?)\s*[,; ]\s*(-?\d+(?:\.\d+)?)$")
_HHMM = re.compile(r"^(\d{1,2})[:.h](\d{2})$")


def _num(text: str) -> float:
    return float(text.replace(",", "."))


def _names(route: Route) -> list[tuple[str, Town]]:
    """Every name a town answers to, (name as written, town): its own first, then its aliases."""
    return [(n, t) for t in route.towns for n in (t.name, *t.aliases)]


def match_town(route: Route, text: str) -> Town:
    """The town the crew meant: its name or an alias exactly (case/accent-insensitive), else a
    unique prefix of one."""
    key = fold(text)
    if not key:
        raise PositionError("empty entry: type a town, km 171, lat,lon or +5")
    by_key: dict[str, Town] = {}
    for name, town in _names(route):
        by_key.setdefault(fold(name), town)
    if key in by_key:
        return by_key[key]
    starts = list({id(t): t for k, t in by_key.items() if k.startswith(key)}.values())
    if len(starts) == 1:
        return starts[0]
    if len(starts) > 1:
        names = ", ".join(t.name for t in starts[:5])
        raise PositionError(f"{text!r} matches several towns: {names}")
    close = difflib.get_close_matches(key, list(by_key), n=3, cutoff=0.6)
    hint = f" Did you mean: {', '.join(by_key[c].name for c in close)}?" if close else ""
    raise PositionError(f"{text!r} is not a town on {route.name}.{hint}")


def town_completions(route: Route, text: str, km: float | None = None) -> list[str]:
    """Town names that start with (or contain) what has been typed, for the form's completion.

    With the athlete's `km`, the towns ahead come first, nearest first, then those behind, most
    recent first: at km 160 "va" offers Vapi (km 171) before Vasai Phata (km 284). A town that
    matches only by an alias is offered under that alias ("Bar" offers Baroda), which the form
    can complete in place and `match_town` accepts.
    """
    key = fold(text)
    towns = list(route.towns)
    if km is not None:
        ahead = [t for t in towns if t.km >= km - 0.05]  # a town just reached still counts
        behind = [t for t in towns if t.km < km - 0.05]
        towns = ahead + behind[::-1]
    first: list[str] = []
    then: list[str] = []
    for town in towns:
        folded = [(n, fold(n)) for n in (town.name, *town.aliases)]
        prefix = next((n for n, f in folded if f.startswith(key)), None)
        if prefix is not None:
            first.append(prefix)
        elif (inner := next((n for n, f in folded if key in f), None)) is not None:
            then.append(inner)
    return first + then


def parse_position(
    text: str,
    route: Route,
    last_km: float | None,
    at: datetime,
    off_max_m: float = MANUAL_MAX_OFF_M,
) -> Fix:
    """Turn what the crew typed into a manual Fix at time `at` (aware)."""
    entry = " ".join(text.split())
    if m := _PLUS.match(entry):
        if last_km is None:
            raise PositionError("+km needs an earlier position; enter a town or a km first")
        km = last_km + _num(m.group(1))
        label = f"+{_num(m.group(1)):g} km"
    elif m := _LATLON.match(entry):
        lat, lon = float(m.group(1)), float(m.group(2))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise PositionError(f"{entry}: latitude must be -90..90 and longitude -180..180")
        # Anywhere on the route (the crew may type a place well ahead); the last km only breaks
        # ties between passes. A town-to-town leg accepts what falls in its corridor.
        p = locate(route, lat, lon, prior_km=last_km, off_route_m=off_max_m)
        if p.off_route:
            raise PositionError(
                f"{lat:.5f},{lon:.5f} is {p.off_route_m / 1000:.1f} km from the route; "
                "enter the nearest town or a km instead"
            )
        return Fix(at, lat, lon, source="manual", km=p.km, label=f"{lat:.5f},{lon:.5f}")
    elif m := _KM.match(entry):
        km = _num(m.group(1) or m.group(2))
        label = f"km {km:g}"
    else:
        try:
            town = match_town(route, entry)
        except PositionError as e:
            raise PositionError(_number_meant(entry, route) or str(e)) from None
        return Fix(at, town.lat, town.lon, source="manual", km=town.km, label=town.name)
    if km < 0 or km > route.length_km + 1e-9:
        raise PositionError(f"km {km:g} is beyond the route (0 to {route.length_km:.1f} km)")
    pos = route.point_at(km)
    return Fix(at, pos.lat, pos.lon, source="manual", km=km, label=label)


def _number_meant(entry: str, route: Route) -> str | None:
    """What was wrong with an entry that is no town but was meant as a km or a +km (None: it
    was not): "km -5", "km 5.5.5", "+abc" read better than "... is not a town"."""
    if _NEGATIVE.match(entry):
        return f"{entry}: a km is 0 to {route.length_km:.1f} km (u undoes the last entry)"
    if _KM_WORD.match(entry):
        return f"{entry!r}: the km as a number, e.g. km 171"
    if entry.startswith("+"):
        return f"{entry!r}: the km since the last entry as a number, e.g. +5"
    return None


def parse_time(text: str | None, now: datetime, tz: ZoneInfo) -> datetime:
    """ "HH:MM" (its latest past occurrence in the event's timezone), an ISO 8601 time, or now;
    never in the future.

    "23:50" typed at 00:10 is yesterday's 23:50: the crew types the time of something it saw.
    A time up to FUTURE_SLACK ahead is still today's (clocks differ a little between devices).

    Returns an aware UTC datetime.
    """
    if text is None or not text.strip():
        return now.astimezone(UTC)
    s = text.strip()
    if m := _HHMM.match(s):
        h, mi = int(m.group(1)), int(m.group(2))
        if h > 23 or mi > 59:
            raise PositionError(f"time {s!r}: hours 0-23 and minutes 0-59")
        t = latest_past(time(h, mi), now, tz)
    else:
        try:
            t = datetime.fromisoformat(s.replace("Z", "+00:00"))
        except ValueError:
            raise PositionError(
                f"time {s!r}: use HH:MM or an ISO time like 2021-08-15T18:30"
            ) from None
        if t.tzinfo is None:
            t = t.replace(tzinfo=tz)
    # The one rule for times (core/times.py): nothing before 2000 or after 2099 (year 1 used to
    # overflow here, year 999 to brick the log), nothing in the future.
    problem = time_problem(t, now=now, ahead=FUTURE_SLACK, tz=tz)
    if problem is not None:
        raise PositionError(problem)
    return t.astimezone(UTC)


def latest_past(clock: time, now: datetime, tz: ZoneInfo) -> datetime:
    """The latest moment at or before `now` (+ FUTURE_SLACK) when the clock in `tz` read `clock`.

    Built from the local date, not by subtracting 24 h, so a day with a DST change still gives
    the wall-clock time typed; in the hour a fall-back repeats, the second reading once it has
    come. Compared in UTC: aware datetimes of one zone compare by wall clock, fold ignored.
    """
    latest = now.astimezone(UTC) + FUTURE_SLACK  # in UTC: wall-clock + would drop a fold
    today = now.astimezone(tz).date()
    t = datetime.combine(today, clock, tzinfo=tz)
    for day in (today, today - timedelta(days=1)):
        first = datetime.combine(day, clock, tzinfo=tz)
        second = first.replace(fold=1)  # the same instant unless the hour repeats
        for t in (second, first):
            # fold=1 of a time a spring-forward skips is earlier than fold=0: not a reading.
            if t.astimezone(UTC) >= first.astimezone(UTC) and t.astimezone(UTC) <= latest:
                return t
    return t
