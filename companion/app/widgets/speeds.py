"""Speeds now and on average, with moving and elapsed time today."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from companion.core.models import Progress
from companion.render import hm, kmh, moving


class Speeds(Widget):
    """One line: speed now, moving average, moving time of elapsed time today."""

    progress: reactive[Progress | None] = reactive(None)

    def render(self) -> Text:
        p = self.progress
        text = Text(no_wrap=True, overflow="ellipsis")
        if p is None:
            return text
        for label, value in (
            ("now ", kmh(p.speed_now_kmh)),
            ("  avg ", kmh(p.speed_avg_kmh)),
            ("  moving ", moving(p.moving_s_today, p.estimated_s_today)),
            (" of ", hm(p.elapsed_s_today)),
        ):
            text.append(label, style="dim")
            text.append(value, style="bold")
        text.append(" today", style="dim")
        return text
