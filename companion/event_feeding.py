"""The event file's `[feeding]` table: how often the athlete should eat and drink.

    [feeding]
    eat_every_min = 45      # optional; minutes between meals (a gel, a sandwich)
    drink_every_min = 20    # optional; minutes between drinks

The timers themselves are core/feeding.py. A bad value is refused with the key and the range,
never taken as a default: a typo must not silently drop a reminder on the road.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

KEYS = ("eat_every_min", "drink_every_min")
# Every minute or less is a typo (seconds?); over twelve hours is not a reminder but a night.
MIN_EVERY_MIN = 1.0
MAX_EVERY_MIN = 720.0


class FeedingError(ValueError):
    """A `[feeding]` table that cannot be used (the message names the key)."""


@dataclass(frozen=True, slots=True)
class Feeding:
    eat_every_min: float | None = None
    drink_every_min: float | None = None

    def every_min(self) -> dict[str, float]:
        """The intervals by timer kind ("eat", "drink"), as core.feeding.timers takes them."""
        out = {}
        if self.eat_every_min is not None:
            out["eat"] = self.eat_every_min
        if self.drink_every_min is not None:
            out["drink"] = self.drink_every_min
        return out


def feeding_from_table(value: object) -> Feeding | None:
    """The `[feeding]` table as read by tomllib (None: the file has none).

    Raises:
        FeedingError: not a table, an unknown key, or a value that is not a number of minutes
            from MIN_EVERY_MIN to MAX_EVERY_MIN.
    """
    if value is None:
        return None
    if not isinstance(value, dict):
        raise FeedingError("feeding: must be a table ([feeding] with eat_every_min, ...)")
    for key in value:
        if key not in KEYS:
            raise FeedingError(f"feeding: unknown key {key!r}; known keys: {', '.join(KEYS)}")
    minutes = {key: _minutes(key, value[key]) for key in KEYS if key in value}
    return Feeding(minutes.get("eat_every_min"), minutes.get("drink_every_min"))


def _minutes(key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FeedingError(f"feeding.{key}: must be a number of minutes, not {value!r}")
    # The range first: math.isfinite of an integer too big for a float raises OverflowError.
    if not MIN_EVERY_MIN <= value <= MAX_EVERY_MIN or not math.isfinite(value):
        raise FeedingError(
            f"feeding.{key}: {value!r} min is out of range "
            f"({MIN_EVERY_MIN:g} to {MAX_EVERY_MIN:g} minutes)"
        )
    return float(value)


def feeding_toml(feeding: Feeding | None) -> list[str]:
    """The table's lines for an event file (it goes last: a TOML table ends the top-level keys)."""
    if feeding is None:
        return []
    lines = ["", "[feeding]"]
    for key in KEYS:
        value = getattr(feeding, key)
        if value is not None:
            lines.append(f"{key} = {value!r}")
    return lines
