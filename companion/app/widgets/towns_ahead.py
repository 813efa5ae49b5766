"""The towns ahead (as many as fit, always ending with the finish): km from here and ETA."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from rich.table import Table
from textual.reactive import reactive

from companion.app.widgets.bound import ShowsChanges
from companion.core.models import Progress, TownAhead
from companion.render import clock, eta_words, km
from companion.render_deadlines import deadlines_short


def towns_table(
    towns: tuple[TownAhead, ...],
    tz: ZoneInfo,
    p: Progress,
    limit: int | None = None,
    *,
    all_etas: bool = False,
) -> Table:
    """A table of towns with km along the route, km to go and ETA; the finish is always last.

    Shared by the dashboard panel and the full towns screen (`all_etas`: the recent-pace and
    plan ETAs in columns beside the main one, the athlete's rhythm).
    """
    shown = list(towns)
    if limit is not None and len(shown) > limit:
        # Keep the nearest ones and the finish: the crew plans the next hours and the end.
        shown = [*shown[: max(limit - 1, 1)], shown[-1]]
    table = Table(box=None, expand=True, pad_edge=False, show_edge=False, padding=(0, 1))
    table.add_column("town", ratio=1, no_wrap=True, overflow="ellipsis")
    table.add_column("at km", justify="right", no_wrap=True)
    table.add_column("to go", justify="right", no_wrap=True)
    table.add_column("ETA", justify="right", no_wrap=True)
    table.add_column("in", justify="right", no_wrap=True)
    others = ("recent", "plan") if all_etas else ()
    for kind in others:
        table.add_column(kind, justify="right", no_wrap=True)
    # A cut-off / target column only when a town shown has one (core/cutoffs.py).
    deadlines = any(t.deadlines for t in shown)
    if deadlines:
        table.add_column("cut-off", justify="right", no_wrap=True)
    for i, t in enumerate(shown):
        last = i == len(shown) - 1 and p.finish is not None and t.name == p.finish.name
        name = f"{t.name} (finish)" if last else t.name
        # "in 20 min", or "due" / "overdue by 25 min" once the ETA has passed (never "0 min").
        when = eta_words(t).removeprefix("in ")
        cells = [name, km(t.km), f"{km(t.km_to_go)} km", clock(t.eta_at, tz, p.now), when]
        for kind in others:
            e = t.eta_of(kind)
            cells.append(clock(e.at if e is not None else None, tz, p.now))
        if deadlines:
            cells.append(deadlines_short(t, tz, p.now))
        missed = any(c.missed for c in t.deadlines)
        table.add_row(*cells, style="bold red" if missed else None)
    return table


class TownsAhead(ShowsChanges):
    """As many rows as the widget's height allows (one is the heading), the finish last."""

    progress: reactive[Progress | None] = reactive(None, repaint=False)  # see bound.py

    def __init__(self, tz: ZoneInfo, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tz = tz

    def render(self) -> Table | str:
        p = self.progress
        if p is None:
            return ""
        if not p.towns_ahead:
            return "No towns ahead: the route is done."
        return towns_table(p.towns_ahead, self.tz, p, limit=max(self.size.height - 1, 2))
