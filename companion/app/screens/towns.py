"""`t`: every town ahead with km and ETA."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from rich.console import Group, RenderableType
from rich.text import Text

from companion.app.screens.detail import DetailScreen
from companion.app.widgets.towns_ahead import towns_table
from companion.core.models import Progress
from companion.render import BASIS_TEXT, kmh


class TownsScreen(DetailScreen):
    """All towns ahead, the finish last, and the speed the ETAs assume."""

    def __init__(self, progress: Callable[[], Progress], tz: ZoneInfo) -> None:
        def build() -> RenderableType:
            p = progress()
            if not p.towns_ahead:
                return Text("No towns ahead: the route is done.")
            basis = BASIS_TEXT.get(p.eta_speed_basis, "")
            note = Text(f"\nETAs at {kmh(p.eta_speed_kmh)}: {basis}")
            return Group(towns_table(p.towns_ahead, tz, p), note)

        super().__init__("TOWNS AHEAD", build)
