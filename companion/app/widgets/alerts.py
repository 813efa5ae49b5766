"""Alerts: stale position, off the route, feed lost; each starts with "!", not only a colour."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from rich.text import Text
from textual.reactive import reactive

from companion.app.values import FeedView
from companion.app.widgets.bound import ShowsChanges
from companion.core.models import Progress
from companion.render import feed_lost_alert


def alert_lines(p: Progress | None, feed: FeedView | None, tz: ZoneInfo) -> list[str]:
    """The alerts to show now: the tracker's (STALE, NO ENTRY, OFF ROUTE) and FEED LOST."""
    lines = [f"! {a}" for a in (p.alerts if p is not None else ())]
    if feed is not None:
        now = p.now if p else None
        if lost := feed_lost_alert(feed.state, feed.detail, feed.lost_since, tz, now):
            lines.append(f"! {lost}")
    return lines


class Alerts(ShowsChanges):
    """One line per alert, "OK: no alerts" when there is none; class `-alert` while any is up.
    Its height is its lines': a second alert is laid out again (bound.py), not hidden."""

    progress: reactive[Progress | None] = reactive(None, repaint=False)  # see bound.py
    feed: reactive[FeedView | None] = reactive(None, repaint=False)

    def __init__(self, tz: ZoneInfo, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tz = tz

    def _mark(self) -> None:
        self.set_class(bool(alert_lines(self.progress, self.feed, self.tz)), "-alert")
        self.repaint_if_changed()

    def watch_progress(self) -> None:
        self._mark()

    def watch_feed(self) -> None:
        self._mark()

    def render(self) -> Text:
        lines = alert_lines(self.progress, self.feed, self.tz)
        if not lines:
            return Text("OK: no alerts", style="dim", no_wrap=True)
        return Text("\n".join(lines), style="bold", no_wrap=True, overflow="ellipsis")
