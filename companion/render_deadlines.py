"""Cut-offs and targets beside a town, as text and JSON (status, summary and the dashboard).

"cut-off Sun 18:00 +1h40, needs 7.8 km/h moving, 6.1 with the usual stops": the time in hand
is the deadline minus the town's main ETA (core/cutoffs.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from companion.core.cutoffs import in_hand_text, need_text
from companion.core.models import DeadlineCheck, TownAhead

KIND_WORD = {"cutoff": "cut-off", "target": "target"}


def _clock(t: datetime, tz: ZoneInfo, now: datetime) -> str:
    local = t.astimezone(tz)
    same_day = local.date() == now.astimezone(tz).date()
    return local.strftime("%H:%M" if same_day else "%a %H:%M")


def deadline_short(c: DeadlineCheck, tz: ZoneInfo, now: datetime) -> str:
    """ "cut-off 18:00 +1h40" (for a table cell)."""
    word = KIND_WORD.get(c.deadline.kind, c.deadline.kind)
    text = f"{word} {_clock(c.deadline.at, tz, now)}"
    if c.passed:
        return f"{text} passed"
    if c.in_hand_s is not None:
        text += f" {in_hand_text(c.in_hand_s)}"
    return text


def deadline_long(c: DeadlineCheck, tz: ZoneInfo, now: datetime) -> str:
    """ "cut-off 18:00 +1h40, needs 7.8 km/h moving, 6.1 with the usual stops"."""
    need = need_text(c)
    short = deadline_short(c, tz, now)
    return f"{short}, {need}" if need and not c.passed else short


def deadlines_short(t: TownAhead, tz: ZoneInfo, now: datetime) -> str:
    return "; ".join(deadline_short(c, tz, now) for c in t.deadlines)


def deadline_json(c: DeadlineCheck, tz: ZoneInfo) -> dict[str, Any]:
    def r(v: float | None, n: int) -> float | None:
        return None if v is None else round(v, n)

    return {
        "kind": c.deadline.kind,  # "cutoff" (route file) or "target" (event file)
        "at": c.deadline.at.astimezone(tz).isoformat(timespec="seconds"),
        # deadline - the town's main ETA; negative: the ETA misses it
        "in_hand_s": r(c.in_hand_s, 0),
        "in_hand": in_hand_text(c.in_hand_s) if c.in_hand_s is not None else None,
        # The moving speed needed if the athlete stops as much as so far, and the average over
        # the clock (stops included); null once the deadline has passed.
        "need_moving_kmh": r(c.need_moving_kmh, 2),
        "need_overall_kmh": r(c.need_overall_kmh, 2),
        "moving_fraction": r(c.moving_fraction, 3),
        "missed": c.missed,
        "passed": c.passed,
    }
