"""`replay:PATH?speed=60`: a recorded track (GPX with times, a FIT activity or an NMEA log) played
in its own time, `speed` times faster. The demo runs on this.

Times are rebased so that the first fix is "now" (the clock at start) and keep their real spacing:
a fix recorded an hour after the first is stamped start + 1 h and delivered after 1 h / speed of
wall time. `?rebase=0` keeps the recorded times instead.

The replay has its own clock, `virtual_now()`: it runs `speed` times faster than the wall while the
replay plays and stands still otherwise, at where it will start or at its last fix. Whatever shows
a replayed event follows that clock (the dashboard, `follow`, and `status`/`summary` through
`EventSession.now`), or every "last fix 3 s ago", moving time and ETA would be off by the speed.

A replay restarted on an event that already logged part of it carries on after the last fix it
logged (`resume`), in the same time frame, instead of starting again from the first point (whose
fixes would all be older than the log and be rejected).
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, iterparse

from companion.core.models import Fix, RouteError
from companion.core.times import time_problem
from companion.event import redact
from companion.sources.base import FeedError, FeedLost, Source, query_float
from companion.sources.payloads import PayloadError, parse_time

DEFAULT_SPEED = 1.0
# How many of the latest logged fixes must line up with the track to tell apart two points with
# the same coordinates (a pause, an out-and-back) when a replay is resumed.
RESUME_MATCH_FIXES = 20


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
        self.points, self.left_out = load_track(self.path)
        if not self.points:
            raise FeedError(f"feed {redact(url)}: no points with times to replay{self.left_out}")
        self._monotonic = monotonic
        # Where playing starts: the first point, stamped from the clock at start (rebased) or
        # at its recorded time. `resume` moves it on.
        self._plan = resume_point(self.points, (), kind=self.kind, rebase=self.rebase)
        self._started_wall: float | None = None
        self._anchor: datetime | None = None  # the replay's clock when playing began
        self._ended_at: datetime | None = None  # its clock, stopped at the end
        # The stamp of the next point to deliver: the clock never runs past it, so a replay the
        # machine cannot keep up with (120x on a busy laptop) runs slow rather than show its own
        # fixes as stale.
        self._next_stamp: datetime | None = None

    def virtual_now(self) -> datetime:
        """The replay's "now": while it plays, the clock at start plus the wall time elapsed
        times `speed`; before, where it will start; after, its last fix."""
        if self._ended_at is not None:
            return self._ended_at
        if self._anchor is None or self._started_wall is None:
            plan, now = self._plan, self._clock()
            return plan.anchor or (max(now, plan.floor) if plan.floor is not None else now)
        elapsed = (self._monotonic() - self._started_wall) * self.speed
        now = self._anchor + timedelta(seconds=elapsed)
        return min(now, self._next_stamp) if self._next_stamp is not None else now

    def resume(self, logged: Sequence[Fix]) -> None:
        """Carry on after what earlier runs of a replay logged on this event.

        Args:
            logged: the event's fixes in time order (what the log replays into the tracker).
        """
        self._plan = resume_point(self.points, logged, kind=self.kind, rebase=self.rebase)

    async def _session(self) -> None:
        self._finished = True  # a replay is not retried: it ends, or its file is bad
        plan = self._plan
        shift = plan.shift
        if shift is None:  # rebased: the first point is now, and never before the log's last fix
            now = self._clock()
            start_at = max(now, plan.floor) if plan.floor is not None else now
            shift = start_at - self.points[0].time
        anchor = plan.anchor or self.points[plan.start].time + shift
        self._anchor, self._started_wall = anchor, self._monotonic()
        carry_on = f", carrying on at point {plan.start + 1} of {len(self.points)}"
        self._connected(
            f"replaying {self.path.name} at {self.speed:g}x{carry_on if plan.start else ''}"
            f"{self.left_out}"
        )
        last = anchor
        played_s = 0.0  # how far into the replay's schedule the sleeps have brought it
        try:
            for fix in self.points[plan.start :]:
                stamped = fix.time + shift
                self._next_stamp = max(stamped, last)
                # Due at a wall time counted from the start, not from the last delivery: the
                # time spent handling each fix must not add up into a slower replay.
                due_s = (stamped - anchor).total_seconds() / self.speed
                wait_s = due_s - max(played_s, self._monotonic() - self._started_wall)
                if wait_s > 0:
                    await self._sleep(wait_s)
                played_s = max(played_s, due_s)
                self._had_data = True
                self._deliver(replace(fix, time=stamped, source=self.kind))
                last = max(last, stamped)
        finally:
            # The replay's clock stops with it, at its last fix, where `EventSession.now` and a
            # restart take it up again (also when it is stopped half-way).
            self._ended_at = last
        raise FeedLost(f"replay of {self.path.name} finished: {self._status.fixes} fixes")


@dataclass(frozen=True, slots=True)
class Resume:
    """Where a replay starts playing: the index of its first point, the shift from recorded to
    stamped times (None: from the clock at start), its clock then (None: the stamp of that
    point), and the earliest a rebased first point may be stamped (after the log's last fix)."""

    start: int
    shift: timedelta | None
    anchor: datetime | None
    floor: datetime | None = None


def resume_point(
    points: Sequence[Fix], logged: Sequence[Fix], *, kind: str, rebase: bool
) -> Resume:
    """Where a replay of `points` carries on, given the fixes an event already `logged` (in time
    order; those of an earlier replay have `source == kind`).

    With recorded times, it plays the points after the log's latest fix. Rebased, it finds the
    point the last replayed fix was stamped from (same coordinates, and the fixes before it lined
    up with the track in the same time frame) and plays on from the next one, in that frame. With
    no such point (another file), it starts from the first point, but after the log's latest fix.
    """
    first = points[0].time
    if not logged:
        return Resume(0, None if rebase else timedelta(0), None if rebase else first)
    latest = logged[-1].time
    if not rebase:
        start = bisect.bisect_right(points, latest, key=lambda p: p.time)
        return Resume(start, timedelta(0), max(latest, first))
    own = [f for f in logged if f.source == kind]
    if own:
        last = own[-1]
        track = {(p.time, p.lat, p.lon) for p in points}
        recent = own[-RESUME_MATCH_FIXES:]

        def lined_up(i: int) -> int:
            shift = last.time - points[i].time
            return sum((f.time - shift, f.lat, f.lon) in track for f in recent)

        same_place = [i for i, p in enumerate(points) if (p.lat, p.lon) == (last.lat, last.lon)]
        if same_place:
            # The best-aligned candidate; among equals the latest, so nothing is played twice.
            i = max(same_place, key=lambda j: (lined_up(j), j))
            return Resume(i + 1, last.time - points[i].time, max(last.time, latest))
    return Resume(0, None, None, floor=latest + timedelta(seconds=1))


def load_track(path: Path) -> tuple[list[Fix], str]:
    """The timed points of a GPX track, a FIT activity or an NMEA log, sorted by time, and a note
    of the points left out for a time outside `core.times`' window ("" when none), for the feed's
    detail.

    One year-1 point (the ".NET no-date" some trackers write) would otherwise be the track's
    "first" point: rebased on it, every other point lands after 2099 and the filter refuses
    them all; with recorded times the replay would sleep ~2000 years before the next one.

    Raises:
        FeedError: the file cannot be read or parsed.
    """
    # Imported here: pynmea2 and fitdecode cost ~40 ms at start-up, and the service imports this
    # module for every event, replayed or not.
    from companion.formats.fit import read_fit_fixes
    from companion.sources.nmea import parse_nmea_file

    try:
        with path.open("rb") as fh:
            raw = fh.read(512)
        head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")
        if raw[8:12] == b".FIT":  # a FIT activity (Garmin, Wahoo, Coros...): its header says so
            points = read_fit_fixes(path, source="replay")
        elif head.startswith(b"<"):
            points = list(_gpx_points(path))
        else:
            points, _stats = parse_nmea_file(str(path), source="replay")
    except OSError as exc:
        raise FeedError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except RouteError as exc:  # the FIT reader's one-line message
        raise FeedError(str(exc)) from None
    except ParseError as exc:
        raise FeedError(f"{path}: not valid XML ({exc})") from None
    except DefusedXmlException:  # billion laughs, XXE: the route loader refuses them too
        raise FeedError(
            f"{path}: DTD and entity declarations (<!DOCTYPE ...>, <!ENTITY ...>) are not "
            "allowed in a track file"
        ) from None
    kept = [p for p in points if time_problem(p.time) is None]
    note = ""
    if len(kept) < len(points):
        first = next(p for p in points if time_problem(p.time) is not None)
        n = len(points) - len(kept)
        note = f" ({n} point{'s' if n > 1 else ''} left out: {time_problem(first.time)})"
    # A stable sort keeps recorded order among equal times; the filter drops the duplicates.
    return sorted(kept, key=lambda f: f.time), note


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
