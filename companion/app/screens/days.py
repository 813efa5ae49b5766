"""`d`: every day's totals, today's row live."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from zoneinfo import ZoneInfo

from rich.console import Group, RenderableType
from rich.text import Text

from companion.app.screens.detail import DetailScreen
from companion.app.widgets.day_totals import days_table
from companion.core.models import Progress
from companion.render import hm, km, moving


class DaysScreen(DetailScreen):
    """All daily totals with the event's totals below."""

    def __init__(
        self,
        progress: Callable[[], Progress],
        tz: ZoneInfo,
        off_bike: Callable[[Progress], dict[date, dict[str, float]]] | None = None,
    ) -> None:
        def build() -> RenderableType:
            p = progress()
            total = Text(
                f"\nevent: {km(p.km_total)} of {km(p.route_km)} km, moving "
                f"{moving(p.moving_s_total, p.estimated_s_total)} of {hm(p.elapsed_s_total)} "
                "since the start"
            )
            by_tag = off_bike(p) if off_bike is not None else None
            return Group(days_table(p, tz, off_bike=by_tag), total)

        super().__init__("DAILY TOTALS", build)
