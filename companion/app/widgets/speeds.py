"""Speeds now and on average, with moving and elapsed time today."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from companion.core.models import Progress
from companion.render import hm, kmh, moving


class Speeds(Widget):
    """One line: speed now, the recent pace (the moving average over the last 30 min of moving,
    what the ETAs lean on), today's moving average, moving time of elapsed time today. Two
    averages, so each says which it is: "avg" alone was read as either."""

    progress: reactive[Progress | None] = reactive(None)

    def render(self) -> Text:
        p = self.progress
        text = Text(no_wrap=True, overflow="ellipsis")
        if p is None:
            return text
        parts = [
            ("now ", kmh(p.speed_now_kmh)),
            ("  recent ", kmh(p.speed_avg_kmh)),
            ("  today avg ", kmh(p.speed_today_kmh)),
            ("  moving ", moving(p.moving_s_today, p.estimated_s_today)),
            (" of ", hm(p.elapsed_s_today)),
        ]
        def width() -> int:
            return sum(len(a) + len(b) for a, b in parts)

        if width() > self.size.width:
            # Narrow (the left column beside days and log): the unit once, after the last speed.
            for i in (0, 1):
                parts[i] = (parts[i][0], parts[i][1].removesuffix(" km/h"))
        if width() > self.size.width:
            parts.pop()  # narrower still (60 columns): the moving time without the elapsed
        for label, value in parts:
            text.append(label, style="dim")
            text.append(value, style="bold")
        return text
