"""`t`: every town ahead with km and its three ETAs (rhythm, recent pace, plan)."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from rich.console import Group, RenderableType
from rich.text import Text

from companion.app.screens.detail import DetailScreen
from companion.app.widgets.towns_ahead import towns_table
from companion.core.models import Progress
from companion.render import BASIS_TEXT, kmh, main_basis
from companion.render_deadlines import deadline_long


class TownsScreen(DetailScreen):
    """All towns ahead, the finish last, and the speeds the ETAs assume."""

    def __init__(self, progress: Callable[[], Progress], tz: ZoneInfo) -> None:
        def build() -> RenderableType:
            p = progress()
            if not p.towns_ahead:
                return Text("No towns ahead: the route is done.")
            first = p.towns_ahead[0]
            recent = BASIS_TEXT.get(p.eta_speed_basis, "")
            note = Text(
                f"\nETA (the athlete's rhythm) at {kmh(first.speed_kmh)}: {main_basis(first, p)}"
                f"\nrecent: at {kmh(p.eta_speed_kmh)}, {recent}, no more stops"
                f"\nplan: at {kmh(plan.speed_kmh) if (plan := first.eta_of('plan')) else '—'}"
            )
            # Each cut-off and target: time in hand and the pace it needs (core/cutoffs.py).
            for t in p.towns_ahead:
                for c in t.deadlines:
                    note.append(f"\n{t.name}: {deadline_long(c, tz, p.now)}",
                                style="bold red" if c.missed else "")  # fmt: skip
            return Group(towns_table(p.towns_ahead, tz, p, all_etas=True), note)

        super().__init__("TOWNS AHEAD", build)
