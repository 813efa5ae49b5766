"""Small helpers shared by the format loaders (messages, file reading, name conventions)."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from pathlib import Path

from companion.core.models import RouteError
from companion.core.times import time_problem

# Names that devices and converters give to points automatically ("#001", "001", "RPT012",
# "WPT7", "TP3"): they are numbering, not places, so they never become towns.
_AUTO_NAME = re.compile(r"\s*(?:#|RPT|WPT|TP|RP)?\s*\d+\s*", re.IGNORECASE)

_MAX_SHOWN = 40


def is_auto_name(name: str) -> bool:
    """True for automatic point names such as "#001", "001" or "RPT012"."""
    return _AUTO_NAME.fullmatch(name) is not None


def show(value: str) -> str:
    """A value from a file, quoted and shortened so a message stays on one readable line."""
    if len(value) > _MAX_SHOWN:
        value = value[:_MAX_SHOWN] + "..."
    return repr(value)


def one_line(text: str) -> str:
    """Collapse whitespace (newlines included) so a message is one line."""
    return " ".join(text.split())


def read_bytes(path: Path) -> bytes:
    """The whole file, or a RouteError naming it ("no such file", "permission denied", ...)."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise RouteError(describe_os_error(path, exc)) from None


def describe_os_error(path: Path | str, exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return f"{path}: no such file"
    if isinstance(exc, IsADirectoryError):
        return f"{path}: is a directory, not a route file"
    if isinstance(exc, PermissionError):
        return f"{path}: cannot read the file (permission denied)"
    return f"{path}: cannot read the file ({one_line(exc.strerror or str(exc))})"


def check_lat_lon(lat: float, lon: float) -> str | None:
    """None when lat/lon are finite and in range, else the reason (for the caller's message)."""
    if -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0:
        return None
    if math.isnan(lat) or math.isinf(lat):
        return f"latitude {lat} is not a number"
    if math.isnan(lon) or math.isinf(lon):
        return f"longitude {lon} is not a number"
    if not -90.0 <= lat <= 90.0:
        return f"latitude {lat:g} is out of range (-90 to 90)"
    return f"longitude {lon:g} is out of range (-180 to 180)"


def parse_cutoff(raw: str) -> datetime:
    """A town's cut-off as written in a route file: an ISO date and time ("2021-08-22T18:00",
    "2021-08-22 18:00", an offset allowed). Without an offset it is local time of the event,
    which the route file does not know: it stays naive until the tracker puts it in the
    event's timezone.

    Raises:
        ValueError: the reason, for the caller's message naming the file and line.
    """
    text = raw.strip()
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"cutoff {show(text)} is not a date and time such as 2021-08-22T18:00"
        ) from None
    if len(text) <= 10:  # a date alone: by when on that day?
        raise ValueError(f"cutoff {show(text)} needs a time too, such as {text}T18:00")
    # The one rule for times (core/times.py); a naive time is judged as if it were UTC, which
    # is within a day of the truth and far from the bounds.
    problem = time_problem(at if at.tzinfo is not None else at.replace(tzinfo=UTC))
    if problem is not None:
        raise ValueError(f"cutoff {show(text)}: {problem}")
    return at


def split_aliases(raw: str) -> tuple[str, ...]:
    """A town's other names as a file writes them: "Baroda; Vadodra" -> ("Baroda", "Vadodra").

    ";" separates them in every format (a CSV cell, a GPX <alias> or "aliases:" note, a GeoJSON
    string); blanks are dropped.
    """
    return tuple(name for part in raw.split(";") if (name := one_line(part)))
