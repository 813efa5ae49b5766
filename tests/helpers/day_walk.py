"""The day-by-day walk `DayWindow.advance` did before issue 11: the plainest statement of the
rule (spend the window's hours day by day), kept as the reference the O(1) clock must match."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from companion.core.eta import DayWindow


def walk(w: DayWindow, t: datetime, seconds: float) -> datetime:
    """When `seconds` of the window's hours have been spent from `t`, walking day by day."""
    remaining = seconds
    while True:
        day = t.astimezone(w.tz).date()
        opens = datetime.combine(day, w.start, w.tz)
        closes = datetime.combine(day, w.end, w.tz)
        if t < opens:
            t = opens
        if t >= closes:
            t = datetime.combine(day + timedelta(days=1), w.start, w.tz)
            continue
        room = (closes - t).total_seconds()
        if remaining <= room:
            return (t + timedelta(seconds=remaining)).astimezone(UTC)
        remaining -= room
        t = datetime.combine(day + timedelta(days=1), w.start, w.tz)
