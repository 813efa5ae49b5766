"""`l`: the full log, newest first, GPS fixes included."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from rich.console import RenderableType

from companion.app.screens.detail import DetailScreen
from companion.app.widgets.log_view import log_table
from companion.logrows import LogEntry


class LogScreen(DetailScreen):
    """Every log row (up to `entries`' own limit), refreshed every two seconds."""

    def __init__(self, entries: Callable[[], tuple[LogEntry, ...]], tz: ZoneInfo) -> None:
        def build() -> RenderableType:
            return log_table(entries(), tz)

        super().__init__("LOG (newest first)", build, every_s=2.0)
