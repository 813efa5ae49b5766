"""The nights ahead of the ETA model: day time spent between the nightly halts.

From a start, the day is cut into stretches of day time, each ending at the night's usual stop
and resuming at its end. Every town of one `Tracker.progress` walks the same stretches from the
same start, the farther towns further: the stretches are kept (for the last start walked) and
extended as far as asked, so a progress with 16 towns a week ahead walks the week's nights once,
not once per town. The results are those of walking afresh (to the microsecond: the day
time is summed in another order).
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

# Still moving after the usual night stop: the night is expected this much later, not at once
# (a town 3 km ahead is not sent to tomorrow).
NIGHT_GRACE_S = 3600.0
# A bound on the nights walked (a year of them), not a limit ever reached.
MAX_NIGHTS = 400


@dataclass(frozen=True, slots=True)
class Night:
    """One night's halt seen: it began `stop_s` after local noon and lasted `length_s`."""

    stop_s: float
    length_s: float


def after_noon_s(t: datetime, tz: ZoneInfo) -> float:
    """Seconds from the local noon before `t` (a night that starts at 19:00 or 01:00 compares)."""
    local = t.astimezone(tz)
    noon = datetime.combine(local.date(), time(12), tz)
    if local < noon:
        noon -= timedelta(days=1)
    return (local - noon).total_seconds()


def _stretch(t: datetime, night: Night, tz: ZoneInfo) -> tuple[float, datetime]:
    """From `t`: the day time before the next halt, and when that halt ends."""
    # After the first (from the progress's own start) every stretch begins at the end of a
    # halt, the same times in every progress: they are kept. By `t`'s tzinfo too: equal
    # instants in other zones compare equal, and the arithmetic below is on t's wall clock.
    return _stretch_of(t, t.tzinfo, night, tz)


@lru_cache(maxsize=1024)
def _stretch_of(
    t: datetime, _zone: tzinfo | None, night: Night, tz: ZoneInfo
) -> tuple[float, datetime]:
    noon = t - timedelta(seconds=after_noon_s(t, tz))
    stop = noon + timedelta(seconds=night.stop_s)
    end = stop + timedelta(seconds=night.length_s)
    if t >= end:
        stop += timedelta(days=1)  # tonight's halt is over: the next one
        end += timedelta(days=1)
    if t > stop and (t - stop).total_seconds() < night.length_s / 2:
        stop = t + timedelta(seconds=NIGHT_GRACE_S)  # on the road after the usual stop
        end = max(end, stop + timedelta(seconds=night.length_s / 2))
    elif t > stop:
        stop += timedelta(days=1)  # up before the usual hour: tonight's halt is over
        end += timedelta(days=1)
    return (stop - t).total_seconds(), end


@dataclass(frozen=True, slots=True)
class _Walk:
    start: datetime
    night: Night
    tz: ZoneInfo
    begins: tuple[datetime, ...]  # when each stretch of day time begins
    before: tuple[float, ...]  # day time spent before each stretch
    rooms: tuple[float, ...]  # day time in each stretch


_last: list[_Walk] = []  # the last walk (one entry), replaced whole: safe across threads
_lock = threading.Lock()


def _walk(start: datetime, night: Night, tz: ZoneInfo, seconds: float) -> _Walk:
    with _lock:
        w = _last[0] if _last else None
    if w is None or w.start != start or w.night != night or w.tz != tz:
        w = _Walk(start, night, tz, (), (), ())
    if w.rooms and w.before[-1] + w.rooms[-1] >= seconds:
        return w
    w = _extended(w, seconds)
    with _lock:
        _last[:] = [w]
    return w


def _extended(w: _Walk, seconds: float) -> _Walk:
    """`w` walked on until it holds `seconds` of day time (or MAX_NIGHTS stretches)."""
    start, night, tz = w.start, w.night, w.tz
    begins, before, rooms = list(w.begins), list(w.before), list(w.rooms)
    t = start if not rooms else _stretch(begins[-1], night, tz)[1]
    spent = before[-1] + rooms[-1] if rooms else 0.0
    while len(rooms) < MAX_NIGHTS:
        room, end = _stretch(t, night, tz)
        begins.append(t)
        before.append(spent)
        rooms.append(room)
        spent += room
        if spent >= seconds:
            break
        t = end
    return _Walk(start, night, tz, tuple(begins), tuple(before), tuple(rooms))


def _arrival(w: _Walk, seconds: float) -> datetime:
    at, s = _place(w, seconds)
    return at if s is None else at + timedelta(0, s)


def _place(w: _Walk, seconds: float) -> tuple[datetime, float | None]:
    """The arrival as (the stretch's beginning, the seconds into it), its datetime left to the
    reader (`EtaOption`: the same sum, `timedelta(0, s)` is `timedelta(seconds=s)`); s is None
    past MAX_NIGHTS (or for NaN), where the time is built here, and raises here if it must."""
    i = max(bisect.bisect_left(w.before, seconds) - 1, 0)  # the stretch it ends in
    into = seconds - w.before[i]
    if into <= w.rooms[i]:
        return w.begins[i], into
    if into > w.rooms[i] and i == len(w.rooms) - 1:
        # Past MAX_NIGHTS of stretches: on from the last halt without more nights.
        end = _stretch(w.begins[i], w.night, w.tz)[1]
        return end + timedelta(seconds=seconds - w.before[i] - w.rooms[i]), None
    return w.begins[i] + timedelta(seconds=into), None


def advance_nights(start: datetime, seconds: float, night: Night, tz: ZoneInfo) -> datetime:
    """The time at which `seconds` of day time from `start` are spent, halting each night
    from the usual stop for the usual length (still going past the stop: NIGHT_GRACE_S later)."""
    return _arrival(_walk(start, night, tz, seconds), seconds)


class NightWalk:
    """`advance_nights` from one start for many durations (the towns of one progress), its
    walk kept here instead of in the module's cache: no lock, no comparing of starts, and the
    same stretches, so the same answers."""

    __slots__ = ("_w",)

    def __init__(self, start: datetime, night: Night, tz: ZoneInfo) -> None:
        self._w = _Walk(start, night, tz, (), (), ())

    def advance(self, seconds: float) -> datetime:
        at, s = self.place(seconds)
        return at if s is None else at + timedelta(0, s)

    def place(self, seconds: float) -> tuple[datetime, float | None]:
        """`advance(seconds)` as (a time, the seconds after it; None: the time is the answer),
        as `DayClock.place` answers (core/eta.py)."""
        w = self._w
        if not (w.rooms and w.before[-1] + w.rooms[-1] >= seconds):
            w = self._w = _extended(w, seconds)
        return _place(w, seconds)
