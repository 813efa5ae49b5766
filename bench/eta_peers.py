"""The peer methods of the ETA benchmark (bench/eta.py), as other tools and crews reckon:
remaining km over one speed, each fed the tracker's km after each fix."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from companion.core.models import Fix
from companion.core.tracker import Tracker

Target = tuple[str, float]  # (town name, km)
# Below this along-route speed an interval is not moving time (the peers' moving average).
PEER_STOP_KMH = 2.0


@dataclass(slots=True)
class _History:
    """(time, km) after each fix and the moving time so far, as the peers see them."""

    times: list[datetime] = field(default_factory=list)
    kms: list[float] = field(default_factory=list)
    moving_s: float = 0.0
    speed_mps: float | None = None  # the receiver's, on the last fix

    def add(self, t: datetime, km: float, speed_mps: float | None) -> None:
        if self.times:
            dt = (t - self.times[-1]).total_seconds()
            if dt > 0 and (km - self.kms[-1]) / dt * 3600 >= PEER_STOP_KMH:
                self.moving_s += dt
        self.times.append(t)
        self.kms.append(km)
        self.speed_mps = speed_mps

    def _interp(self, i: int, t: datetime) -> float:
        if i <= 0:
            return self.kms[0]
        if i >= len(self.times):
            return self.kms[-1]
        t0, t1 = self.times[i - 1], self.times[i]
        f = (t - t0).total_seconds() / max((t1 - t0).total_seconds(), 1e-9)
        return self.kms[i - 1] + (self.kms[i] - self.kms[i - 1]) * f

    def window_kmh(self, now: datetime, span: timedelta) -> float | None:
        """Km covered in the `span` before the last fix (or since the start, if shorter): fed by
        checkpoints nothing is known after the last entry."""
        end = self.times[-1]
        start = max(end - span, self.times[0])
        hours = (end - start).total_seconds() / 3600
        if hours <= 0:
            return None
        return (self.kms[-1] - self._interp(bisect.bisect_right(self.times, start), start)) / hours


class PeerPredictor:
    """A peer method: ETA = base + km to go / its speed. On a GPS feed the base is now; fed by
    checkpoints, the last entry's time (dead reckoning, never before now)."""

    def __init__(self, speed: Callable[[_History, datetime], float | None], checkpoints: bool):
        self.speed = speed
        self.checkpoints = checkpoints
        self.h = _History()

    def observe(self, fix: Fix, tracker: Tracker) -> None:
        self.h.add(fix.time, tracker.km, fix.speed_mps)

    def predict(
        self, tracker: Tracker, now: datetime, targets: Sequence[Target]
    ) -> list[datetime | None]:
        if not self.h.times:
            return [None] * len(targets)
        v = self.speed(self.h, now)
        if v is None or v <= 0.05:
            return [None] * len(targets)
        base = self.h.times[-1] if self.checkpoints else now
        out: list[datetime | None] = []
        for _, km in targets:
            at = base + timedelta(hours=max(km - self.h.kms[-1], 0.0) / v)
            out.append(max(at, now))
        return out


def _current(h: _History, now: datetime) -> float | None:
    if h.speed_mps is not None:
        return h.speed_mps * 3.6
    if len(h.times) < 2:
        return None
    dt = (h.times[-1] - h.times[-2]).total_seconds()
    return (h.kms[-1] - h.kms[-2]) / dt * 3600 if dt > 0 else None


def _cumulative(h: _History, now: datetime) -> float | None:
    hours = (now - h.times[0]).total_seconds() / 3600
    return h.kms[-1] / hours if hours > 0 else None


def _moving(h: _History, now: datetime) -> float | None:
    return h.kms[-1] / (h.moving_s / 3600) if h.moving_s > 0 else None


def _karoo(h: _History, now: datetime) -> float | None:
    hour, avg = h.window_kmh(now, timedelta(hours=1)), _moving(h, now)
    if hour is None or avg is None:
        return avg if hour is None else hour
    return 0.5 * hour + 0.5 * avg


def _last(span: timedelta) -> Callable[[_History, datetime], float | None]:
    return lambda h, now: h.window_kmh(now, span)


_PEER_SPEEDS: dict[str, Callable[[_History, datetime], float | None]] = {
    "current speed": _current,
    "cumulative avg": _cumulative,
    "moving avg": _moving,
    "Karoo blend": _karoo,
    "last 30 min": _last(timedelta(minutes=30)),
    "last 2 h": _last(timedelta(hours=2)),
}


def _peer(name: str) -> Callable[[Any, str], PeerPredictor]:
    return lambda event, feed: PeerPredictor(_PEER_SPEEDS[name], feed == "checkpoints")


# name -> make(event, feed), as bench/eta.py's MakePredictor.
PEERS: dict[str, Callable[[Any, str], PeerPredictor]] = {name: _peer(name) for name in _PEER_SPEEDS}
