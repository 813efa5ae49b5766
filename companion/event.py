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

import contextlib
import dataclasses
import difflib
import math
import os
import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from companion.core.models import CompanionError
from companion.core.times import time_problem
from companion.event_feeding import Feeding, FeedingError, feeding_from_table, feeding_toml
from companion.event_id import id_problem
from companion.locations import bundled_routes_dir
from companion.targets import DEFAULT_DAYS, check_days, parse_target

if TYPE_CHECKING:
    from companion.share.config import ShareConfig


class EventError(CompanionError):
    """An event file or event value that cannot be used (the message names file and key)."""


# Fastest planned speed we accept: above this the number is surely a typo (m/s vs km/h, an extra
# digit), and every ETA would be nonsense.
MAX_PLANNED_KMH = 200.0
# Extensions tried, in order, when the route is a bundled route's name.
ROUTE_SUFFIXES = (".csv", ".gpx", ".geojson")
KEYS = (
    "name", "athlete", "route", "towns", "timezone", "planned_kmh", "start", "feed", "max_kmh",
    "stale_min",
    "day_hours", "no_entry_min", "target", "days", "id", "share", "feeding",
)  # fmt: skip
# A GPS position older than this many minutes raises the dashboard's STALE alert by default.
DEFAULT_STALE_MIN = 10.0
_REQUIRED = ("name", "athlete", "route", "timezone", "planned_kmh")


def default_max_kmh(planned_kmh: float) -> float:
    """The fastest plausible speed when the event file gives none.

    Three times the plan covers a downhill or a sprint; the 25 km/h floor keeps a walking event
    from rejecting a GPS fix taken while the car catches up.
    """
    return max(3.0 * planned_kmh, 25.0)


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
        _check_text("name", self.name)
        if not isinstance(self.athlete, str):
            raise EventError("athlete: must be a string")
        _check_text("route", self.route)
        if self.towns is not None:
            _check_text("towns", self.towns)
        zone = _zone("timezone", self.timezone)
        _check_speed("planned_kmh", self.planned_kmh)
        if self.feed is not None:
            _check_text("feed", self.feed)
            _check_feed(self.feed)
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
            _check_speed("max_kmh", self.max_kmh, limit=1000.0)
        _check_speed("stale_min", self.stale_min, limit=24 * 60.0, unit="minutes")
        if self.day_hours is not None:
            _parse_day_hours(self.day_hours)
        if self.no_entry_min is not None:
            _check_speed("no_entry_min", self.no_entry_min, limit=48 * 60.0, unit="minutes")
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
        return _parse_day_hours(self.day_hours) if self.day_hours is not None else None

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


_DAY_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _parse_day_hours(value: object) -> tuple[time, time]:
    m = _DAY_HOURS.match(value) if isinstance(value, str) else None
    if m is None:
        raise EventError(f'day_hours: {value!r} is not like "06:00-19:00"')
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise EventError(f"day_hours: {value!r}: hours 0-23 and minutes 0-59")
    start, end = time(h1, m1), time(h2, m2)
    if end <= start:
        raise EventError(f"day_hours: {value!r}: the day must end after it starts")
    return start, end


def _check_feed(url: str) -> None:
    """A feed URL of a bad form is refused when the event is read, not at the first poll."""
    from companion.sources.urls import feed_url_problem  # imported here: sources import us

    if (problem := feed_url_problem(url)) is not None:
        raise EventError(f"feed {redact(url)}: {problem}")


def _check_text(key: str, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise EventError(f"{key}: must be a non-empty string")


def _check_speed(
    key: str, value: object, limit: float = MAX_PLANNED_KMH, unit: str = "km/h"
) -> None:
    # bool is an int to Python, but `planned_kmh = true` is a mistake, not 1 km/h.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EventError(f"{key}: must be a number of {unit}, not {value!r}")
    if not math.isfinite(value) or not 0 < value < limit:
        raise EventError(f"{key}: {value!r} {unit} is out of range (above 0, below {limit:g})")


def _zone(key: str, name: object) -> ZoneInfo:
    if not isinstance(name, str) or not name.strip():
        raise EventError(f"{key}: must be an IANA timezone name such as 'Asia/Kolkata'")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # "Asia" is a directory of zones
        raise EventError(
            f"{key}: unknown timezone {name!r} (use an IANA name such as 'Asia/Kolkata')"
        ) from None


def _parse_start(value: object, zone: ZoneInfo) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise EventError(
                f"start: {value!r} is not an ISO date and time such as 2021-01-10T06:00:00"
            ) from None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, date | time):
        raise EventError("start: needs both a date and a time, such as 2021-01-10T06:00:00")
    raise EventError(f"start: must be a date and time, not {value!r}")


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
    zone = _zone("timezone", data["timezone"])
    start = _parse_start(data["start"], zone) if "start" in data else None
    max_kmh = data.get("max_kmh", 0.0)
    if "max_kmh" in data:
        # 0 means "derive it" in the dataclass, but in a file it is a mistake.
        _check_speed("max_kmh", max_kmh, limit=1000.0)
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


def toml_string(value: str) -> str:
    """`value` as a TOML basic string, escaping quotes, backslashes and control characters."""
    out = ['"']
    for ch in value:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[ch])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


