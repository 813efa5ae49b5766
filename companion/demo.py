"""`companion demo`: the Unity Run 2021 (Mumbai to the Statue of Unity) played live.

Headless (no Textual): builds a temporary event on the bundled route, logs the first three days as
manual checkpoints at the towns where each day ended, and provides a simulated GPS feed for day 4
timed by a clock that runs `speed` times faster than real time from day 4, 06:00 IST. The app's
clock is that same simulated clock, so "Day 4", the ages of fixes and every ETA agree.
"""

from __future__ import annotations

import math
import random
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from companion import demo_event
from companion.core.models import Fix
from companion.core.route import Route
from companion.event import Event, load_event, write_event
from companion.logbook import Logbook
from companion.service import EventSession
from companion.sources.base import Source
from companion.sources.filters import PlausibilityFilter

ROUTE = "unity-run-2021"
TZ = ZoneInfo("Asia/Kolkata")
START = datetime(2021, 8, 15, 5, 30, tzinfo=TZ)
DAY4_START = datetime(2021, 8, 18, 6, 0, tzinfo=TZ)
PLANNED_KMH = 7.0
FIX_EVERY_S = 10.0
# Without day ends in the route file's comments, each day covers this much.
DEFAULT_DAY_KM = 52.0
# Day ends in the route's notes (its file's comments): "Day 1 Sun 15 Aug: km 0 → 56, ...".
_DAY_LINE = re.compile(r"^#?\s*Day\s+(\d+)\b[^:]*:\s*km\s*~?\s*([\d.]+)\s*→\s*~?\s*([\d.]+)")


class SimClock:
    """A clock that starts at `start` and runs `speed` times faster than the monotonic clock."""

    def __init__(
        self, start: datetime, speed: float, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.start = start
        self.speed = speed
        self._monotonic = monotonic
        self._t0 = monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=(self._monotonic() - self._t0) * self.speed)


def day_ends(route: Route, days: int = 3) -> list[float]:
    """The km where each of the first `days` days ended, from the route's notes if it has them,
    else every DEFAULT_DAY_KM."""
    found: dict[int, float] = {}
    for line in route.description.splitlines():
        if m := _DAY_LINE.match(line.strip()):
            found[int(m.group(1))] = float(m.group(3))
    ends = [found.get(n, n * DEFAULT_DAY_KM) for n in range(1, days + 1)]
    return [min(k, route.length_km) for k in ends]


def _entry_at(route: Route, km: float) -> str:
    """A town's name when one is within 0.6 km of `km`, else "km N"."""
    near = [t for t in route.towns if abs(t.km - km) <= 0.6]
    return near[0].name if near else f"km {km:g}"


def _log_days(session: EventSession, ends: list[float], now: datetime) -> None:
    """Manual checkpoints for days 1..len(ends): the morning start, each town passed at a
    realistic moving speed, a long break mid-day, and the day's end."""
    rng = random.Random(2021)
    route = session.route
    start_km = 0.0
    for n, end_km in enumerate(ends):
        morning = START + timedelta(days=n)
        t = morning
        session.checkpoint(_entry_at(route, start_km), t.isoformat(), now)
        stops = [town for town in route.towns if start_km < town.km < end_km - 0.6]
        marks = [(town.name, town.km) for town in stops] + [(_entry_at(route, end_km), end_km)]
        km_at = start_km
        rested = False
        for name, km in marks:
            speed = rng.uniform(7.2, 8.4)
            t += timedelta(hours=(km - km_at) / speed, minutes=rng.uniform(3, 12))
            session.checkpoint(name, t.isoformat(timespec="minutes"), now)
            if not rested and km - start_km >= (end_km - start_km) / 2:
                # The long mid-day break: same place, later time (not moving).
                t += timedelta(minutes=rng.uniform(70, 110))
                session.checkpoint(name, t.isoformat(timespec="minutes"), now)
                rested = True
            km_at = km
        start_km = end_km
    # The crew logs where the day starts as the GPS is switched on, as they would.
    session.checkpoint(_entry_at(route, start_km), now.isoformat(), now)


