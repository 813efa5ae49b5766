"""The stop ledger: the athlete's stops, where they were, and what the crew says they were for.

The stops come from `core.motion` (the state shown, "stopped since 14:05", with its hysteresis)
and the crew's "stop"/"go" marks: no second detector. A stop the GPS saw that lasted less than
`MIN_STOP_S` (a red light, a photo) is left out; the crew's word always counts. Each stop may
carry a tag, picked with one key, and a note; a tag names its stop by the stop's start time, so it
stays on that stop when the log is replayed. The latest tag of a stop wins; an undone one is gone.

Off-bike time by tag: a stop counts on the day it began (a night's sleep from 22:30 belongs to
the day that ended with it), so a day's off-bike times add up to its stops.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from companion.core.durations import duration_text
from companion.core.models import Town
from companion.core.motion import StopSpan

TAGS = ("food", "sleep", "mechanical", "medical", "toilet", "other")
UNTAGGED = "untagged"
# A stop the GPS saw for less than this is traffic, not a stop worth a line.
MIN_STOP_S = 120.0
# A tag names the stop that began within this of the time it gives (or that contains it).
TAG_MATCH_S = 120.0
# A stop counts as "at" a town within this many km of it.
AT_TOWN_KM = 1.0


class TagError(ValueError):
    """A tag that is not one of TAGS (the message lists them)."""


def check_tag(text: str) -> str:
    """The tag `text` names: a whole name, its first letters, or its number 1-6."""
    t = text.strip().lower()
    if t.isdigit() and 1 <= int(t) <= len(TAGS):
        return TAGS[int(t) - 1]
    found = [tag for tag in TAGS if t and tag.startswith(t)]
    if len(found) == 1:
        return found[0]
    listed = ", ".join(f"{i} {tag}" for i, tag in enumerate(TAGS, 1))
    raise TagError(f"tag {text!r}: one of {listed}")


@dataclass(frozen=True, slots=True)
class StopTag:
    """The crew's word about one stop, as logged."""

    at: datetime  # the start of the stop it names
    tag: str
    note: str = ""
    entry_id: int | None = None  # its row in the log (to undo it)


@dataclass(frozen=True, slots=True)
class Stop:
    """One line of the ledger."""

    number: int  # 1-based, in time order: what `companion stops --tag N` names
    start: datetime
    end: datetime | None  # None: still stopped
    km: float
    by: str  # "gps", "crew" or "gap" (no positions: the rest is estimated)
    town: str  # the nearest town, "" on a route without towns
    town_off_km: float  # stop km - town km: negative before the town
    tag: StopTag | None = None

    def duration_s(self, now: datetime) -> float:
        return max(((self.end or now) - self.start).total_seconds(), 0.0)

    @property
    def where(self) -> str:
        """ "Vapi", "Vapi +3.2 km", "km 12.4" (no towns)."""
        if not self.town:
            return f"km {self.km:.1f}"
        if abs(self.town_off_km) < AT_TOWN_KM:
            return self.town
        return f"{self.town} {self.town_off_km:+.1f} km"

    @property
    def tag_name(self) -> str:
        return self.tag.tag if self.tag is not None else UNTAGGED


def nearest_town(towns: Sequence[Town], km: float) -> tuple[str, float]:
    if not towns:
        return "", 0.0
    town = min(towns, key=lambda t: abs(t.km - km))
    return town.name, km - town.km


def ledger(
    spans: Iterable[StopSpan],
    tags: Iterable[StopTag],
    towns: Sequence[Town],
    now: datetime,
    min_s: float = MIN_STOP_S,
) -> tuple[Stop, ...]:
    """The stops worth listing at `now`, numbered, each with its latest tag."""
    kept = [
        s
        for s in spans
        if s.start <= now and (s.by != "gps" or ((s.end or now) - s.start).total_seconds() >= min_s)
    ]
    # Each tag names one stop, the one whose start is nearest (two stops a minute apart must not
    # share a tag); of a stop's tags the latest logged wins.
    tag_of: dict[int, StopTag] = {}
    for t in sorted(tags, key=lambda t: (t.entry_id or 0)):
        named = [i for i, s in enumerate(kept) if _names(t, s)]
        if named:
            tag_of[min(named, key=lambda i: abs((t.at - kept[i].start).total_seconds()))] = t
    out: list[Stop] = []
    for n, s in enumerate(kept, 1):
        town, off = nearest_town(towns, s.km)
        out.append(Stop(n, s.start, s.end, s.km, s.by, town, off, tag_of.get(n - 1)))
    return tuple(out)


def _names(tag: StopTag, s: StopSpan) -> bool:
    if abs((tag.at - s.start).total_seconds()) <= TAG_MATCH_S:
        return True
    return s.start <= tag.at and (s.end is None or tag.at <= s.end)


def off_bike_by_day(
    stops: Iterable[Stop],
    tz: tzinfo,
    now: datetime,
    day_of: Callable[[datetime], date] | None = None,
) -> dict[date, dict[str, float]]:
    """Seconds stopped per day (the day each stop began: `day_of` its start, as the days table
    cuts days, Tracker.day_of; else its local date) and tag, UNTAGGED for the rest."""
    out: dict[date, dict[str, float]] = {}
    for s in stops:
        day = out.setdefault(day_of(s.start) if day_of else s.start.astimezone(tz).date(), {})
        day[s.tag_name] = day.get(s.tag_name, 0.0) + s.duration_s(now)
    return out


def off_bike_text(by_tag: dict[str, float]) -> str:
    """ "sleep 6h10 · food 45 min" (largest first), "" when nothing."""
    parts = sorted(by_tag.items(), key=lambda kv: -kv[1])
    return " · ".join(f"{tag} {duration_text(s)}" for tag, s in parts)
