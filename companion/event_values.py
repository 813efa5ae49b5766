"""The checks of an event file's values, one value each, and the defaults of the optional ones.

Each check raises EventError naming the key, so `Event` (companion/event.py) and the file reader
report a bad value the same way whether it came from a file or from `companion new`.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from companion.core.models import CompanionError
from companion.redact import redact


class EventError(CompanionError):
    """An event file or event value that cannot be used (the message names file and key)."""


# Fastest planned speed we accept: above this the number is surely a typo (m/s vs km/h, an extra
# digit), and every ETA would be nonsense.
MAX_PLANNED_KMH = 200.0
# A GPS position older than this many minutes raises the dashboard's STALE alert by default.
DEFAULT_STALE_MIN = 10.0


def default_max_kmh(planned_kmh: float) -> float:
    """The fastest plausible speed when the event file gives none.

    Three times the plan covers a downhill or a sprint; the 25 km/h floor keeps a walking event
    from rejecting a GPS fix taken while the car catches up.
    """
    return max(3.0 * planned_kmh, 25.0)


_DAY_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_day_hours(value: object) -> tuple[time, time]:
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


def check_feed(url: str) -> None:
    """A feed URL of a bad form is refused when the event is read, not at the first poll."""
    from companion.sources.urls import feed_url_problem  # imported here: sources import us

    if (problem := feed_url_problem(url)) is not None:
        raise EventError(f"feed {redact(url)}: {problem}")


def check_text(key: str, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise EventError(f"{key}: must be a non-empty string")


def check_speed(
    key: str, value: object, limit: float = MAX_PLANNED_KMH, unit: str = "km/h"
) -> None:
    # bool is an int to Python, but `planned_kmh = true` is a mistake, not 1 km/h.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EventError(f"{key}: must be a number of {unit}, not {value!r}")
    # The range first: an integer too big for a float (TOML reads any length) is just too big.
    if not 0 < value < limit or not math.isfinite(value):
        raise EventError(f"{key}: {value!r} {unit} is out of range (above 0, below {limit:g})")


def zone_named(key: str, name: object) -> ZoneInfo:
    if not isinstance(name, str) or not name.strip():
        raise EventError(f"{key}: must be an IANA timezone name such as 'Asia/Kolkata'")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # "Asia" is a directory of zones
        raise EventError(
            f"{key}: unknown timezone {name!r} (use an IANA name such as 'Asia/Kolkata')"
        ) from None


def parse_start(value: object, zone: ZoneInfo) -> datetime:
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
