"""Feeding and hydration timers: when the athlete should next eat and drink.

The rules, as a crew keeps them on paper:
- A timer counts from the last logged "ate" (or "drank"), else from the start of the event, and
  never from before the athlete's day began (`began`: the morning's first entry after a night,
  as the days table cuts days), so last night's dinner does not make breakfast overdue.
- Sleep pauses both: nobody wakes an athlete to drink. While the athlete is in a stop tagged
  "sleep" the timers show "paused", and after it they count again from the end of that sleep
  (waking is when the next meal is due from), unless something was logged later.
- A timer is "due" from its time for `DUE_FOR_S` (or a quarter of its interval, if shorter), then
  "overdue", with how long since it fell due; both raise an alert.
- Before the event has begun, and after the finish, there are no timers.
Pure: times are arguments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from companion.core.durations import duration_text
from companion.core.stops import Stop

KINDS = ("eat", "drink")
# How a timer is logged and shown.
LOGGED = {"eat": "ate", "drink": "drank"}
DUE_FOR_S = 10 * 60.0


@dataclass(frozen=True, slots=True)
class Fed:
    """The crew logged that the athlete ate or drank (what: optional)."""

    at: datetime
    kind: str  # "eat" or "drink"
    what: str = ""
    entry_id: int | None = None


@dataclass(frozen=True, slots=True)
class Timer:
    kind: str  # "eat" or "drink"
    every_s: float
    since: datetime  # what it counts from (the last one logged, the start, the end of sleep)
    due_at: datetime
    state: str  # "ok", "due", "overdue" or "paused" (asleep)
    last: Fed | None  # the last one logged, if any

    def due_in_s(self, now: datetime) -> float:
        """Seconds until due (negative: that long since it fell due)."""
        return (self.due_at - now).total_seconds()


def timers(
    every_min: dict[str, float],
    fed: Sequence[Fed],
    stops: Sequence[Stop],
    began: datetime | None,
    now: datetime,
    finished: bool = False,
) -> tuple[Timer, ...]:
    """The timers the event sets (`every_min` by kind), at `now`."""
    if began is None or now < began or finished:
        return ()
    asleep = bool(stops) and stops[-1].end is None and stops[-1].tag_name == "sleep"
    woke = max(
        (s.end for s in stops if s.tag_name == "sleep" and s.end is not None and s.end <= now),
        default=None,
    )
    out: list[Timer] = []
    for kind in KINDS:
        minutes = every_min.get(kind)
        if minutes is None:
            continue
        every = minutes * 60.0
        mine = [f for f in fed if f.kind == kind and f.at <= now]
        last = max(mine, key=lambda f: f.at) if mine else None
        since = max(t for t in (began, last.at if last else None, woke) if t is not None)
        due_at = since + timedelta(seconds=every)
        late_s = (now - due_at).total_seconds()
        if asleep:
            state = "paused"
        elif late_s < 0:
            state = "ok"
        elif late_s <= min(DUE_FOR_S, every / 4.0):
            state = "due"
        else:
            state = "overdue"
        out.append(Timer(kind, every, since, due_at, state, last))
    return tuple(out)


def alerts(ts: Sequence[Timer], now: datetime, tz: tzinfo) -> list[str]:
    """ "EAT due (last 12:05)", "DRINK overdue by 25 min (last: water 11:40)"."""
    out = []
    for t in ts:
        if t.state not in ("due", "overdue"):
            continue
        last = "nothing logged yet"
        if t.last is not None:
            what = f"{t.last.what} " if t.last.what else ""
            last = f"last: {what}{t.last.at.astimezone(tz):%H:%M}"
        late = -t.due_in_s(now)
        when = "due" if t.state == "due" else f"overdue by {_hm(late)}"
        out.append(f"{t.kind.upper()} {when} ({last})")
    return out


def timer_text(t: Timer, now: datetime) -> str:
    """ "eat in 12 min", "drink due", "eat overdue 25 min", "eat paused (asleep)"."""
    if t.state == "paused":
        return f"{t.kind} paused (asleep)"
    if t.state == "ok":
        return f"{t.kind} in {_hm(t.due_in_s(now))}"
    if t.state == "due":
        return f"{t.kind} DUE"
    return f"{t.kind} OVERDUE {_hm(-t.due_in_s(now))}"


def _hm(seconds: float) -> str:
    return duration_text(max(seconds, 0.0))  # a timer never reads "-3 min"
