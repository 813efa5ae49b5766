"""The alerts of a shift that came and went, worked out again from the log for the handover card:
a GPS feed that went quiet for longer than the event's `stale_min` (STALE, then fixes again), and
a feed that was lost (its status rows). What stands now is Progress's own alerts; this is the
rest, so the incoming shift hears of the hour with no GPS at 03:00 too."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from companion import render
from companion.logrows import LogEntry

# More than this many lines would bury the card: the newest are kept, and the rest counted.
MAX_LINES = 6
_LOST = "feed lost"  # logrows.read_entry's summary of a feed status row


def came_and_went(
    gps_times: Iterable[datetime],
    feed_rows: Iterable[LogEntry],
    since: datetime,
    now: datetime,
    stale_s: float,
    tz: ZoneInfo,
) -> list[str]:
    """Alerts raised within [since, now] that are over by `now`, oldest first. `gps_times`:
    the GPS fixes' times in order, from the one before the shift (Tracker.gps_times_from)."""
    found: list[tuple[datetime, str]] = []
    last: datetime | None = None  # the GPS fix before, even from before the shift
    for t in gps_times:
        if t > now:
            continue
        if last is not None and t >= since and (t - last).total_seconds() > stale_s:
            gap = (t - last).total_seconds()
            found.append((last, f"STALE {_hm(last, tz, now)}-{_hm(t, tz, now)} "
                                f"({render.hm(gap)} without a GPS position)"))  # fmt: skip
        last = t
    for e in feed_rows:
        if e.kind == "feed" and since <= e.logged_at <= now and e.summary.startswith(_LOST):
            why = e.summary[len(_LOST) :].lstrip(": ")
            said = f"FEED LOST {_hm(e.logged_at, tz, now)}" + (f": {why}" if why else "")
            found.append((e.logged_at, said))
    found.sort(key=lambda x: x[0])
    lines = [text for _t, text in found]
    if len(lines) > MAX_LINES:
        more = len(lines) - MAX_LINES + 1
        lines = [f"{more} earlier", *lines[-(MAX_LINES - 1) :]]
    return lines


def _hm(t: datetime, tz: ZoneInfo, now: datetime) -> str:
    return render.clock(t, tz, now)
