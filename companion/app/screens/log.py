"""`l`: the full log, newest first: entries, undos, edits, feed events; `g` adds GPS fixes."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar
from zoneinfo import ZoneInfo

from rich.console import RenderableType
from textual.binding import Binding, BindingType
from textual.widgets import Label

from companion.app.screens.detail import DetailScreen
from companion.app.widgets.log_view import log_table
from companion.logrows import LogEntry

# (with GPS fixes?) -> the rows to show
Entries = Callable[[bool], tuple[LogEntry, ...]]
TITLE = "LOG (newest first)"


class LogScreen(DetailScreen):
    """Every log row (up to `entries`' own limit), refreshed every two seconds.

    A feed logs a fix a second, which would bury the crew's entries: GPS fixes are left out until
    `g` asks for them.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        *DetailScreen.BINDINGS,
        Binding("g", "toggle_gps", "GPS fixes"),
    ]

    def __init__(self, entries: Entries, tz: ZoneInfo) -> None:
        self.with_gps = False

        def build() -> RenderableType:
            return log_table(entries(self.with_gps), tz)

        super().__init__(self._title(), build, every_s=2.0)

    def _title(self) -> str:
        return f"{TITLE}: {'with' if self.with_gps else 'without'} GPS fixes (g: toggle)"

    def action_toggle_gps(self) -> None:
        self.with_gps = not self.with_gps
        self.query_one(".detail-title", Label).update(self._title())
        self._refresh_table()
