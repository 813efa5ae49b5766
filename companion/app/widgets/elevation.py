"""The elevation profile of the route with the athlete's position marked (routes with heights)."""

from __future__ import annotations

import math

from rich.text import Text
from textual.reactive import reactive

from companion.app.widgets.bound import ShowsChanges
from companion.core.models import Progress

_BLOCKS = " ▁▂▃▄▅▆▇█"


class Elevation(ShowsChanges):
    """A block-character profile; the column where the athlete is drawn reversed with a `▲` below.

    `profile` is the elevation in metres at evenly spaced km from start to finish (NaN where
    unknown); it is resampled to the widget's width.
    """

    progress: reactive[Progress | None] = reactive(None, repaint=False)  # see bound.py

    def __init__(
        self, profile: tuple[float, ...], length_km: float, *, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.profile = profile
        self.length_km = max(length_km, 1e-9)

    def _column_heights(self, width: int) -> list[float]:
        n = len(self.profile)
        out = []
        for c in range(width):
            lo = c * n // width
            hi = max((c + 1) * n // width, lo + 1)
            vals = [v for v in self.profile[lo:hi] if math.isfinite(v)]
            out.append(max(vals) if vals else math.nan)
        return out

    def render(self) -> Text:
        width, height = self.size.width, self.size.height
        p = self.progress
        finite = [v for v in self.profile if math.isfinite(v)]
        if width < 10 or height < 2 or not finite:
            return Text("")
        label = f"{min(finite):.0f} to {max(finite):.0f} m"
        rows = height - 1  # the last row carries the position marker
        lo, hi = min(finite), max(finite)
        span = max(hi - lo, 1.0)
        heights = self._column_heights(width)
        at = round(min(max(p.km_total / self.length_km, 0.0), 1.0) * (width - 1)) if p else -1
        text = Text(no_wrap=True)
        for r in range(rows):
            level_top = rows - r  # cells of eighths, counted from the bottom
            for c, h in enumerate(heights):
                if math.isnan(h):
                    ch = " "
                else:
                    eighths = (h - lo) / span * (rows * 8 - 1) + 1
                    fill = eighths - (level_top - 1) * 8
                    ch = _BLOCKS[int(min(max(fill, 0), 8))]
                text.append(ch, style="reverse" if c == at else "")
            text.append("\n")
        marker = [" "] * width
        if p is not None and 0 <= at < width:
            here = f"▲ {p.km_total:.1f} km"
            if p.last_fix is not None and p.last_fix.alt_m is not None:
                here += f", {p.last_fix.alt_m:.0f} m"
            start = at if at + len(here) <= width else max(at - len(here) + 1, 0)
            marker[start : start + len(here)] = list(here[:width])
        line = "".join(marker[:width])
        tail = width - len(label)
        if line[tail:].strip() == "":
            line = line[:tail] + label
        text.append(line)
        return text
