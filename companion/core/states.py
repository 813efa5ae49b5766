"""What the screen says as time passes: towns due or overdue, no entry for a while, stopped,
finished. Pure functions of the tracker's values and `now`; the Tracker calls them from
`progress`, and every renderer (dashboard, `status`, `summary`) reads their results from Progress.

The rules, in one place:
- A town is "ahead" until its ETA, "due" for `DUE_FOR_S` after it (a crew types a checkpoint a
  few minutes after the athlete passes; an ETA over a long leg is rarely better than that), then
  "overdue" by the time since its ETA.
- "No entry": the last position was typed by the crew, the athlete is neither stopped nor
  finished, and the entry is older than the event's `no_entry_min`, or, without one, than the
  expected time from that entry to the next town (i.e. the next town is due).
- Stopped: the crew said so (a "stop" mark), or the tracker's motion says so from GPS fixes; a
  stop the tracker infers between two typed entries is not shown (nobody said so, and the next
  entry may already be on the road). While stopped the ETAs count from now.
- Silent: a GPS feed with no fix for longer than the event's stale time (the STALE alert) says
  nothing of a stop, yet the athlete has not been seen moving since (a recording ended at the
  hotel, a phone died): the ETAs count from now, as a stop's since the last fix, so an ETA of a
  town not reached never sits hours in the past. A typed entry is not silent (its towns fall
  due, then overdue, as the crew expects the next entry).
- Finished: the athlete reached the finish; the finish time is the first of the trailing fixes
  at the finish, and elapsed time stops there.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from companion.core.durations import duration_text
from companion.core.models import Fix
from companion.core.route import Route

# How long a town stays "due" after its ETA before it is "overdue".
DUE_FOR_S = 15 * 60.0
# Within this of the finish the athlete has finished (the finish of a route book is a town's
# km; a GPS fix at the line projects a few metres short).
FINISH_TOL_KM = 0.05
# The last town counts as the finish when it is this close to the route's end.
FINISH_TOWN_KM = 0.2

AHEAD, DUE, OVERDUE = "ahead", "due", "overdue"


def town_state(eta_at: datetime | None, now: datetime) -> tuple[str, float | None]:
    """A town's state at `now` and the seconds since its ETA (None while ahead or unknown)."""
    if eta_at is None or eta_at > now:
        return AHEAD, None
    past_s = (now - eta_at).total_seconds()
    return (DUE if past_s <= DUE_FOR_S else OVERDUE), past_s


def finish_km(route: Route) -> float:
    """The km at which the athlete has finished: the last town's when it stands at the end."""
    towns = route.towns
    if towns and route.length_km - towns[-1].km <= FINISH_TOWN_KM:
        return min(towns[-1].km, route.length_km)
    return route.length_km


class FinishWatch:
    """When the athlete reached the finish, found again only when the log has changed.

    A GPS left on at the finish logs on (10 Hz: 36,000 fixes an hour): each new fix there
    carries the run at the finish on from the one before (`appended`), so the finish time is
    not a scan back over every fix since the finish, again for every fix."""

    __slots__ = ("_seen", "at_km", "from_km")

    def __init__(self, route: Route) -> None:
        self.at_km = finish_km(route)
        self.from_km = self.at_km - FINISH_TOL_KM  # at the finish from this km on
        # (len, last time, last km) of the fixes when the finish time was found, and it.
        self._seen: tuple[tuple[int, datetime | None, float], datetime | None] | None = None

    def reached_at(self, times: Sequence[datetime], kms: Sequence[float]) -> datetime | None:
        """The finish time if the athlete has finished, from the fixes' times and the km the
        athlete was at after each (the tracker keeps both, in time order)."""
        if not kms or kms[-1] < self.from_km:
            return None
        key = (len(times), times[-1], kms[-1])
        if self._seen is None or self._seen[0] != key:
            self._seen = (key, finish_time(times, kms, self.at_km))
        return self._seen[1]

    def appended(self, times: Sequence[datetime], kms: Sequence[float]) -> None:
        """One fix was appended and left the athlete at the finish (`kms[-1] >= from_km`): the
        finish time carried on from the answer for the fixes before it, when that is the one
        kept (the same key `reached_at` checks), else found by `reached_at`'s scan."""
        n = len(kms)
        found: datetime | None
        if n == 1 or kms[-2] < self.from_km:
            found = times[-1]  # the run at the finish starts here
        elif (seen := self._seen) is not None and seen[0] == (n - 1, times[-2], kms[-2]):
            found = seen[1]
        else:
            found = finish_time(times, kms, self.at_km)
        self._seen = ((n, times[-1], kms[-1]), found)


def finish_time(times: Sequence[datetime], kms: Sequence[float], at_km: float) -> datetime | None:
    """When the athlete reached `at_km`: the earliest of the trailing fixes at the finish.

    `kms[i]` is the athlete's km after the fix at `times[i]` (an off-route fix leaves it where
    it was, so it neither ends nor breaks the run at the finish). Scans back from the newest
    fix, so it costs the fixes after the finish only.
    """
    found: datetime | None = None
    for t, k in zip(reversed(times), reversed(kms), strict=True):
        if k < at_km - FINISH_TOL_KM:
            break
        found = t
    return found


def is_stopped(stopped_since: datetime | None, stopped_by: str | None, last: Fix | None) -> bool:
    """Whether the screen says stopped: the crew said so, or GPS fixes say so."""
    if stopped_since is None or last is None:
        return False
    return stopped_by == "crew" or not last.is_manual


def is_silent(last: Fix | None, now: datetime, stale_s: float) -> bool:
    """Whether the GPS feed has said nothing for longer than `stale_s` (see the module's rules)."""
    return last is not None and not last.is_manual and (now - last.time).total_seconds() > stale_s


def no_entry_s(
    last: Fix | None,
    now: datetime,
    next_eta_at: datetime | None,
    threshold_s: float | None,
    eta_base: datetime | None = None,
) -> float | None:
    """The age of the last manual entry when it is overdue for a new one, else None.

    `next_eta_at` is the next town's ETA counted from `eta_base` (the entry itself by default;
    now, when no motion is known yet: after a single entry the ETA slides with the clock, and
    the time it allows to the next town must count from the entry, or NO ENTRY never comes);
    `threshold_s` the event's `no_entry_min` in seconds, which replaces it when set. The caller
    leaves out a stopped or finished athlete.
    """
    if last is None or not last.is_manual:
        return None
    age = (now - last.time).total_seconds()
    if threshold_s is not None:
        limit: float | None = threshold_s
    elif next_eta_at is not None:
        limit = (next_eta_at - (eta_base or last.time)).total_seconds()
    else:
        limit = None  # no speed, no expectation
    return age if limit is not None and age > limit else None


def no_entry_alert(age_s: float, last: Fix, km: float, tz: tzinfo) -> str:
    """ "NO ENTRY for 2h10 (last: Valsad at 12:00)"."""
    what = last.label or f"km {km:.1f}"
    when = last.time.astimezone(tz).strftime("%H:%M")
    return f"NO ENTRY for {duration_text(age_s)} (last: {what} at {when})"
