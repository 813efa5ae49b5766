"""Below the smallest size the dashboard reads at, one plain message instead of a garbled screen.

60x20 is where every line of the 80x24 layout still reads whole (the big numbers, the next town
with its ETA, the speeds, the strip, four towns ahead with their ETAs, the feed and the footer's
`q Quit`); narrower, the next town's line wraps and the speeds and feed lines lose their ends;
lower, the towns panel is down to the next town alone. The app puts this screen up on a resize
below that and takes it away on a resize back (app.py), whatever screen was showing.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static

MIN_COLS, MIN_ROWS = 60, 20


def too_small(cols: int, rows: int) -> bool:
    return cols < MIN_COLS or rows < MIN_ROWS


class TooSmallScreen(Screen[None]):
    """ "terminal too small: needs 60x20 (now 50x16)"; q still quits."""

    DEFAULT_CSS = """
    TooSmallScreen {
        align: center middle;
        background: $background;
    }
    TooSmallScreen > Static {
        width: 100%;
        height: auto;
        text-align: center;
        text-style: bold;
        color: $text;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "app.quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Static(self.message(*self.app.size), id="too-small")

    def message(self, cols: int, rows: int) -> str:
        return (
            f"terminal too small: needs {MIN_COLS}×{MIN_ROWS} (now {cols}×{rows})\n"  # noqa: RUF001
            "enlarge it or use a smaller font · q quits · nothing is lost"
        )

    def on_resize(self) -> None:
        self.query_one("#too-small", Static).update(self.message(*self.app.size))
