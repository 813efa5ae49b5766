"""Is a new entry, or a new time for a logged one, believable? The entries around it say.

A new checkpoint must not be behind the last position nor need more than the event's maximum
speed from it (`check_new_entry`).

Moving an entry in time puts it between two other positions. If that puts the km out of order (the
athlete would go back) or needs more than the event's maximum speed from the position before or to
the one after, the time is most likely mistyped: `check_new_time` refuses it with ImplausibleEntry,
which the crew can override (`edit --force`, Enter again in the form), as for a new checkpoint.
No IO, no clock: the fixes and the time are arguments.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from companion.core.durations import duration_text
from companion.core.models import Fix, ImplausibleEntry

# GPS and km markers differ by a few hundred metres: a km difference this small is never
# questioned, for a new entry or an entry moved in time.
TOLERANCE_KM = 1.0
START_LABEL = "the start"


def check_new_entry(
    fix: Fix, since: datetime | None, km_now: float, *, max_kmh: float, tz: ZoneInfo
) -> None:
    """Raise ImplausibleEntry if a new entry `fix` is behind the athlete's `km_now` (reached at
    `since`: the last position, or the event's start) or on from it faster than `max_kmh`."""
    if since is None or fix.km is None or fix.time < since:
        return  # nothing to compare with, or typed in late between other entries
    moved_km = fix.km - km_now
    if abs(moved_km) <= TOLERANCE_KM:
        return
    dt_h = (fix.time - since).total_seconds() / 3600.0
    when = since.astimezone(tz).strftime("%H:%M")
    where = f"{fix.label} is" if fix.label and not fix.label.startswith("km ") else "that is"
    last = f"the last position (km {km_now:.1f} at {when})"
    if moved_km < 0:
        raise ImplausibleEntry(f"{where} {-moved_km:.1f} km behind {last}")
    if (words := too_fast(moved_km, dt_h, max_kmh)) is not None:
        raise ImplausibleEntry(f"{where} {moved_km:.1f} km on from {last}: {words}")


def check_new_time(
    fixes: Sequence[Fix],
    old: Fix,
    at: datetime,
    *,
    max_kmh: float,
    tz: ZoneInfo,
    start: datetime | None = None,
) -> None:
    """Raise ImplausibleEntry if `old` moved to time `at` is out of km order or too fast.

    Args:
        fixes: every fix that counts, in time order (`old` among them, at its current time).
        old: the entry being edited, as it counts now.
        at: its new time (aware).
        max_kmh: the event's fastest believable speed.
        tz: the event's timezone, for the times in the message.
        start: the event's start: before any entry the athlete is at km 0 then.
    """
    if old.km is None:
        return  # an entry that is not on the route has no km to keep in order
    moved = Fix(at, old.lat, old.lon, source=old.source, km=old.km, label=old.label)
    before, after = _neighbours(fixes, old, at)
    if before is None and start is not None and start <= at:
        before = Fix(start, 0.0, 0.0, source="start", km=0.0, label=START_LABEL)
    what, new = _name(moved), _clock(at, at, tz)
    # Out of order first: it says what is wrong better than the speed it would take.
    if before is not None and _km(before) - _km(moved) > TOLERANCE_KM:
        raise ImplausibleEntry(
            f"at {new}, {what} would be {_km(before) - _km(moved):.1f} km behind the entry "
            f"before it ({_name(before)} at {_clock(before.time, at, tz)})"
        )
    if after is not None and _km(moved) - _km(after) > TOLERANCE_KM:
        raise ImplausibleEntry(
            f"at {new}, {what} would be {_km(moved) - _km(after):.1f} km past the entry "
            f"after it ({_name(after)} at {_clock(after.time, at, tz)})"
        )
    for a, b in ((before, moved), (moved, after)):
        if a is not None and b is not None:
            _check_speed(a, b, max_kmh, tz)


def _check_speed(a: Fix, b: Fix, max_kmh: float, tz: ZoneInfo) -> None:
    """From `a` to `b` (in that order) must not need more than `max_kmh`."""
    moved_km = _km(b) - _km(a)
    if moved_km <= TOLERANCE_KM:
        return
    dt_h = (b.time - a.time).total_seconds() / 3600.0
    if (words := too_fast(moved_km, dt_h, max_kmh)) is not None:
        raise ImplausibleEntry(
            f"{_name(a)} at {_clock(a.time, b.time, tz)} to {_name(b)} at "
            f"{_clock(b.time, a.time, tz)} is {moved_km:.1f} km in {_minutes(dt_h)}: {words}"
        )


def too_fast(moved_km: float, dt_h: float, max_kmh: float) -> str | None:
    """Why `moved_km` in `dt_h` hours is not believable, or None if it is.

    Two entries at the same time (a checkpoint typed at a GPS fix's second) would read
    "inf km/h": say instead how long the event's fastest speed needs for it.
    """
    if dt_h <= 0:
        need_h = max(moved_km / max_kmh, 1 / 60)
        return f"in no time, where {max_kmh:g} km/h needs at least {_minutes(need_h)}"
    kmh = moved_km / dt_h
    if kmh <= max_kmh:
        return None
    return f"{kmh:,.0f} km/h, faster than the event's {max_kmh:g} km/h"


def _km(fix: Fix) -> float:
    assert fix.km is not None  # only positions with a km are compared
    return fix.km


def _minutes(hours: float) -> str:
    return duration_text(hours * 3600.0)


def _neighbours(fixes: Sequence[Fix], old: Fix, at: datetime) -> tuple[Fix | None, Fix | None]:
    """The positions with a km just before (at or before `at`) and just after `at`, not `old`."""
    i = bisect.bisect_right(fixes, at, key=lambda f: f.time)
    before = next((fixes[j] for j in range(i - 1, -1, -1) if _other(fixes[j], old)), None)
    after = next((fixes[j] for j in range(i, len(fixes)) if _other(fixes[j], old)), None)
    return before, after


def _other(fix: Fix, old: Fix) -> bool:
    return fix.km is not None and fix != old


def _name(fix: Fix) -> str:
    """ "Valsad (km 189.0)", or "km 171.0" for an entry typed as a km (or a GPS fix)."""
    if fix.label and not fix.label.startswith("km "):
        return f"{fix.label} (km {_km(fix):.1f})"
    return f"km {_km(fix):.1f}"


def _clock(t: datetime, beside: datetime, tz: ZoneInfo) -> str:
    """HH:MM in the event's timezone, with the day when it is not the day of `beside`."""
    local = t.astimezone(tz)
    return f"{local:%H:%M}" if local.date() == beside.astimezone(tz).date() else f"{local:%a %H:%M}"
