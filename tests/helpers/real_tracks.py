"""Real recorded tracks from ../shared and their figures computed independently of Companion.

The truth a test compares against comes from the track itself: the cumulative WGS-84 geodesic
distance over the raw points (pyproj Geod, not our geo module), the track's own timestamps, and
the receiver's recorded speed where the file has one (MyTrails' `<mytrails:speed>`, Garmin's
`<speed>` extension). The GPX is read here with ElementTree, not with our loaders, so a bug in a
loader cannot hide in the reference.

Import it from a test as `from helpers.real_tracks import load_real_track` (tests/ is on
sys.path because tests/conftest.py lives there).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pyproj import Geod

from companion.core.models import Fix
from companion.core.route import Route
from companion.formats import load_route

FloatArray = npt.NDArray[np.float64]
_GEOD = Geod(ellps="WGS84")

# The files the placement and motion tests use (relative to ../shared).
AUDAX_150K = "corpus/eta-tracks/otbrown-pyRideReport/Audax_Dick_McTaggart_s_150k_Classic.gpx"
HOKKAIDO_DAY1 = "corpus/eta-tracks/nathanleiby-hokkaido/Kussharo_to_Akan.gpx"
HOKKAIDO_DAY2 = "corpus/eta-tracks/nathanleiby-hokkaido/Akan_to_Kushiro.gpx"
EMPARIS_RUN = "corpus/eta-tracks/sports-lib/6909258631.gpx"  # 5 s, with receiver speed


@dataclass(frozen=True)
class RealTrack:
    """The timed points of one recorded track, in file order (times are aware UTC)."""

    path: Path
    times: list[datetime]
    lats: FloatArray
    lons: FloatArray
    speeds_mps: FloatArray | None  # recorded receiver speed per point, NaN where missing

    @property
    def cum_m(self) -> FloatArray:
        """Cumulative geodesic distance at each point, from 0 (pyproj over the raw points)."""
        return cumulative_m(self.lats, self.lons)

    @property
    def length_km(self) -> float:
        return float(self.cum_m[-1]) / 1000.0

    def seconds(self) -> FloatArray:
        """Seconds since the first point, for each point."""
        t0 = self.times[0]
        return np.array([(t - t0).total_seconds() for t in self.times], dtype=np.float64)


def cumulative_m(lats: FloatArray, lons: FloatArray) -> FloatArray:
    """Cumulative WGS-84 geodesic distance along a polyline, in metres (first value 0)."""
    cum = np.zeros(len(lats), dtype=np.float64)
    if len(lats) > 1:
        _a, _b, d = _GEOD.inv(lons[:-1], lats[:-1], lons[1:], lats[1:])
        cum[1:] = np.cumsum(d)
    return cum


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def load_real_track(path: Path) -> RealTrack:
    """Read the trkpt elements that have a time (and keep their recorded speed, if any)."""
    times: list[datetime] = []
    lats: list[float] = []
    lons: list[float] = []
    speeds: list[float] = []
    for _event, elem in ET.iterparse(path, events=("end",)):
        if _local(elem.tag) != "trkpt":
            continue
        when = speed = None
        for child in elem.iter():
            name = _local(child.tag)
            if name == "time" and child.text:
                when = datetime.fromisoformat(child.text.strip().replace("Z", "+00:00"))
            elif name == "speed" and child.text:
                speed = float(child.text)
        if when is not None:
            times.append(when)
            lats.append(float(elem.attrib["lat"]))
            lons.append(float(elem.attrib["lon"]))
            speeds.append(np.nan if speed is None else speed)
        elem.clear()
    sp = np.array(speeds, dtype=np.float64)
    return RealTrack(
        path,
        times,
        np.array(lats, dtype=np.float64),
        np.array(lons, dtype=np.float64),
        sp if np.isfinite(sp).any() else None,
    )


def moving_time_s(track: RealTrack, min_step_m: float = 10.0, min_kmh: float = 2.0) -> float:
    """Moving time from the track's own coordinates and timestamps.

    As in corpus/eta-tracks/MANIFEST.md: keep points at least `min_step_m` apart (so GPS jitter
    at a standstill is not distance), then count every interval between kept points covered at
    `min_kmh` or more.
    """
    secs = track.seconds()
    keep = [0]
    for i in range(1, len(secs)):
        j = keep[-1]
        _a, _b, d = _GEOD.inv(track.lons[j], track.lats[j], track.lons[i], track.lats[i])
        if d >= min_step_m:
            keep.append(i)
    k = np.array(keep)
    lats, lons, t = track.lats[k], track.lons[k], secs[k]
    _a, _b, d = _GEOD.inv(lons[:-1], lats[:-1], lons[1:], lats[1:])
    dt = np.diff(t)
    with np.errstate(divide="ignore", invalid="ignore"):
        moving = (dt > 0) & (np.asarray(d) / dt * 3.6 >= min_kmh)
    return float(dt[moving].sum())


def fixes(
    track: RealTrack, hz: float = 0.0, receiver_speed: bool = False, source: str = "replay"
) -> list[Fix]:
    """The track as GPS fixes, in time order.

    Args:
        hz: 0 gives the recorded points as they are; otherwise points are interpolated linearly
            (in lat/lon, within each recorded interval) to this rate, e.g. 10 for a 10 Hz feed.
        receiver_speed: give each fix a receiver speed: the recorded one where the file has it,
            else the geodesic length of the recorded interval ending there over its duration.
    """
    secs = track.seconds()
    cum = track.cum_m
    step_speed = np.zeros(len(secs))
    with np.errstate(divide="ignore", invalid="ignore"):
        step_speed[1:] = np.where(np.diff(secs) > 0, np.diff(cum) / np.diff(secs), 0.0)
    if track.speeds_mps is not None:
        step_speed = np.where(np.isfinite(track.speeds_mps), track.speeds_mps, step_speed)
    if hz <= 0:
        at, lats, lons, spd = secs, track.lats, track.lons, step_speed
    else:
        at = np.arange(0.0, secs[-1] + 1e-9, 1.0 / hz)
        # Duplicate timestamps would make interp ambiguous: keep the last point of each time.
        last = np.append(np.diff(secs) > 0, True)
        s, la, lo = secs[last], track.lats[last], track.lons[last]
        lats, lons = np.interp(at, s, la), np.interp(at, s, lo)
        idx = np.clip(np.searchsorted(s, at, side="left"), 0, len(s) - 1)
        spd = step_speed[last][idx]
    t0 = track.times[0]
    return [
        Fix(
            t0 + timedelta(seconds=float(at[i])),
            float(lats[i]),
            float(lons[i]),
            source=source,
            speed_mps=float(spd[i]) if receiver_speed else None,
        )
        for i in range(len(at))
    ]


def truth_km(track: RealTrack, fixes_: list[Fix]) -> FloatArray:
    """The true along-track km of each fix from `fixes` (interpolated in the recorded time)."""
    secs = track.seconds()
    last = np.append(np.diff(secs) > 0, True)
    t0 = track.times[0]
    at = np.array([(f.time - t0).total_seconds() for f in fixes_])
    return np.interp(at, secs[last], track.cum_m[last]) / 1000.0


def route_book_csv(
    track: RealTrack, out: Path, every_km: float = 8.0, name: str = "route book"
) -> list[tuple[str, float]]:
    """Write a CSV route book made from the track: a town every `every_km` of the track's own
    points, each at its true cumulative km, plus the start and the finish.

    Returns the (town, km) rows written.
    """
    cum_km = track.cum_m / 1000.0
    rows: list[tuple[str, float, float, float]] = [
        ("Start", float(track.lats[0]), float(track.lons[0]), 0.0)
    ]
    mark = every_km
    for i in range(1, len(cum_km)):
        if cum_km[i] >= mark and cum_km[-1] - cum_km[i] >= every_km / 2:
            rows.append(
                (f"Town {len(rows)}", float(track.lats[i]), float(track.lons[i]), cum_km[i])
            )
            mark = cum_km[i] + every_km
    rows.append(("Finish", float(track.lats[-1]), float(track.lons[-1]), float(cum_km[-1])))
    lines = [f"# name: {name}", "name,lat,lon,km"]
    lines += [f"{n},{la:.7f},{lo:.7f},{km:.4f}" for n, la, lo, km in rows]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [(n, km) for n, _la, _lo, km in rows]


def audax_10hz(shared_dir: Path, minutes: float) -> list[Fix]:
    """The first `minutes` of the real Audax ride, its points at 10 Hz, as an NMEA feed's."""
    track = load_real_track(shared_dir / AUDAX_150K)
    idx = np.flatnonzero(track.seconds() <= minutes * 60)
    part = RealTrack(track.path, [track.times[i] for i in idx], track.lats[idx], track.lons[idx],
                     None)  # fmt: skip
    return fixes(part, hz=10.0, source="nmea")


