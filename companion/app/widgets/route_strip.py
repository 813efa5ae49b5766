"""A strip of the whole route: towns marked, the part done drawn heavy, the athlete on it."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive

from companion.app.widgets.bound import ShowsChanges
from companion.core.models import Progress

ATHLETE = "◆"


def _place(line: list[str], col: int, label: str) -> None:
    """Write `label` into `line` starting near `col`, shifted to stay inside the line."""
    start = min(max(col, 0), max(len(line) - len(label), 0))
    for i, ch in enumerate(label[: len(line)]):
        line[start + i] = ch


class RouteStrip(ShowsChanges):
    """Rows: (names of start, next town and finish), the bar, and the km scale with the athlete.

    Shape only, never colour, carries the meaning: `━`/`╋` done, `─`/`┼` ahead, `◆` the athlete.
    """

    progress: reactive[Progress | None] = reactive(None, repaint=False)  # see bound.py

    def __init__(
        self,
        towns: tuple[tuple[str, float], ...],
        length_km: float,
        *,
        approx: bool = False,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.towns = towns
        self.length_km = max(length_km, 1e-9)
        # A town-to-town route: the km between two towns is estimated from straight lines.
        self.approx = approx

    def _col(self, km: float, width: int) -> int:
        return round(min(max(km / self.length_km, 0.0), 1.0) * (width - 1))

    def render(self) -> Text:
        width = self.size.width
        p = self.progress
        if width < 10 or p is None:
            return Text("")
        at = self._col(p.km_total, width)
        bar = ["━" if c < at else "─" for c in range(width)]
        for _name, town_km in self.towns:
            c = self._col(town_km, width)
            bar[c] = "╋" if c < at else "┼"
        bar[0], bar[-1] = "├", "┤"
        bar[at] = ATHLETE
        scale = [" "] * width
        _place(scale, 0, "0")
        end = f"{self.length_km:.0f} km"
        if self.approx:
            note = "km approximate between towns · "
            end = note + end if width >= 3 * len(note) else "≈" + end
        _place(scale, width - len(end), end)
        mark = f"▲ {p.km_total:.1f}"
        _place(scale, at if at + len(mark) <= width else at - len(mark) + 1, mark)
        rows = ["".join(bar), "".join(scale)]
        if self.size.height >= 3 and self.towns:
            names = [" "] * width
            first, last = self.towns[0][0], self.towns[-1][0]
            _place(names, width - len(last), last)
            _place(names, 0, first)
            if p.next_town is not None and p.next_town.name not in (first, last):
                label = f"▼ {p.next_town.name}"
                col = self._col(p.next_town.km, width)
                _place(names, col if col + len(label) <= width else col - len(label) + 1, label)
            rows.insert(0, "".join(names))
        bar_row = len(rows) - 2
        text = Text(no_wrap=True)
        for i, row in enumerate(rows):
            if i:
                text.append("\n")
            if i == bar_row:  # the done part bold, the athlete reversed
                text.append(row[:at], style="bold")
                text.append(row[at], style="bold reverse")
                text.append(row[at + 1 :])
            else:
                text.append(row)
        return text
