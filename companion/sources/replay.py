"""`replay:PATH?speed=60`: a recorded track (GPX with times, or an NMEA log) played in its own
time, `speed` times faster. The demo runs on this.

Times are rebased so that the first fix is "now" (the clock at start) and keep their real spacing:
a fix recorded an hour after the first is stamped start + 1 h and delivered after 1 h / speed of
wall time. A dashboard watching a sped-up replay should therefore use `virtual_now()` as its
clock, or every "last fix 3 s ago" and ETA would be off by the speed factor. `?rebase=0` keeps the
recorded times instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import ParseError, iterparse

from companion.core.models import Fix
from companion.event import redact
from companion.sources.base import FeedError, FeedLost, Source, query_float
from companion.sources.nmea import parse_nmea_file
from companion.sources.payloads import PayloadError, parse_time

DEFAULT_SPEED = 1.0


class ReplaySource(Source):
    """Plays the fixes of a file with their recorded spacing divided by `speed`.

    Args:
        url: `replay:PATH?speed=N` or `nmea:PATH?speed=N`.
        monotonic: wall-clock seconds for `virtual_now()` (injectable for tests).
    """

    kind = "replay"

    def __init__(
        self,
        url: str,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        **kwargs: Any,
    ) -> None:
        super().__init__(url, **kwargs)
        self._check_live = False  # rebased times are ours; recorded ones are history
        parts = urlsplit(url)
        self.path = Path(unquote(parts.path)).expanduser()
        self.speed = query_float(url, "speed", DEFAULT_SPEED)
        rebase = parse_qs(parts.query).get("rebase", ["1"])[-1]
        self.rebase = rebase.lower() not in ("0", "no", "false")
        if not self.path.is_file():
            raise FeedError(f"feed {redact(url)}: no such file")
        self.points = load_track(self.path)
        if not self.points:
            raise FeedError(f"feed {redact(url)}: no points with times to replay")
        self._monotonic = monotonic
        self._started_wall: float | None = None
        self._base: datetime | None = None

    def virtual_now(self) -> datetime:
        """The replay's "now": the clock at start plus wall time elapsed times `speed`."""
        if self._base is None or self._started_wall is None:
            return self._clock()
        elapsed = (self._monotonic() - self._started_wall) * self.speed
        return self._base + timedelta(seconds=elapsed)

    async def _session(self) -> None:
        self._finished = True  # a replay is not retried: it ends, or its file is bad
        first = self.points[0].time
        self._base = self._clock() if self.rebase else first
        self._started_wall = self._monotonic()
        self._connected(f"replaying {self.path.name} at {self.speed:g}x")
        played_s = 0.0
        for fix in self.points:
            offset = fix.time - first
            due_s = offset.total_seconds() / self.speed
            if due_s > played_s:
                await self._sleep(due_s - played_s)
                played_s = due_s
            self._had_data = True
            self._deliver(replace(fix, time=self._base + offset, source=self.kind))
        raise FeedLost(f"replay of {self.path.name} finished: {self._status.fixes} fixes")


def load_track(path: Path) -> list[Fix]:
    """The timed points of a GPX track or an NMEA log, sorted by time.

    Raises:
        FeedError: the file cannot be read or parsed.
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
        if head.startswith(b"<"):
            points = list(_gpx_points(path))
        else:
            points, _stats = parse_nmea_file(str(path), source="replay")
    except OSError as exc:
        raise FeedError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except ParseError as exc:
        raise FeedError(f"{path}: not valid XML ({exc})") from None
    # A stable sort keeps recorded order among equal times; the filter drops the duplicates.
    return sorted(points, key=lambda f: f.time)


def _gpx_points(path: Path) -> Iterator[Fix]:
    """trkpt elements with a time, streamed (ElementTree iterparse, cleared as we go)."""
    for _event, elem in iterparse(str(path), events=("end",)):
        tag = _local(elem.tag)
        if tag == "trkpt":
            fix = _trkpt(elem)
            if fix is not None:
                yield fix
            elem.clear()
        elif tag in ("trkseg", "trk", "rte", "wpt"):
            elem.clear()


def _trkpt(elem: Element) -> Fix | None:
    try:
        lat, lon = float(elem.get("lat", "")), float(elem.get("lon", ""))
    except ValueError:
        return None  # `lat="undefined"` occurs in the wild
    when_text = ele_text = None
    for child in elem:
        name = _local(child.tag)
        if name == "time":
            when_text = (child.text or "").strip()
        elif name == "ele":
            ele_text = (child.text or "").strip()
    if not when_text:
        return None
    try:
        when = parse_time(when_text)
    except PayloadError:
        return None
    try:
        alt = float(ele_text) if ele_text else None
    except ValueError:
        alt = None
    return Fix(time=when.astimezone(UTC), lat=lat, lon=lon, source="replay", alt_m=alt)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]
