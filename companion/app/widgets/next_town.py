"""The next town: name, km to go, ETA as a clock time and as time remaining (or due / overdue)
with the spread of the other ETAs, and the speed used; STOPPED while the athlete rests, FINISHED
at the end."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from rich.text import Text
from textual.reactive import reactive

from companion.app.widgets.bound import ShowsChanges
from companion.core.models import Progress
from companion.render import (
    clock,
    eta_range,
    eta_words,
    finished_words,
    kmh,
    main_basis,
    stopped_words,
)
from companion.render import km as km_text
from companion.render_deadlines import deadline_long


class NextTown(ShowsChanges):
    """Two lines: where and when, then which speed the ETA assumes."""

    progress: reactive[Progress | None] = reactive(None, repaint=False)  # see bound.py

    def __init__(self, tz: ZoneInfo, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tz = tz

    def render(self) -> Text:
        p = self.progress
        text = Text(no_wrap=True, overflow="ellipsis")
        if p is None:
            return text
        n = p.next_town
        done = finished_words(p, self.tz)
        if done is not None or n is None:
            word, _, rest = (done or "FINISHED").partition(" ")
            text.append(f"{word} ", style="bold reverse")
            text.append(f" {rest}" if rest else f" {km_text(p.km_total)} km")
            return text
        text.append("NEXT ", style="bold reverse")
        text.append(f" {n.name} ", style="bold")
        text.append(f" {km_text(n.km_to_go)} km  ")
        text.append("ETA ", style="dim")
        text.append(clock(n.eta_at, self.tz, p.now), style="bold")
        late = n.state != "ahead"
        text.append(f" ({eta_words(n)})", style="bold reverse" if late else "")
        # The spread of the three reckonings (rhythm, recent pace, plan) beside the main one.
        spread = eta_range(n, self.tz, p.now)
        text.append(f"  {spread}\n" if spread else "\n", style="dim")
        basis = f"at {kmh(n.speed_kmh)}: {main_basis(n, p)}"
        # The next town's cut-off or target first (time in hand and the pace it needs): on a
        # narrow screen it matters more than the basis, which the ellipsis then cuts.
        for c in n.deadlines:
            style = "bold red" if c.missed else "bold"
            text.append(f"{deadline_long(c, self.tz, p.now)}  ", style=style)
        stopped = stopped_words(p, self.tz)
        if stopped is not None:
            text.append(stopped, style="bold")
            text.append(f" · ETAs from now at {kmh(n.speed_kmh)}", style="dim")
        else:
            text.append(basis, style="dim")
        return text
