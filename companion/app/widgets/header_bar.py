"""The top line: event, athlete, local clock in the event's timezone and "Day N"."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from rich.text import Text
from textual.reactive import reactive

from companion.app.values import EventInfo
from companion.app.widgets.bound import ShowsChanges
from companion.core.models import Progress


class HeaderBar(ShowsChanges):
    """Event and athlete on the left, the local time and day number on the right."""

    progress: reactive[Progress | None] = reactive(None, repaint=False)  # see bound.py

    def __init__(
        self, info: EventInfo, *, id: str | None = None, waiting: str = "reading the log…"
    ) -> None:
        super().__init__(id=id)
        self.info = info
        self.waiting = waiting  # what it says while there are no numbers yet
        self.tz = ZoneInfo(info.timezone)

    def render(self) -> Text:
        p = self.progress
        left = self.info.name + (f" · {self.info.athlete}" if self.info.athlete else "")
        if p is None:
            right = self.waiting  # the first frame, before the log is replayed
        else:
            local = p.now.astimezone(self.tz)
            day = f"Day {p.day_number}" if p.day_number else "before the start"
            right = f"{local:%a %d %b %H:%M} {local.tzname() or ''}  {day}"
        width = max(self.size.width, 1)
        room = width - len(right) - 2
        if len(left) > room:
            left = left[: max(room - 1, 0)] + "…"
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(left, style="bold")
        text.append(" " * max(width - len(left) - len(right), 1))
        text.append(right, style="bold")
        return text