_SHORT_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def event_toml(event: Event) -> str:
    """The text of `event`'s file. Written by hand: the format is small and tomllib cannot write."""
    lines = [
        "# Companion event file. Times without an offset are in `timezone`.",
        f"name = {toml_string(event.name)}",
        # Names the event where its path cannot (a sharing broker): kept when the file moves.
        *([f"id = {toml_string(event.id)}"] if event.id is not None else []),
        f"athlete = {toml_string(event.athlete)}",
        "# A route file relative to this file, or the name of a bundled route.",
        f"route = {toml_string(event.route)}",
        *([f"towns = {toml_string(event.towns)}"] if event.towns is not None else []),
        f"timezone = {toml_string(event.timezone)}",
        f"planned_kmh = {event.planned_kmh!r}",
    ]
    if event.start is not None:
        # Written in the event's own zone so the crew reads the local start time; the offset keeps
        # it unambiguous across a DST change.
        lines.append(f"start = {event.start.astimezone(event.zone).isoformat()}")
    if event.feed is not None:
        lines.append(f"feed = {toml_string(event.feed)}")
    if event.max_kmh != default_max_kmh(event.planned_kmh):
        lines.append(f"max_kmh = {event.max_kmh!r}")
    if event.stale_min != DEFAULT_STALE_MIN:
        lines.append(f"stale_min = {event.stale_min!r}")
    if event.day_hours is not None:
        lines.append(f"day_hours = {toml_string(event.day_hours)}")
    if event.no_entry_min is not None:
        lines.append(f"no_entry_min = {event.no_entry_min!r}")
    if event.target is not None:
        lines.append(f"target = {toml_string(event.target)}")
    if event.days != DEFAULT_DAYS:
        lines.append(f"days = {toml_string(event.days)}")
    lines += feeding_toml(event.feeding)  # a table: after every top-level key
    if event.share is not None:  # a table: after every top-level key
        from companion.share.config import share_toml

        lines += share_toml(event.share)
    return "\n".join(lines) + "\n"


def write_event(event: Event, path: Path | str, *, overwrite: bool = False) -> Event:
    """Write `event` as a TOML file at `path`.

    Returns:
        The event with `path` set to where it was written.

    Raises:
        EventError: the file exists and `overwrite` is false, or it cannot be written.
    """
    path = Path(path)
    text = event_toml(event).encode("utf-8")
    made = None  # the file this call created, taken back if writing it fails (a full disk)
    try:
        if overwrite:
            # Write aside and rename, so a crash never leaves half an event file.
            made = tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_bytes(text)
            os.replace(tmp, path)
        else:
            # "x" fails if the file exists, with no window between a check and the write.
            with path.open("xb") as f:
                made = path
                f.write(text)
    except FileExistsError:
        raise EventError(f"{path}: already exists; not overwriting it") from None
    except OSError as e:
        if made is not None:
            with contextlib.suppress(OSError):
                made.unlink(missing_ok=True)
        raise EventError(f"{path}: cannot write: {e.strerror or e}") from None
    return dataclasses.replace(event, path=Path(os.path.abspath(path)))


def bundled_route_names() -> list[str]:
    """Names of the routes shipped with Companion, sorted (file names without extension)."""
    folder = bundled_routes_dir()
    if not folder.is_dir():
        return []
    return sorted(
        {p.stem for p in folder.iterdir() if p.is_file() and p.suffix.lower() in ROUTE_SUFFIXES}
    )


def resolve_route_path(event: Event) -> Path:
    """The route file of `event`.

    `route` is first taken as a path relative to the event file's directory (or absolute); if no
    such file exists it is taken as the name of a bundled route (`unity-run-2021` →
    `routes/unity-run-2021.csv`).

    Raises:
        EventError: neither exists; the message lists the bundled routes.
    """
    written = Path(event.route).expanduser()
    candidate = written if written.is_absolute() else event.path.parent / written
    if candidate.is_file():
        return candidate
    folder = bundled_routes_dir()
    for name in (event.route, *(event.route + s for s in ROUTE_SUFFIXES)):
        bundled = folder / name
        # A name with a separator is a path that is missing, not a bundled route.
        if "/" not in name and "\\" not in name and bundled.is_file():
            return bundled
    names = bundled_route_names()
    listed = ", ".join(names) if names else "none"
    raise EventError(
        f"{event.path}: route: no file {str(candidate)!r} and no bundled route named "
        f"{event.route!r} (bundled routes: {listed})"
    )


# Query or fragment parameters whose value is hidden; matched as substrings of the lowercased name
# so `api_key`, `access_token` and `Authorization` are caught too.
_SECRET_NAMES = ("token", "key", "password", "passwd", "secret", "auth", "sig")
_HIDDEN = "***"


def redact(url: str) -> str:
    """`url` with its secrets hidden: the userinfo password (or a lone userinfo, which is often a
    token) and secret-looking parameters.

    Everything that prints or logs a feed URL goes through this. A string that is not a URL (a
    serial device path) comes back unchanged; one that cannot be parsed is hidden whole rather than
    risk printing a secret.
    """
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, _, hostport = netloc.rpartition("@")
            user, sep, _password = userinfo.partition(":")
            # A userinfo without a password is often a token (https://TOKEN@host): hide it too.
            netloc = f"{user}:{_HIDDEN}@{hostport}" if sep else f"{_HIDDEN}@{hostport}"
        return urlunsplit(
            (
                parts.scheme,
                netloc,
                parts.path,
                _redact_params(parts.query),
                _redact_params(parts.fragment),
            )
        )
    except ValueError:
        return "<feed URL hidden: cannot parse it>"


def _redact_params(text: str) -> str:
    # Split by hand rather than parse_qsl + urlencode, so the parameters we keep are printed
    # exactly as written.
    if "=" not in text:
        return text
    out = []
    for item in re.split(r"([&;])", text):
        name, sep, _value = item.partition("=")
        if sep and any(s in name.lower() for s in _SECRET_NAMES):
            item = f"{name}={_HIDDEN}"
        out.append(item)
    return "".join(out)
