"""Daily totals: date, km, moving time and average speed; today's row marked and live."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from rich.table import Table
from textual.reactive import reactive

from companion.app.widgets.bound import ShowsChanges
from companion.core.models import Progress
from companion.core.stops import off_bike_text
from companion.render import ESTIMATED_NOTE, km, moving


def days_table(
    p: Progress,
    tz: ZoneInfo,
    limit: int | None = None,
    off_bike: dict[date, dict[str, float]] | None = None,
) -> Table:
    """One row per day (newest last, at most `limit`), with the day number and a "today" mark;
    with `off_bike` (core/stops.py: seconds by day and tag), a column of the stops by tag."""
    today = p.today or p.now.astimezone(tz).date()  # a rider-day past midnight is still today
    first_day = p.days[0].date if p.days else today
    offset = 0
    if p.day_number is not None:
        # Day N counts from the event's start, which may precede the first logged day.
        offset = p.day_number - 1 - (today - first_day).days
    days = list(p.days)
    if limit is not None and len(days) > limit:
        days = days[-limit:]
    table = Table(box=None, expand=True, pad_edge=False, show_edge=False, padding=(0, 1))
    table.add_column("day", no_wrap=True)
    table.add_column("date", no_wrap=True)
    table.add_column("km", justify="right", no_wrap=True)
    table.add_column("moving", justify="right", no_wrap=True)
    table.add_column("km/h", justify="right", no_wrap=True)
    table.add_column("", no_wrap=True)
    if off_bike is not None:
        table.add_column("off the bike")
    for d in days:
        n = (d.date - first_day).days + 1 + offset
        is_today = d.date == today
        table.add_row(
            str(n),
            f"{d.date:%a %d %b}",
            km(d.km),
            moving(d.moving_s, d.estimated_s),
            "—" if d.avg_kmh is None else f"{d.avg_kmh:.1f}",
            "◀ today" if is_today else "",
            *([off_bike_text(off_bike.get(d.date, {}))] if off_bike is not None else []),
            style="bold" if is_today else None,
        )
    if not days:
        table.add_row("", "nothing logged yet", "", "", "", "", *([""] if off_bike else []))
    if any(d.estimated_s > 0 for d in days):
        table.caption = ESTIMATED_NOTE
        table.caption_style = "dim"
    return table


class DayTotals(ShowsChanges):
    """The latest `max_rows` days (its height is its content's, so it cannot ask its size)."""

    progress: reactive[Progress | None] = reactive(None, repaint=False)  # see bound.py

    def __init__(self, tz: ZoneInfo, *, max_rows: int = 8, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tz = tz
        self.max_rows = max_rows

    def render(self) -> Table | str:
        p = self.progress
        if p is None:
            return ""
        return days_table(p, self.tz, limit=self.max_rows)
