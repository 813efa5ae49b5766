"""The event file (TOML): who runs where, at what planned speed, and where the positions come from.

An event file looks like this (`companion new` writes one)::

    name = "Unity Run 2021"
    athlete = "Sufiya Khan"
    route = "unity-run-2021"        # a file relative to this one, or a bundled route's name
    towns = "book.csv"              # optional; a CSV route book whose towns and km go on `route`
    timezone = "Asia/Kolkata"       # IANA name; days are cut at local midnight here
    planned_kmh = 7.5
    start = 2021-01-10T06:00:00     # optional; a time without an offset is in `timezone`
    feed = "gpsd://localhost:2947"  # optional
    max_kmh = 25.0                  # optional; fastest plausible speed for the feed filters
    stale_min = 10                  # optional; a GPS position older than this is STALE
    no_entry_min = 90               # optional; a typed entry older than this is NO ENTRY
    day_hours = "06:00-19:00"       # optional; on the road each day: ETAs skip the nights
    target = "finish 2021-01-18T18:00"  # optional; a town or the finish by a time (targets.py)
    days = "rider"                  # optional; "rider" (night halt to night halt) or "calendar"
    id = "unity-run-2021-k3f9"      # optional; a slug naming the event (event_id.py)

Unknown keys and bad values are errors that name the file and the key: a typo such as `planed_kmh`
must not silently fall back to a default during the event.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from companion.core.times import time_problem
from companion.event_feeding import Feeding, FeedingError, feeding_from_table
from companion.event_id import id_problem
from companion.event_values import (
    DEFAULT_STALE_MIN,
    MAX_PLANNED_KMH,
    EventError,
    check_feed,
    check_speed,
    check_text,
    default_max_kmh,
    parse_day_hours,
    parse_start,
    zone_named,
)
from companion.event_write import event_toml, toml_string, write_event
from companion.redact import redact
from companion.route_path import ROUTE_SUFFIXES, bundled_route_names, resolve_route_path
from companion.targets import DEFAULT_DAYS, check_days, parse_target

if TYPE_CHECKING:
    from companion.share.config import ShareConfig

# The event file's parts live beside it; their names are importable from here, as they always were.
__all__ = [
    "DEFAULT_STALE_MIN",
    "KEYS",
    "MAX_PLANNED_KMH",
    "ROUTE_SUFFIXES",
    "Event",
    "EventError",
    "bundled_route_names",
    "default_max_kmh",
    "event_toml",
    "load_event",
    "redact",
    "resolve_route_path",
    "toml_string",
    "write_event",
]

KEYS = (
    "name", "athlete", "route", "towns", "timezone", "planned_kmh", "start", "feed", "max_kmh",
    "stale_min",
    "day_hours", "no_entry_min", "target", "days", "id", "share", "feeding",
)  # fmt: skip
_REQUIRED = ("name", "athlete", "route", "timezone", "planned_kmh")


@dataclass(frozen=True, slots=True, repr=False)
class Event:
    """One event as read from (or to be written to) its TOML file.

    Values are checked on construction, so an Event built by `companion new` obeys the same rules
    as one loaded from a file. `max_kmh=0` means "derive it from the planned speed".
    `start` is stored in UTC; `path` is where the file lives and is not written into it.
    """

    name: str
    athlete: str
    route: str  # as written: a path relative to the event file, or a bundled route's name
    timezone: str  # IANA name
    planned_kmh: float
    start: datetime | None = None
    feed: str | None = None  # may hold a password or token: print it only through redact()
    max_kmh: float = 0.0
    stale_min: float = DEFAULT_STALE_MIN
    day_hours: str | None = None  # "06:00-19:00": on the road each day; ETAs skip the nights
    # A manual entry older than this raises NO ENTRY; None: older than the expected time to the
    # next town (core/states.py).
    no_entry_min: float | None = None
    target: str | None = None  # "Statue of Unity 2021-08-22T18:00" (companion/targets.py)
    days: str = DEFAULT_DAYS  # "rider" or "calendar": how the days table cuts days
    # A CSV route book relative to this file: its towns snap onto `route`'s path and its km
    # calibrate it (formats/book.py); None: the route file's own towns.
    towns: str | None = None
    id: str | None = None  # "unity-run-2021-k3f9": names the event where its path cannot
    share: ShareConfig | None = None  # the [share] table: MQTT sharing (companion/share/)
    feeding: Feeding | None = None  # the [feeding] table: eat/drink timers (event_feeding.py)
    path: Path = Path()

    def __post_init__(self) -> None:
        check_text("name", self.name)
        if not isinstance(self.athlete, str):
            raise EventError("athlete: must be a string")
        check_text("route", self.route)
        if self.towns is not None:
            check_text("towns", self.towns)
        zone = zone_named("timezone", self.timezone)
        check_speed("planned_kmh", self.planned_kmh)
        if self.feed is not None:
            check_text("feed", self.feed)
            check_feed(self.feed)
        if self.start is not None:
            if not isinstance(self.start, datetime):
                raise EventError("start: must be a date and time")
            start = self.start if self.start.tzinfo else self.start.replace(tzinfo=zone)
            if (problem := time_problem(start, tz=zone)) is not None:  # year 1 would overflow
                raise EventError(f"start: {problem}")
            object.__setattr__(self, "start", start.astimezone(UTC))
        if self.max_kmh == 0:
            object.__setattr__(self, "max_kmh", default_max_kmh(float(self.planned_kmh)))
        else:
            check_speed("max_kmh", self.max_kmh, limit=1000.0)
        check_speed("stale_min", self.stale_min, limit=24 * 60.0, unit="minutes")
        if self.day_hours is not None:
            parse_day_hours(self.day_hours)
        if self.no_entry_min is not None:
            check_speed("no_entry_min", self.no_entry_min, limit=48 * 60.0, unit="minutes")
            object.__setattr__(self, "no_entry_min", float(self.no_entry_min))
        if self.target is not None:
            try:
                parse_target(self.target)
            except ValueError as e:
                raise EventError(f"target: {e}") from None
        try:
            check_days(self.days)
        except ValueError as e:
            raise EventError(f"days: {e}") from None
        if self.id is not None and (problem := id_problem(self.id)) is not None:
            raise EventError(f"id: {problem}")
        object.__setattr__(self, "stale_min", float(self.stale_min))
        object.__setattr__(self, "planned_kmh", float(self.planned_kmh))
        object.__setattr__(self, "max_kmh", float(self.max_kmh))

    @property
    def day_window(self) -> tuple[time, time] | None:
        """The local hours the athlete is on the road each day, if the event says."""
        return parse_day_hours(self.day_hours) if self.day_hours is not None else None

    @property
    def zone(self) -> ZoneInfo:
        """The event's timezone; daily totals are cut at local midnight here."""
        return ZoneInfo(self.timezone)

    def __repr__(self) -> str:
        # The feed URL may carry a secret and reprs end up in logs and tracebacks.
        fields = ", ".join(
            f"{f.name}={redact(v) if f.name == 'feed' and v else v!r}"
            for f in dataclasses.fields(self)
            for v in [getattr(self, f.name)]
        )
        return f"Event({fields})"


