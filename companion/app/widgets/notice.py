"""The notice line: where the dashboard's notifications go instead of Textual's toasts.

A toast is drawn over the bottom right of the screen, which at 80 columns is the towns panel's
ETA columns. This line is part of the layout above the feed line: the panel above gives up a
row while a notice shows, and nothing is covered. The newest two notices show, each for its
time (errors longest); "! " marks a warning or an error, as the alerts do, not colour alone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget

# Seconds a notice stays by severity, unless the caller gives a timeout.
SHOW_S = {"information": 6.0, "warning": 12.0, "error": 20.0}
ROWS = 2


@dataclass(frozen=True, slots=True)
class Notice:
    title: str
    message: str
    severity: str
    until: float  # time.monotonic()

    def line(self) -> str:
        mark = "! " if self.severity in ("warning", "error") else ""
        # One line each: a message with newlines (an exception's) is joined.
        body = " ".join(self.message.split())
        # "Ate: Ate at 20:38: banana" says it twice: a body that begins with its title stands alone.
        if not self.title or body.lower().startswith(self.title.lower()):
            return f"{mark}{body}"
        return f"{mark}{self.title}: {body}"


class NoticeLine(Widget):
    """Up to ROWS notices, newest last; hidden (no row taken) when there is none."""

    DEFAULT_CSS = """
    NoticeLine {
        height: auto;
        max-height: 2;
        padding: 0 1;
        display: none;
    }
    NoticeLine.-shown {
        display: block;
    }
    NoticeLine.-warning {
        text-style: bold;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.notices: list[Notice] = []

    def on_mount(self) -> None:
        self.set_interval(0.5, self.prune)

    def add(self, message: str, title: str = "", severity: str = "information",
            timeout: float | None = None) -> None:  # fmt: skip
        show_s = timeout if timeout is not None else SHOW_S.get(severity, SHOW_S["information"])
        self.notices = [*self.notices, Notice(title, message, severity, time.monotonic() + show_s)]
        self.notices = self.notices[-ROWS:]
        self._update()

    def prune(self) -> None:
        now = time.monotonic()
        kept = [n for n in self.notices if n.until > now]
        if len(kept) != len(self.notices):
            self.notices = kept
            self._update()

    def _update(self) -> None:
        self.set_class(bool(self.notices), "-shown")
        self.set_class(any(n.severity != "information" for n in self.notices), "-warning")
        self.refresh(layout=True)

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        for i, n in enumerate(self.notices):
            if i:
                text.append("\n")
            text.append(n.line(), style="bold" if n.severity == "error" else "")
        return text
