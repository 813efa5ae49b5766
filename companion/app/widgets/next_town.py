"""The next town: name, km to go, ETA as a clock time and as time remaining, and the speed used."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from companion.core.models import Progress
from companion.render import BASIS_TEXT, clock, hm, km, kmh


class NextTown(Widget):
    """Two lines: where and when, then which speed the ETA assumes."""

    progress: reactive[Progress | None] = reactive(None)

    def __init__(self, tz: ZoneInfo, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tz = tz

    def render(self) -> Text:
        p = self.progress
        text = Text(no_wrap=True, overflow="ellipsis")
        if p is None:
            return text
        n = p.next_town
        if n is None or p.km_remaining <= 0.05:
            text.append("FINISHED ", style="bold reverse")
            text.append(f" {km(p.km_total)} km in {hm(p.elapsed_s_total)}")
            return text
        text.append("NEXT ", style="bold reverse")
        text.append(f" {n.name} ", style="bold")
        text.append(f" {km(n.km_to_go)} km  ")
        text.append("ETA ", style="dim")
        text.append(clock(n.eta_at, self.tz, p.now), style="bold")
        text.append(f" (in {hm(n.eta_s)})\n")
        text.append(f"at {kmh(n.speed_kmh)}: {BASIS_TEXT.get(p.eta_speed_basis, '')}", style="dim")
        return text
