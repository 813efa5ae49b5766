"""The events of the ETA benchmark: real tracks read, cleaned, joined into events, turned into a
route with towns, and replayed as a GPS feed or as typed checkpoints (used by bench/eta.py).

The grouping (which files make one event, its timezone from the place, the crew's planned speed)
lives here, not in the corpus. Everything is deterministic: the towns and the checkpoint
intervals come from a random generator seeded with the event's name.
"""

from __future__ import annotations

import bisect
import json
import math
import os
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import gpxpy
import numpy as np

from companion.core import geo
from companion.core.models import Fix, RouteData, Town
from companion.core.route import Route, build_route
from companion.formats.fit import read_fit

CORPUS = Path(
    os.environ.get(
        "ETA_TRACKS", Path(__file__).resolve().parents[2] / "shared" / "corpus" / "eta-tracks"
    )
)

# Towns: the first 10-25 km from the start, then every 10-25 km (uniform, seeded by the event's
# name), none in the last 5 km (the finish is there).
TOWN_GAP_KM = (10.0, 25.0)
TOWN_CLEAR_OF_FINISH_KM = 5.0
# Checkpoints: the next one 30-60 min (uniform, seeded) after the last, at the first fix then, and
# only once the athlete has moved this far since the last (nobody types while they sleep).
CHECKPOINT_GAP_MIN = (30.0, 60.0)
CHECKPOINT_MIN_MOVE_KM = 0.3


@dataclass(frozen=True, slots=True)
class EventSpec:
    name: str
    kind: str  # "run", "ride" or "multi" (multi-day: towns and the finish are scored apart)
    files: tuple[str, ...]  # under CORPUS, joined in this order (consecutive days)
    tz: str  # from the place
    planned_kmh: float  # what a crew would plan with before there is history (moving speed)
    where: str


def _zach(*ids: str) -> tuple[str, ...]:
    return tuple(f"zach-kovner-cross-country/{i}_ACTIVITY.fit" for i in ids)


