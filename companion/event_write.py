"""Writing an event file: its TOML text (`event_toml`) and the file itself (`write_event`).

Written by hand: the format is small and tomllib cannot write. Reading is companion/event.py.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING

from companion.event_feeding import feeding_toml
from companion.event_values import DEFAULT_STALE_MIN, EventError, default_max_kmh
from companion.targets import DEFAULT_DAYS

if TYPE_CHECKING:
    from companion.event import Event


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
