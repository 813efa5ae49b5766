"""gpsd's JSON protocol: `?WATCH={"enable":true,"json":true}`, then one JSON object a line.

Only TPV objects carry positions. What gpsd 3.22 really sends (../shared/PEERS.md): mode 1 TPVs
with nothing but the mode (no fix: status, not a position), mode 3 TPVs without `time` before the
first RMC, and two or three TPVs with the same `time` each second, of which the one built from GGA
carries a speed gpsd derived itself (nonsense at walking pace) and the later one the receiver's.
So TPVs are merged by time, the later one's speed and course winning.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from companion.core.models import Fix
from companion.sources.lines import LineParser
from companion.sources.stream import StreamParser, TcpStreamSource

WATCH = b'?WATCH={"enable":true,"json":true}\n'
DEFAULT_PORT = 2947
# TPV `status`: 7 = time only (surveyed-in clock), 8 = a receiver in simulation mode.
_NOT_A_POSITION = {7, 8}


class GpsdParser(LineParser):
    """Feed gpsd's output in any pieces; get one Fix per distinct TPV time.

    A fix is held until a TPV with another time arrives or `flush()` is called (the source flushes
    whenever the stream pauses), because the better speed for that second may still be coming.
    """

    def __init__(self, *, source: str = "gpsd") -> None:
        self.source = source
        super().__init__()
        self._pending: Fix | None = None
        self._last_time: datetime | None = None
        self._bad = 0
        self.notice = ""  # "no fix", "waiting for a receiver": shown next to "connected"
        self.no_receiver = False  # gpsd said it has none: its silence is then healthy
        self.version = ""
        self.sats_used: int | None = None

    @property
    def bad_lines(self) -> int:
        return self._bad + self._lines.overflows

    def _end(self) -> list[Fix]:
        pending, self._pending = self._pending, None
        return [pending] if pending is not None else []

    def feed_line(self, line: str) -> list[Fix]:
        text = line.strip()
        if not text:
            return []
        try:
            obj = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: a line of 1000 "["
            self._bad += 1
            return []
        if not isinstance(obj, dict):
            self._bad += 1
            return []
        kind = obj.get("class")
        if kind == "TPV":
            return self._tpv(obj)
        if kind == "SKY":
            used = obj.get("uSat")
            if isinstance(used, int) and not isinstance(used, bool):
                self.sats_used = used
            elif isinstance(obj.get("satellites"), list):
                self.sats_used = sum(
                    1 for s in obj["satellites"] if isinstance(s, dict) and s.get("used")
                )
        elif kind == "VERSION":
            self.version = str(obj.get("release", ""))
        elif kind == "DEVICES":
            self.no_receiver = not obj.get("devices")
            if self.no_receiver:
                self.notice = "gpsd has no receiver yet"
        elif kind == "DEVICE":
            self.no_receiver = obj.get("activated") == 0
            if self.no_receiver:
                self.notice = "gpsd lost its receiver"
        elif kind == "ERROR":
            self.notice = f"gpsd: {str(obj.get('message', 'error'))[:80]}"
        return []

    def _tpv(self, obj: dict[str, Any]) -> list[Fix]:
        self.no_receiver = False  # a TPV comes from a receiver
        mode = obj.get("mode")
        if not isinstance(mode, int) or mode < 2:
            self.notice = "no fix"
            return []
        status = obj.get("status", 0)
        if not isinstance(status, int):  # `"status": []` is not gpsd talking
            self._bad += 1
            return []
        if status in _NOT_A_POSITION:
            self.notice = "receiver in simulation mode" if status == 8 else "no fix"
            return []
        fix = self._fix(obj)
        if fix is None:
            return []  # no time yet (GGA before the first RMC) or junk values
        self.notice = ""
        if self._last_time is not None and fix.time == self._last_time and self._pending is None:
            return []  # a late TPV for a second already delivered after a pause
        pending = self._pending
        if pending is not None and pending.time == fix.time:
            self._pending = _merge(pending, fix)
            return []
        self._pending = fix
        self._last_time = fix.time
        return [pending] if pending is not None else []

    def _fix(self, obj: dict[str, Any]) -> Fix | None:
        when = obj.get("time")
        lat, lon = _num(obj.get("lat")), _num(obj.get("lon"))
        if not isinstance(when, str) or lat is None or lon is None:
            if _too_big(obj.get("lat")) or _too_big(obj.get("lon")):
                self._bad += 1  # a 310-digit latitude: not gpsd's
            return None
        try:
            time = datetime.fromisoformat(when.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            self._bad += 1
            return None
        accuracy = _num(obj.get("eph"))
        if accuracy is None:
            epx, epy = _num(obj.get("epx")), _num(obj.get("epy"))
            accuracy = max(epx, epy) if epx is not None and epy is not None else None
        alt = _num(obj.get("altMSL"))
        return Fix(
            time=time,
            lat=lat,
            lon=lon,
            source=self.source,
            speed_mps=_num(obj.get("speed")),
            course_deg=_num(obj.get("track")),
            alt_m=alt if alt is not None else _num(obj.get("alt")),
            accuracy_m=accuracy,
            sats=self.sats_used,
        )


def _merge(earlier: Fix, later: Fix) -> Fix:
    """Two TPVs of one second: the later one's values where it has them."""
    return replace(
        later,
        speed_mps=later.speed_mps if later.speed_mps is not None else earlier.speed_mps,
        course_deg=later.course_deg if later.course_deg is not None else earlier.course_deg,
        alt_m=later.alt_m if later.alt_m is not None else earlier.alt_m,
        accuracy_m=later.accuracy_m if later.accuracy_m is not None else earlier.accuracy_m,
        sats=later.sats if later.sats is not None else earlier.sats,
    )


def _num(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer of 310 digits
        return None
    return number if math.isfinite(number) else None


def _too_big(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and _num(value) is None


class GpsdSource(TcpStreamSource):
    """`gpsd://HOST:PORT` (default 127.0.0.1:2947)."""

    kind = "gpsd"
    greeting = WATCH
    what = "gpsd"
    default_port: int | None = DEFAULT_PORT

    def _new_parser(self) -> GpsdParser:
        return GpsdParser(source=self.kind)

    def _eof_reason(self) -> str:
        return "gpsd closed the connection"

    def _silence_is_lost(self, parser: StreamParser) -> bool:
        # gpsd with a receiver sends a TPV every second, fix or not: silence then means gpsd
        # hung (or the connection is half-open), which reconnecting reports and may cure.
        return not (isinstance(parser, GpsdParser) and parser.no_receiver)

    def _silence_reason(self, since: datetime) -> str:
        return f"gpsd sent nothing since {since:%H:%M:%S}Z"
