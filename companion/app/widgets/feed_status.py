"""The feed line: source, connected or not, age of the last position."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from companion.app.values import FeedView
from companion.core.models import Progress
from companion.render import hm


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 90:
        return f"{max(seconds, 0):.0f} s"
    return hm(seconds)


def _elide(text: str, limit: int) -> str:
    """`text` in at most `limit` characters: its start and end, "…" between."""
    if len(text) <= limit:
        return text
    head = (limit - 1) * 2 // 3
    return f"{text[:head]}…{text[len(text) - (limit - 1 - head):]}"


class FeedStatusLine(Widget):
    """ "GPS demo · CONNECTED · last position 12 s ago (demo)"; the state in words, not colour."""

    progress: reactive[Progress | None] = reactive(None)
    feed: reactive[FeedView | None] = reactive(None)

    def render(self) -> Text:
        p, f = self.progress, self.feed
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("FEED ", style="bold reverse")
        if f is None:
            text.append(" none: manual entries only", style="dim")
        else:
            # A long URL must not push the state off the line: cut its middle.
            text.append(f" {_elide(f.source, max(24, self.size.width - 56))} · ")
            state = f.state.upper()
            text.append(state, style="bold" if f.connected else "bold reverse")
            if f.detail and not f.connected:
                text.append(f" ({f.detail})")
            if f.rejected:
                text.append(f" · {f.rejected} rejected", style="dim")
        if p is not None and p.last_fix is not None:
            # A manual entry says which one, so the crew sees the checkpoint they just typed.
            label = f"{p.last_fix.label}, " if p.last_fix.label else "position "
            text.append(f" · last: {label}")
            text.append(_age(p.last_fix_age_s), style="bold")
            text.append(f" ago ({p.last_fix.source})")
        elif p is not None:
            text.append(" · no position yet")
        return text