# The 15 events of issue 9. The planned speeds are a crew's round guesses from the kind of event,
# not fitted on the tracks.
EVENTS: tuple[EventSpec, ...] = (
    EventSpec("south-downs-50k", "run", ("sports-lib/6914448270.fit",), "Europe/London", 9.0,
              "50 km trail ultra, Sussex"),
    EventSpec("morzine-trail", "run", ("sports-lib/garmin.fit",), "Europe/Paris", 6.0,
              "mountain trail run, Morzine"),
    EventSpec("bohemia-trail", "run", ("sports-lib/6916728382.fit",), "Europe/Prague", 9.0,
              "21 km trail run, central Bohemia"),
    EventSpec("emparis", "run", ("sports-lib/6909258631.gpx",), "Europe/Paris", 7.0,
              "mountain run/hike, La Grave"),
    EventSpec("audax-150k", "ride",
              ("otbrown-pyRideReport/Audax_Dick_McTaggart_s_150k_Classic.gpx",), "Europe/London",
              22.0, "Audax 150k, Scottish Borders"),
    EventSpec("brasilia-ride", "ride", ("sports-lib/6783622686.fit",), "America/Sao_Paulo", 28.0,
              "road ride, Brasilia"),
    EventSpec("grenoble-2014", "ride", ("sports-lib/614953343.fit",), "Europe/Paris", 24.0,
              "road ride from Grenoble, 1830 m up"),
    EventSpec("grenoble-2015", "ride", ("sports-lib/828989227.fit",), "Europe/Paris", 24.0,
              "road ride from Grenoble, 2052 m up"),
    EventSpec("kovner-plains", "multi",
              _zach("20061711391", "20071601845", "20082112041", "20092947669", "20103345931",
                    "20114521644"),
              "America/Chicago", 22.0, "loaded bike tour, Kansas-Nebraska, 6 days"),
    EventSpec("kovner-cascades", "multi",
              _zach("20347046825", "20356199757", "20366112839", "20388047191", "20388936957"),
              "America/Los_Angeles", 22.0, "loaded bike tour, Spokane-North Cascades, 5 days"),
    EventSpec("hokkaido", "multi",
              ("nathanleiby-hokkaido/Kussharo_to_Akan.gpx",
               "nathanleiby-hokkaido/Akan_to_Kushiro.gpx"),
              "Asia/Tokyo", 20.0, "bike tour, east Hokkaido, 2 days"),
    EventSpec("dark-sky-220", "multi", ("ultra-tracker/02/post_log.json",), "America/New_York", 6.0,
              "220-mile trail race, Pennsylvania, inReach 5 min"),
    EventSpec("ouray-100", "multi", ("ultra-tracker/03/post_log.json",), "America/Denver", 4.5,
              "mountain 100-miler, Colorado, inReach 5 min"),
    EventSpec("swammie-shuffle", "multi", ("ultra-tracker/04/post_log.json",), "America/New_York",
              7.0, "220-mile road/beach race, Outer Banks, inReach 5 min"),
    EventSpec("twot-200", "multi", ("ultra-tracker/05/post_log.json",), "America/New_York", 6.0,
              "8 laps of a 27.6-mile loop, Virginia, inReach 10 min"),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Point:
    time: datetime
    lat: float
    lon: float
    ele: float
    speed_mps: float | None


@dataclass(slots=True)
class Event:
    """One event ready to replay: its route, the truth km of every fix, the towns."""

    spec: EventSpec
    route: Route
    points: list[Point]  # cleaned, time order: the GPS feed
    kms: list[float]  # the truth: along-route km of each point (non-decreasing)
    towns: list[tuple[str, float]]  # (name, km)

    _times: list[datetime] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._times = [p.time for p in self.points]

    def truth_at_km(self, km: float) -> datetime:
        """When the athlete reached `km`: between the last fix short of it and the first at it."""
        i = bisect.bisect_left(self.kms, km - 1e-9)
        i = min(i, len(self.kms) - 1)
        if i == 0 or self.kms[i] <= self.kms[i - 1]:
            return self.points[i].time
        k0, k1 = self.kms[i - 1], self.kms[i]
        t0, t1 = self.points[i - 1].time, self.points[i].time
        f = min(max((km - k0) / (k1 - k0), 0.0), 1.0)
        return t0 + (t1 - t0) * f

    def truth_km_at(self, t: datetime) -> float:
        """Where the athlete was at `t`, between the fixes around it."""
        i = bisect.bisect_right(self._times, t)
        if i == 0:
            return self.kms[0]
        if i == len(self.kms):
            return self.kms[-1]
        t0, t1 = self._times[i - 1], self._times[i]
        f = (t - t0) / (t1 - t0)
        return self.kms[i - 1] + (self.kms[i] - self.kms[i - 1]) * f

    def gps_feed(self) -> list[Fix]:
        return [
            Fix(p.time, p.lat, p.lon, source="replay", speed_mps=p.speed_mps,
                alt_m=None if math.isnan(p.ele) else p.ele)
            for p in self.points
        ]  # fmt: skip

    def checkpoint_feed(self) -> list[Fix]:
        """Typed entries every 30-60 min with the km from the truth (CHECKPOINT_* say the rule)."""
        rng = random.Random(f"checkpoints:{self.spec.name}")
        out: list[Fix] = []
        due = self.points[0].time
        last_km = -math.inf
        for p, km in zip(self.points, self.kms, strict=True):
            if p.time >= due and km - last_km >= CHECKPOINT_MIN_MOVE_KM:
                out.append(Fix(p.time, p.lat, p.lon, source="manual", km=km, label=f"km {km:.1f}"))
                last_km = km
                due = p.time + timedelta(minutes=rng.uniform(*CHECKPOINT_GAP_MIN))
        return out


def place_towns(name: str, length_km: float) -> list[float]:
    """The towns' km: gaps of 10-25 km drawn uniformly, seeded by the event's name."""
    rng = random.Random(f"towns:{name}")
    kms: list[float] = []
    km = rng.uniform(*TOWN_GAP_KM)
    while km < length_km - TOWN_CLEAR_OF_FINISH_KM:
        kms.append(round(km, 3))
        km += rng.uniform(*TOWN_GAP_KM)
    return kms


def _flat_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine metres: for thinning and spikes only (the route's km are WGS-84 geodesics)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 12_742_000.0 * math.asin(math.sqrt(min(a, 1.0)))


# --- reading ------------------------------------------------------------------------------------
def _read_gpx(path: Path) -> list[Point]:
    doc = gpxpy.parse(path.read_bytes().decode("utf-8"))
    out = []
    for trk in doc.tracks:
        for seg in trk.segments:
            for p in seg.points:
                if p.time is None:
                    continue
                t = p.time if p.time.tzinfo else p.time.replace(tzinfo=UTC)
                ele = p.elevation if p.elevation is not None else math.nan
                out.append(Point(t.astimezone(UTC), p.latitude, p.longitude, ele, None))
    return out


def _read_fit(path: Path) -> list[Point]:
    return [
        Point(p.time, p.lat, p.lon, p.ele, p.speed_mps)
        for p in read_fit(path).points
        if p.time is not None
    ]


def _read_inreach(path: Path) -> list[Point]:
    """An inReach feed log: events without a fix (gpsFix 0, position 0,0) left out."""
    out = []
    for post in json.loads(path.read_text()):
        for ev in post.get("Events", []):
            pt = ev.get("point") or {}
            lat, lon = pt.get("latitude"), pt.get("longitude")
            if not pt.get("gpsFix") or lat is None or lon is None or (lat == 0 and lon == 0):
                continue
            t = datetime.fromtimestamp(ev["timeStamp"] / 1000.0, UTC)
            ele = pt.get("altitude")
            out.append(
                Point(t, float(lat), float(lon), float(ele) if ele is not None else math.nan, None)
            )
    return out


def read_points(rel: str) -> list[Point]:
    path = CORPUS / rel
    if path.suffix == ".fit":
        return _read_fit(path)
    if path.suffix == ".gpx":
        return _read_gpx(path)
    return _read_inreach(path)


def clean(points: list[Point], spike_kmh: float) -> list[Point]:
    """Time order, one point per time (duplicates and out-of-order events of the logs), and no
    position spikes (a point further from the last kept one than `spike_kmh` allows)."""
    pts = sorted(points, key=lambda p: p.time)
    out: list[Point] = []
    for p in pts:
        if out and p.time <= out[-1].time:
            continue
        if out:
            q = out[-1]
            d = _flat_m(q.lat, q.lon, p.lat, p.lon)
            dt = (p.time - q.time).total_seconds()
            if d / dt * 3.6 > spike_kmh and d > 200:
                continue
        out.append(p)
    return out


def build_event(spec: EventSpec, min_step_m: float | None = None) -> Event:
    """The event's route is its own track, thinned to steps of at least 10 m (25 m for the
    satellite logs) so a stop's GPS jitter is not distance; each fix's truth km is the km of the
    last route vertex at or before it."""
    raw: list[Point] = []
    for rel in spec.files:
        raw.extend(read_points(rel))
    spike = 40.0 if spec.kind == "run" or spec.files[0].endswith(".json") else 100.0
    points = clean(raw, spike)
    step = (
        min_step_m
        if min_step_m is not None
        else (25.0 if spec.files[0].endswith(".json") else 10.0)
    )
    return event_from_points(spec, points, step)


def event_from_points(
    spec: EventSpec, points: list[Point], step_m: float, town_kms: list[float] | None = None
) -> Event:
    """An event from cleaned points (`town_kms` None: placed by `place_towns`)."""
    keep = [0]
    for i in range(1, len(points)):
        q, p = points[keep[-1]], points[i]
        if _flat_m(q.lat, q.lon, p.lat, p.lon) >= step_m:
            keep.append(i)
    if keep[-1] != len(points) - 1:
        keep.append(len(points) - 1)
    lats = [points[i].lat for i in keep]
    lons = [points[i].lon for i in keep]
    eles = [points[i].ele for i in keep]
    seg = geo.segment_lengths_m(np.asarray(lats), np.asarray(lons))
    cum_km = np.concatenate(([0.0], np.cumsum(seg))) / 1000.0
    kms: list[float] = []
    j = 0
    for i in range(len(points)):
        while j + 1 < len(keep) and keep[j + 1] <= i:
            j += 1
        kms.append(float(cum_km[j]))
    length = float(cum_km[-1])
    if town_kms is None:
        town_kms = place_towns(spec.name, length)
    path = build_route(RouteData(spec.name, f"bench:{spec.name}", lats, lons, eles, []))
    # The towns sit exactly at their km on the track's own geodesic km (the truth's): placed by
    # hand, not snapped nor calibrated as a route file's towns are (a book km stretches a path).
    towns = []
    for n, km in enumerate(town_kms, 1):
        at = path.point_at(km)
        towns.append(Town(f"T{n:02d}", at.lat, at.lon, km, 0.0))
    route = Route(
        path.name, path.source, path.lats, path.lons, path.elevations, path.cum_m, tuple(towns),
        max_seg_m=path.max_segment_m, town_to_town=path.town_to_town,
    )  # fmt: skip
    return Event(spec, route, points, kms, [(t.name, t.km) for t in route.towns])


@cache
def load_event(name: str) -> Event:
    """An event by name, read once per run."""
    return build_event(next(s for s in EVENTS if s.name == name))
