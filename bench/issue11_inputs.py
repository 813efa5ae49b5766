"""Inputs for the issue-11 process benches, generated into a temporary directory (never committed).

The real track is Zach Kovner's 6-day Kansas-Nebraska bike tour (../shared/corpus/eta-tracks,
read in place through bench/eta_tracks.py: 1004 km, a fix every ~3 s, 57 towns placed every
10-25 km). Its route is the track itself thinned to 10 m steps, written as GPX 1.1 with the towns
as waypoints. The 10 Hz feed is the same track resampled: the time between two recorded fixes is
capped at 10 s (nights and long stops shrink to a 10 s pause) and positions are interpolated every
0.1 s, so N fixes cover N/10 s of riding (864,000 fixes: a day, ~390 km).
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from eta_tracks import Point, load_event

EVENT = "kovner-plains"
TIMEZONE = "America/Chicago"
PLANNED_KMH = 22.0
GAP_CAP_S = 10.0
HZ = 10


@dataclass(frozen=True)
class Inputs:
    folder: Path
    route_gpx: Path
    event_toml: Path  # no feed; day_hours set
    points: list[Point]


def make_event(folder: Path) -> Inputs:
    """Write the route GPX and an event file (no feed in it) for the real tour."""
    ev = load_event(EVENT)
    route = ev.route
    gpx = folder / "kovner-plains.gpx"
    lats = route._lat.tolist()
    lons = route._lon.tolist()
    with gpx.open("w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<gpx version="1.1" creator="companion bench" '
                'xmlns="http://www.topografix.com/GPX/1/1">\n')  # fmt: skip
        for t in route.towns:
            p = route.point_at(t.km)
            f.write(f'<wpt lat="{p.lat:.7f}" lon="{p.lon:.7f}"><name>{t.name}</name></wpt>\n')
        f.write("<trk><name>Kansas-Nebraska</name><trkseg>\n")
        f.write(
            "".join(
                f'<trkpt lat="{a:.7f}" lon="{o:.7f}"/>\n' for a, o in zip(lats, lons, strict=True)
            )
        )
        f.write("</trkseg></trk>\n</gpx>\n")
    toml = folder / "kovner.toml"
    toml.write_text(
        f'name = "Kovner plains (bench)"\nathlete = "Z"\nroute = "{gpx.name}"\n'
        f'timezone = "{TIMEZONE}"\nplanned_kmh = {PLANNED_KMH}\nmax_kmh = 60\n'
        'day_hours = "06:00-20:00"\n'
    )
    return Inputs(folder, gpx, toml, ev.points)


def resampled(points: list[Point], n: int, t0: datetime) -> Iterator[tuple[datetime, float, float]]:
    """`n` positions at 10 Hz along the track, stamped from `t0` (gaps capped at GAP_CAP_S);
    past the track's end it stops (fewer than `n`)."""
    # Capped time of each recorded point from the first.
    cap: list[float] = [0.0]
    for a, b in itertools.pairwise(points):
        cap.append(cap[-1] + min(max((b.time - a.time).total_seconds(), 0.0), GAP_CAP_S))
    j = 0
    for k in range(n):
        s = k / HZ
        while j + 1 < len(points) and cap[j + 1] <= s:
            j += 1
        if j + 1 >= len(points):
            return
        span = cap[j + 1] - cap[j]
        f = (s - cap[j]) / span if span > 0 else 0.0
        a, b = points[j], points[j + 1]
        yield t0 + timedelta(seconds=s), a.lat + (b.lat - a.lat) * f, a.lon + (b.lon - a.lon) * f


def _sentence(body: str) -> str:
    checksum = functools.reduce(lambda acc, c: acc ^ ord(c), body, 0)
    return f"${body}*{checksum:02X}\r\n"


def _dm(value: float, deg_digits: int) -> str:
    v = abs(value)
    d = int(v)
    return f"{d:0{deg_digits}d}{(v - d) * 60:07.4f}"


def rmc(t: datetime, lat: float, lon: float, knots: float) -> str:
    """One $GPRMC with centiseconds."""
    hms = f"{t:%H%M%S}.{t.microsecond // 10000:02d}"
    ns, ew = ("N" if lat >= 0 else "S"), ("E" if lon >= 0 else "W")
    return _sentence(
        f"GPRMC,{hms},A,{_dm(lat, 2)},{ns},{_dm(lon, 3)},{ew},{knots:.1f},0.0,{t:%d%m%y},,,A"
    )


def write_nmea(path: Path, points: list[Point], n: int, t0: datetime) -> int:
    """An NMEA log of (up to) `n` RMC epochs at 10 Hz; returns how many were written."""
    written = 0
    prev: tuple[float, float] | None = None
    with path.open("w", encoding="ascii", newline="") as f:
        chunk: list[str] = []
        for t, lat, lon in resampled(points, n, t0):
            knots = 0.0
            if prev is not None:
                dy = (lat - prev[0]) * 111_320.0
                dx = (lon - prev[1]) * 111_320.0 * math.cos(math.radians(lat))
                knots = math.hypot(dx, dy) * HZ * 3600.0 / 1852.0
            prev = (lat, lon)
            chunk.append(rmc(t, lat, lon, knots))
            written += 1
            if len(chunk) >= 20_000:
                f.write("".join(chunk))
                chunk.clear()
        f.write("".join(chunk))
    return written