_TOML_LINE = re.compile(r"^(?P<msg>.*?)\s*\(at line (?P<line>\d+), column (?P<col>\d+)\)$")


def load_event(path: Path | str) -> Event:
    """Read and check an event file.

    Raises:
        EventError: the file is missing or unreadable, is not valid TOML (the message names the
            line), has an unknown key, misses a required key, or has a bad value (the message names
            the key).
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")  # Windows Notepad starts with a BOM
    except FileNotFoundError:
        raise EventError(f"{path}: no such event file") from None
    except UnicodeDecodeError as e:
        raise EventError(f"{path}: not UTF-8 text (byte {e.start})") from None
    except OSError as e:
        raise EventError(f"{path}: cannot read: {e.strerror or e}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = _TOML_LINE.match(str(e))
        where = f"line {m['line']}, column {m['col']}: {m['msg']}" if m else str(e)
        raise EventError(f"{path}: {where}") from None
    try:
        return _event_from_table(data, path)
    except EventError as e:
        raise EventError(f"{path}: {e}") from None


def _event_from_table(data: dict[str, Any], path: Path) -> Event:
    for key in data:
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise EventError(f"unknown key {key!r}{hint}; known keys: {', '.join(KEYS)}")
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise EventError(f"missing key {missing[0]!r} (required: {', '.join(_REQUIRED)})")
    zone = zone_named("timezone", data["timezone"])
    start = parse_start(data["start"], zone) if "start" in data else None
    max_kmh = data.get("max_kmh", 0.0)
    if "max_kmh" in data:
        # 0 means "derive it" in the dataclass, but in a file it is a mistake.
        check_speed("max_kmh", max_kmh, limit=1000.0)
    return Event(
        name=data["name"],
        athlete=data["athlete"],
        route=data["route"],
        towns=data.get("towns"),
        timezone=data["timezone"],
        planned_kmh=data["planned_kmh"],
        start=start,
        feed=data.get("feed"),
        max_kmh=max_kmh,
        stale_min=data.get("stale_min", DEFAULT_STALE_MIN),
        day_hours=data.get("day_hours"),
        no_entry_min=data.get("no_entry_min"),
        target=data.get("target"),
        days=data.get("days", DEFAULT_DAYS),
        id=data.get("id"),
        share=_share_table(data["share"]) if "share" in data else None,
        feeding=_feeding_table(data.get("feeding")),
        path=Path(os.path.abspath(path)),
    )


def _share_table(table: object) -> ShareConfig:
    from companion.share.config import parse_share  # imported here: it imports this module

    return parse_share(table)


def _feeding_table(table: object) -> Feeding | None:
    try:
        return feeding_from_table(table)
    except FeedingError as e:
        raise EventError(str(e)) from None
