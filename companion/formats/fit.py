"""FIT files (Garmin, Wahoo, Coros, Suunto...): activities and courses, read with fitdecode.

Two uses: `read_fit_fixes` gives an activity's timed positions (for replay and the ETA bench);
`load_fit` gives a route (the record positions as the path, a course's named course points as
towns) to `formats.load_route`. Records without a position (indoor, no fix yet) are skipped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from companion.core.models import Fix, RouteData, RouteError, TownSpec
from companion.formats._common import check_lat_lon, is_auto_name, one_line
from companion.formats.limits import DEFAULT_LIMITS, Limits, check_size, too_many

if TYPE_CHECKING:
    import fitdecode

# FIT stores angles as 32-bit "semicircles": 2^31 of them make 180 degrees.
_SEMICIRCLE_DEG = 180.0 / 2**31


@dataclass(frozen=True, slots=True)
class FitPoint:
    """One record message with a position; time None in a course without timestamps."""

    time: datetime | None
    lat: float
    lon: float
    ele: float  # NaN when the record has none
    speed_mps: float | None


@dataclass(frozen=True, slots=True)
class FitFile:
    name: str
    points: list[FitPoint]
    towns: list[TownSpec]


def read_fit(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> FitFile:
    """The positioned records and named course points of a FIT file.

    Raises:
        RouteError: a one-line message starting with the path (not a FIT file, damaged, over
            the limits).
    """
    import fitdecode  # here: ~10 ms at start-up for a format most events never load

    p = Path(path)
    check_size(p, limits.fit_bytes, "FIT")
    points: list[FitPoint] = []
    towns: list[TownSpec] = []
    name = ""
    try:
        # A damaged CRC is common in files cut short by a flat battery: read what is there.
        with fitdecode.FitReader(str(p), check_crc=fitdecode.CrcCheck.DISABLED) as reader:
            for frame in reader:
                if not isinstance(frame, fitdecode.FitDataMessage):
                    continue
                if frame.name == "record":
                    pt = _point(frame)
                    if pt is not None:
                        points.append(pt)
                        if len(points) > limits.points:
                            raise too_many(str(p), "", limits.points, "FIT records")
                elif frame.name == "course_point":
                    town = _course_point(frame, len(towns) + 1)
                    if town is not None:
                        towns.append(town)
                elif frame.name == "course" and frame.has_field("name"):
                    name = str(frame.get_value("name") or "")
    except RouteError:
        raise
    except fitdecode.FitEOFError:
        if not points:  # a file cut short (a flat battery) keeps the records before the cut
            raise RouteError(f"{p}: the FIT file ends before its first position") from None
    except OSError:
        raise
    except Exception as exc:  # fitdecode raises its own errors and, on garbage, others too
        why = one_line(str(exc)) or "damaged"
        raise RouteError(f"{p}: not a readable FIT file ({why})") from None
    return FitFile(name or p.stem, points, towns)


def read_fit_fixes(path: str | Path, source: str = "replay") -> list[Fix]:
    """An activity's positions with their times, in time order (records without a time left out).

    Raises:
        RouteError: as `read_fit`.
    """
    fixes = [
        Fix(pt.time, pt.lat, pt.lon, source=source, speed_mps=pt.speed_mps,
            alt_m=None if math.isnan(pt.ele) else pt.ele)
        for pt in read_fit(path).points
        if pt.time is not None
    ]  # fmt: skip
    fixes.sort(key=lambda f: f.time)
    return fixes


def load_fit(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> RouteData:
    """A FIT activity or course as route data: the record positions, course points as towns."""
    fit = read_fit(path, limits)
    if len(fit.points) < 2:
        n = len(fit.points)
        raise RouteError(f"{path}: the FIT file has {n} positioned records; a route needs 2")
    return RouteData(
        name=fit.name,
        source=str(path),
        lats=[pt.lat for pt in fit.points],
        lons=[pt.lon for pt in fit.points],
        eles=[pt.ele for pt in fit.points],
        towns=fit.towns,
    )


def _number(msg: fitdecode.FitDataMessage, *names: str) -> float | None:
    for n in names:
        if msg.has_field(n):
            v = msg.get_value(n)
            if isinstance(v, int | float) and math.isfinite(v):
                return float(v)
    return None


def _lat_lon(msg: fitdecode.FitDataMessage) -> tuple[float, float] | None:
    lat = _number(msg, "position_lat")
    lon = _number(msg, "position_long")
    if lat is None or lon is None:
        return None
    lat, lon = lat * _SEMICIRCLE_DEG, lon * _SEMICIRCLE_DEG
    if check_lat_lon(lat, lon) is not None or (lat == 0.0 and lon == 0.0):
        return None  # 0,0 is what some devices write before the first fix
    return lat, lon


def _point(msg: fitdecode.FitDataMessage) -> FitPoint | None:
    where = _lat_lon(msg)
    if where is None:
        return None
    t = msg.get_value("timestamp") if msg.has_field("timestamp") else None
    time = t.astimezone(UTC) if isinstance(t, datetime) and t.tzinfo is not None else None
    ele = _number(msg, "enhanced_altitude", "altitude")
    speed = _number(msg, "enhanced_speed", "speed")
    return FitPoint(time, where[0], where[1], math.nan if ele is None else ele, speed)


def _course_point(msg: fitdecode.FitDataMessage, n: int) -> TownSpec | None:
    where = _lat_lon(msg)
    name = str(msg.get_value("name") or "").strip() if msg.has_field("name") else ""
    if where is None or not name or is_auto_name(name):
        return None
    return TownSpec(name, where[0], where[1], f"course point {n}")
