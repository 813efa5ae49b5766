"""The log of checkpoints and feed events, newest first."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from rich.table import Table
from textual.reactive import reactive
from textual.widget import Widget

from companion.logrows import LogEntry


def log_table(entries: tuple[LogEntry, ...], tz: ZoneInfo, limit: int | None = None) -> Table:
    """Rows of time (local), what, and the source; undone entries say so in words."""
    table = Table(box=None, expand=True, pad_edge=False, show_edge=False, padding=(0, 1))
    table.add_column("time", no_wrap=True)
    table.add_column("entry", ratio=1, no_wrap=True, overflow="ellipsis")
    table.add_column("by", no_wrap=True)
    shown = entries if limit is None else entries[:limit]
    for e in shown:
        when = e.time if e.time is not None and e.kind in ("fix", "crew") else e.logged_at
        local = when.astimezone(tz)
        what = e.line(tz) + (" (undone)" if e.undone else "")
        # Feed events carry the feed's URL as source: too long for a column, and in the text.
        by = e.source if e.kind == "fix" and e.source else e.kind
        table.add_row(f"{local:%a %H:%M}", what, by, style="strike dim" if e.undone else None)
    if not shown:
        table.add_row("", "nothing logged yet", "")
    return table


class LogView(Widget):
    """As many of the newest entries as fit (one row is the heading)."""

    entries: reactive[tuple[LogEntry, ...]] = reactive(())

    def __init__(self, tz: ZoneInfo, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tz = tz

    def render(self) -> Table:
        return log_table(self.entries, self.tz, limit=max(self.size.height - 1, 1))
