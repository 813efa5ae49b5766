"""Two lines under the big numbers: how fresh the position behind them is ("km 36.0 · 40 min ago ·
manual (km 36) · last town Pardi 11:00"), then the feeding timers, or, while a stop is waiting for
its tag, the one-key tag picker ("STOP 10:10 · tag it: 1 food 2 sleep ...")."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.reactive import reactive

from companion import render
from companion.app.widgets.bound import ShowsChanges
from companion.core.feeding import Timer, timer_text
from companion.core.models import Progress
from companion.core.stops import TAGS, Stop
from companion.crew import Crew
from companion.handover import where_text

# A stop that ended this long ago can still be tagged from the dashboard's keys.
TAG_AFTER_S = 15 * 60.0
TAG_KEYS = " ".join(f"{i} {t}" for i, t in enumerate(TAGS, 1))
# The same keys where the line is narrower (the dashboard's left pane at 80-120 columns): every
# key stays on the line, its word shortened, rather than "6 other" cut off.
_SHORT = {"mechanical": "mech", "medical": "medic"}
TAG_KEYS_SHORT = " ".join(f"{i} {_SHORT.get(t, t)}" for i, t in enumerate(TAGS, 1))
_SHORTEST = {"mechanical": "mech", "medical": "med", "toilet": "wc"}
TAG_KEYS_SHORTEST = " ".join(f"{i} {_SHORTEST.get(t, t)}" for i, t in enumerate(TAGS, 1))


def taggable(stops: tuple[Stop, ...], now: datetime) -> Stop | None:
    """The stop the keys 1-6 tag: the newest, untagged, going on or just ended."""
    if not stops:
        return None
    s = stops[-1]
    if s.tag is not None:
        return None
    if s.end is not None and (now - s.end).total_seconds() > TAG_AFTER_S:
        return None
    return s


class CrewLine(ShowsChanges):
    """The freshness line and the crew line; all read from the log through `Crew`."""

    DEFAULT_CSS = """
    CrewLine {
        height: 2;
        padding: 0 1;
        text-wrap: nowrap;  /* a long first line must not push the second (the tag keys) out */
        text-overflow: ellipsis;
    }
    """

    progress: reactive[Progress | None] = reactive(None, repaint=False)  # see bound.py

    def __init__(self, crew: Crew, tz: ZoneInfo, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.crew = crew
        self.tz = tz

    def render(self) -> Text:
        p = self.progress
        text = Text(no_wrap=True, overflow="ellipsis")
        if p is None:
            return text
        fresh = self.crew.freshness(p)
        text.append(where_text(fresh, self.tz, p.now), style="dim")
        text.append("\n")
        entries = self.crew.entries()  # one read of the crew's rows for the stops and timers
        stops = self.crew.stops(p.now, entries)
        stop = taggable(stops, p.now)
        if stop is not None and p.finished_at is None:
            when = render.clock(stop.start, self.tz, p.now)  # "Tue 12:41" when not today
            for lead, keys in ((f"STOP {when} · tag it: ", TAG_KEYS),
                               (f"STOP {when} · tag: ", TAG_KEYS_SHORT),
                               (f"STOP {when} · ", TAG_KEYS_SHORTEST)):  # fmt: skip
                if len(lead) + len(keys) <= self.content_size.width:
                    break
            text.append(lead, style="bold")
            text.append(keys)
            return text
        timers = self.crew.timers(p.now, p, entries, stops)
        for i, t in enumerate(timers):
            if i:
                text.append(" · ")
            text.append(timer_text(t, p.now), style=_style(t))
        if timers:
            text.append("   f ate · w drank", style="dim")
        return text


def _style(t: Timer) -> str:
    return {"due": "bold yellow", "overdue": "bold red", "paused": "dim"}.get(t.state, "")