def audax_at_10hz(shared_dir: Path, folder: Path, minutes: float) -> tuple[Path, list[Fix]]:
    """The first `minutes` of the Audax ride at 10 Hz as an NMEA-like feed, and an event file
    in `folder` with the ride itself as its route (the memory tests' real load)."""
    return audax_event(folder, shared_dir), audax_10hz(shared_dir, minutes)


def audax_event(folder: Path, shared_dir: Path) -> Path:
    """An event file on the real Audax 150 km ride's own track as its route."""
    path = folder / "audax.toml"
    path.write_text(
        f'name = "Audax"\nathlete = "A"\nroute = "{shared_dir / AUDAX_150K}"\n'
        'timezone = "Australia/Melbourne"\nplanned_kmh = 25\n'
    )
    return path


def emparis_to_its_end(shared_dir: Path) -> tuple[RealTrack, Route, int, list[Fix]]:
    """The Emparis run (MyTrails, a point every 5 s, with receiver speed) as its own route: the
    track, the route, the index of its first point within 50 m of the end by the track's own
    geodesic distance (the points after it stay there), and the track as GPS fixes."""
    path = shared_dir / EMPARIS_RUN
    track = load_real_track(path)
    cum_km = track.cum_m / 1000.0
    first_at_end = next(i for i, k in enumerate(cum_km) if k >= cum_km[-1] - 0.05)
    return track, load_route(path), first_at_end, fixes(track, receiver_speed=True)
