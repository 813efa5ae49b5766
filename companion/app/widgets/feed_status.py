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
    head = (limit - 1) * 3 // 4  # the start (scheme and host) says most
    return f"{text[:head]}…{text[len(text) - (limit - 1 - head):]}"


# The URL is never cut below this, while anything optional is still on the line.
URL_MIN = 24  # as before: enough for a scheme and a host


def feed_parts(
    feed: FeedView | None, p: Progress | None, width: int
) -> list[tuple[str, str]]:
    """The line as (text, style) parts fitted to `width`: the state and the age always stay.
    While the line is too long even with the URL cut to URL_MIN characters, the optional parts
    go (rejected count, the position's source, its label, the state's detail); then the URL
    takes the room left, cut by its middle (to nothing if there is next to none)."""
    url = feed.source if feed is not None else ""
    detail = f" ({feed.detail})" if feed is not None and feed.detail and not feed.connected else ""
    rejected = f" · {feed.rejected} rejected" if feed is not None and feed.rejected else ""
    label = source = ""
    age: list[tuple[str, str]] = []
    if p is not None and p.last_fix is not None:
        # A manual entry says which one, so the crew sees the checkpoint they just typed.
        label = f"{p.last_fix.label}, " if p.last_fix.label else "position "
        source = f" ({p.last_fix.source})"
        age = [(_age(p.last_fix_age_s), "bold"), (" ago", "")]
    elif p is not None:
        age = [(" · no position yet", "")]
    optional = {"rejected": rejected, "source": source, "label": label, "detail": detail}

    def build(url_text: str) -> list[tuple[str, str]]:
        parts = [("FEED ", "bold reverse")]
        if feed is None:
            parts.append((" none: manual entries only", "dim"))
        else:
            parts.append((f" {url_text} · " if url_text else " ", ""))
            parts.append((feed.state.upper(), "bold" if feed.connected else "bold reverse"))
            parts.append((optional["detail"], ""))
            parts.append((optional["rejected"], "dim"))
        if p is not None and p.last_fix is not None:
            parts.append((f" · last: {optional['label']}", ""))
            parts += age
            parts.append((optional["source"], ""))
        else:
            parts += age
        return [part for part in parts if part[0]]

    def length(parts: list[tuple[str, str]]) -> int:
        return sum(len(t) for t, _s in parts)

    floor = _elide(url, URL_MIN) if len(url) > URL_MIN else url
    for name in ("rejected", "source", "label", "detail"):
        if length(build(floor)) <= width:
            break
        optional[name] = ""
    # The URL takes all the room the rest leaves (cut by its middle); none if under 5 cells.
    room = width - length(build("")) - (len(" · ") if feed is not None else 0)
    if len(url) > room:
        url = _elide(url, room) if room >= 5 else ""
    return build(url)


class FeedStatusLine(Widget):
    """ "FEED  gpsd://… · CONNECTED · last: Valsad, 12 s ago (manual)"; the state in words, not
    colour, and the state and the age kept whatever the width (a long URL gives way)."""

    progress: reactive[Progress | None] = reactive(None)
    feed: reactive[FeedView | None] = reactive(None)

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        for part, style in feed_parts(self.feed, self.progress, self.size.width):
            text.append(part, style=style)
        return text

    def on_resize(self) -> None:
        self.refresh()  # the fit depends on the width
