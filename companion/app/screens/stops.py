"""`S`: the stop ledger. ↑/↓ pick a stop (the newest at first), 1-6 tag it, n adds a note, x
takes its tag back; off-bike time by day and tag below."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.binding import Binding, BindingType

from companion.app.screens.detail import DetailScreen
from companion.app.screens.note import NoteScreen
from companion.core.models import CompanionError
from companion.core.stops import TAGS, Stop, off_bike_by_day, off_bike_text
from companion.crew import Crew
from companion.render import clock, hm


def stops_table(stops: tuple[Stop, ...], tz: ZoneInfo, now: datetime, selected: int) -> Table:
    table = Table(box=None, expand=True, pad_edge=False, show_edge=False, padding=(0, 1))
    for name, justify in (("", "left"), ("#", "right"), ("from", "left"), ("to", "left"),
                          ("for", "right"), ("km", "right"), ("where", "left"),
                          ("tag", "left"), ("note", "left")):  # fmt: skip
        table.add_column(name, justify=justify, no_wrap=name != "note")  # type: ignore[arg-type]
    for i, s in enumerate(stops):
        table.add_row(
            "▶" if i == selected else "",
            str(s.number),
            clock(s.start, tz, now),
            clock(s.end, tz, now) if s.end else "now",
            hm(s.duration_s(now)),
            f"{s.km:.1f}",
            s.town and s.where,  # no towns: the km column says it all
            s.tag_name + (" (crew)" if s.by == "crew" else " (no fixes)" if s.by == "gap" else ""),
            s.tag.note if s.tag else "",
            style="bold" if i == selected else None,
        )
    if not stops:
        table.add_row("", "", "no stops yet", "", "", "", "", "", "")
    return table


class StopsScreen(DetailScreen):
    """The ledger, live; tags are logged at once (and read back from the log)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        *(Binding(str(i), f"tag({i})", t, show=False) for i, t in enumerate(TAGS, 1)),
        Binding("n", "note", "Note"),
        Binding("x", "untag", "Untag"),
    ]

    def __init__(
        self,
        crew: Crew,
        clock_: Callable[[], datetime],
        tz: ZoneInfo,
        changed: Callable[[], None],
        *,
        cursor_blink: bool = True,
    ) -> None:
        self.crew, self.clock, self.tz = crew, clock_, tz
        self.changed = changed  # the dashboard refreshes what it shows
        self.cursor_blink = cursor_blink
        self.selected = -1  # the newest
        super().__init__("STOPS", self._build)

    def _stops(self) -> tuple[Stop, ...]:
        return self.crew.stops(self.clock())

    def _build(self) -> RenderableType:
        now = self.clock()
        stops = self._stops()
        if self.selected < 0 or self.selected >= len(stops):
            self.selected = len(stops) - 1
        keys = " ".join(f"{i} {t}" for i, t in enumerate(TAGS, 1))
        parts: list[RenderableType] = [
            stops_table(stops, self.tz, now, self.selected),
            Text(f"\n↑/↓ pick · {keys} · n note · x untag · Esc back", style="dim"),
        ]
        by_day = off_bike_by_day(stops, self.tz, now, self.crew.session.tracker.day_of)
        if by_day:
            parts.append(Text("\nOff the bike (a stop counts on the day it began):"))
            for day, tags in sorted(by_day.items()):
                parts.append(Text(f"  {day:%a %d %b}  {hm(sum(tags.values()))}: "
                                  f"{off_bike_text(tags)}"))  # fmt: skip
        return Group(*parts)

    def _redraw(self) -> None:
        self._refresh_table()
        self.changed()

    def action_move(self, step: int) -> None:
        n = len(self._stops())
        if n:
            self.selected = max(0, min(n - 1, self.selected + step))
            self._refresh_table()

    def _selected(self) -> Stop | None:
        stops = self._stops()
        return stops[self.selected] if 0 <= self.selected < len(stops) else None

    def action_tag(self, n: int, note: str | None = None) -> None:
        stop = self._selected()
        if stop is None:
            self.notify("No stops yet.", title="Stops")
            return
        keep = note if note is not None else (stop.tag.note if stop.tag else "")
        try:
            self.crew.tag(stop.number, str(n), keep, self.clock())
        except CompanionError as e:
            self.notify(str(e), title="Stops", severity="error")
        self._redraw()

    def action_note(self) -> None:
        stop = self._selected()
        if stop is None:
            return

        def noted(text: str | None) -> None:
            if text is not None:
                tag = stop.tag.tag if stop.tag else "other"
                self.action_tag(TAGS.index(tag) + 1, text)

        title = f"Note for stop {stop.number} ({stop.tag_name})"
        self.app.push_screen(NoteScreen(title, "Enter saves · Esc cancels",
                                        cursor_blink=self.cursor_blink), noted)  # fmt: skip

    def action_untag(self) -> None:
        stop = self._selected()
        if stop is None:
            return
        try:
            self.crew.untag(stop.number, self.clock())
        except CompanionError as e:
            self.notify(str(e), title="Stops", severity="error")
        self._redraw()