def day4_fixes(route: Route, from_km: float, start: datetime, seed: int = 4) -> Iterator[Fix]:
    """GPS-like fixes every FIX_EVERY_S from `from_km`: ~8-9 km/h with a 30-min break after two
    hours, a few metres of noise, until the end of the route or 19:00."""
    rng = random.Random(seed)
    km = from_km
    t = start + timedelta(seconds=FIX_EVERY_S)  # the morning's manual entry is at `start`
    end = start.replace(hour=19, minute=0)
    break_at = start + timedelta(hours=2)
    break_end = break_at + timedelta(minutes=30)
    speed_kmh = 8.5
    while t <= end and km < route.length_km:
        moving = not (break_at <= t < break_end)
        if moving:
            speed_kmh = min(max(speed_kmh + rng.gauss(0.0, 0.15), 7.6), 9.4)
            km = min(km + speed_kmh * FIX_EVERY_S / 3600.0, route.length_km)
        pos = route.point_at(km)
        # About 4 m of noise: degrees per metre at this latitude.
        dlat = rng.gauss(0.0, 4.0) / 111_320.0
        dlon = rng.gauss(0.0, 4.0) / (111_320.0 * math.cos(math.radians(pos.lat)))
        yield Fix(
            time=t.astimezone(ZoneInfo("UTC")),
            lat=pos.lat + dlat,
            lon=pos.lon + dlon,
            source="demo",
            speed_mps=speed_kmh / 3.6 if moving else 0.0,
            accuracy_m=5.0,
            sats=9,
        )
        t += timedelta(seconds=FIX_EVERY_S)


class DemoSource(Source):
    """A finite feed that delivers pre-computed fixes when the simulated clock reaches them."""

    kind = "demo"

    def __init__(
        self,
        fixes: Iterator[Fix],
        clock: SimClock,
        *,
        plausibility: PlausibilityFilter | None = None,
    ) -> None:
        super().__init__("demo:simulated-gps", plausibility=plausibility, clock=clock)
        self._fixes = fixes
        self._sim = clock

    async def _session(self) -> None:
        self._connected(f"simulated GPS, {self._sim.speed:g}x real time")
        for fix in self._fixes:
            wait_s = (fix.time - self._sim()).total_seconds() / self._sim.speed
            if wait_s > 0:
                await self._sleep(wait_s)
            self._deliver(fix)
        self._finished = True


@dataclass
class Demo:
    """A ready demo: an event file and database in a temporary folder, and the simulated clock."""

    folder: Path
    event_path: Path
    db_path: Path
    clock: SimClock
    route: Route
    start_km: float
    _owned: bool = field(default=True, repr=False)

    def source(self, max_kmh: float | None = None) -> DemoSource:
        fixes = day4_fixes(self.route, self.start_km, DAY4_START)
        return DemoSource(fixes, self.clock, plausibility=PlausibilityFilter(max_kmh=max_kmh))

    def open_session(self) -> EventSession:
        """The demo event opened like `companion run` does, but with the log's own timestamps
        (feed events, undos) on the simulated clock too, so the log reads in event time."""
        event = load_event(self.event_path)
        book = Logbook.open(self.db_path, event_name=event.name, clock=self.clock)
        return EventSession(event, self.route, book, self.db_path)

    def cleanup(self) -> None:
        if self._owned:
            shutil.rmtree(self.folder, ignore_errors=True)


def build_demo(speed: float = 60.0, folder: Path | None = None) -> Demo:
    """Write the demo event, log days 1-3, and start the simulated clock at day 4, 06:00 IST.

    Args:
        speed: how many times faster than real time the simulated clock runs.
        folder: where to put the event and database (default: a new temporary folder, removed by
            `Demo.cleanup`).
    """
    demo_event.check_speed(speed)
    owned = folder is None
    where = Path(tempfile.mkdtemp(prefix="companion-demo-")) if folder is None else folder
    event = Event(
        name=demo_event.NAME,
        athlete=demo_event.ATHLETE,
        route=ROUTE,
        timezone=demo_event.TIMEZONE,
        planned_kmh=PLANNED_KMH,
        start=START,
        day_hours="05:30-18:30",
    )
    event = write_event(event, where / "unity-run-demo.toml", overwrite=True)
    db_path = where / "unity-run-demo.sqlite"
    session = EventSession.open(event.path, db_path)
    try:
        ends = day_ends(session.route)
        _log_days(session, ends, DAY4_START)
        route = session.route
    finally:
        session.close()
    clock = SimClock(DAY4_START.astimezone(ZoneInfo("UTC")), speed)
    return Demo(where, event.path, db_path, clock, route, ends[-1], owned)
