"""Moving time, speed and stops on real recorded tracks, against figures computed from the tracks
themselves (tests/helpers/real_tracks.py: pyproj over the raw points and their own timestamps).

Each track is used as its own route and fed fix by fix through the Tracker, with the projection:
what a crew following that athlete with a GPS would have seen.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from helpers.real_tracks import (
    AUDAX_150K,
    EMPARIS_RUN,
    HOKKAIDO_DAY2,
    RealTrack,
    fixes,
    load_real_track,
    moving_time_s,
)

from companion.core.models import Fix, RouteData
from companion.core.route import Route, build_route
from companion.core.tracker import Tracker

NAN = math.nan


def _route_of(track: RealTrack) -> Route:
    """The track's own points as the route (built by us; the reference is pyproj's)."""
    n = len(track.lats)
    lats, lons = track.lats.tolist(), track.lons.tolist()
    data = RouteData("track", str(track.path), lats, lons, [NAN] * n, [])
    return build_route(data)


def _stretch(track: RealTrack, start_s: float, end_s: float) -> RealTrack:
    """The part of a track between two times (seconds from its start)."""
    secs = track.seconds()
    keep = (secs >= start_s) & (secs <= end_s)
    idx = np.flatnonzero(keep)
    speeds = track.speeds_mps[idx] if track.speeds_mps is not None else None
    times = [track.times[i] for i in idx]
    return RealTrack(track.path, times, track.lats[idx], track.lons[idx], speeds)


def _run(route: Route, feed: list[Fix], max_kmh: float = 80.0) -> Tracker:
    tr = Tracker(route, "UTC", planned_kmh=15.0, max_kmh=max_kmh)
    for f in feed:
        tr.add(f)
    return tr


def _longest_stop(track: RealTrack) -> tuple[float, float]:
    """(start, end) in seconds of the track's longest stop, from its own points: the largest time
    step between points kept at least 10 m apart (the MANIFEST's rule), widened to every point
    within 50 m of where it happened (a recorder that auto-pauses leaves few points in a stop)."""
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    secs = track.seconds()
    keep = [0]
    for i in range(1, len(secs)):
        j = keep[-1]
        _a, _b, d = geod.inv(track.lons[j], track.lats[j], track.lons[i], track.lats[i])
        if d >= 10.0:
            keep.append(i)
    k = np.array(keep)
    g = int(np.argmax(np.diff(secs[k])))
    first, last = int(k[g]), int(k[g + 1])
    n = len(secs)
    _a, _b, near = geod.inv(
        np.full(n, track.lons[first]), np.full(n, track.lats[first]), track.lons, track.lats
    )
    while first > 0 and near[first - 1] <= 50.0:
        first -= 1
    return float(secs[first]), float(secs[last])


@pytest.mark.parametrize("receiver_speed", [False, True], ids=["positions", "receiver-speed"])
@pytest.mark.parametrize(
    "name", [AUDAX_150K, HOKKAIDO_DAY2, EMPARIS_RUN], ids=["audax-1s", "hokkaido-1s", "run-5s"]
)
def test_moving_time_and_speed_of_a_whole_real_track(
    shared_dir: Path, name: str, receiver_speed: bool
) -> None:
    track = load_real_track(shared_dir / name)
    tr = _run(_route_of(track), fixes(track, receiver_speed=receiver_speed))
    ref_moving = moving_time_s(track)
    pr = tr.progress(track.times[-1])
    assert pr.km_total == pytest.approx(track.length_km, rel=0.005)
    assert pr.moving_s_total == pytest.approx(ref_moving, rel=0.05)
    assert pr.km_total / pr.moving_s_total == pytest.approx(track.length_km / ref_moving, rel=0.05)
    assert tr.estimated_s_total == 0.0  # nothing here was filled in


@pytest.mark.parametrize("receiver_speed", [False, True], ids=["positions", "receiver-speed"])
def test_a_10hz_feed_over_a_real_hour_with_a_control_stop(
    shared_dir: Path, receiver_speed: bool
) -> None:
    track = load_real_track(shared_dir / AUDAX_150K)
    stop_start, stop_end = _longest_stop(track)
    part = _stretch(track, stop_start - 1800.0, stop_end + 1800.0)
    feed = fixes(part, hz=10.0, receiver_speed=receiver_speed)
    tr = _run(_route_of(part), feed)
    ref_moving = moving_time_s(part)
    pr = tr.progress(part.times[-1])
    assert pr.moving_s_total == pytest.approx(ref_moving, rel=0.05)
    assert pr.km_total / pr.moving_s_total == pytest.approx(part.length_km / ref_moving, rel=0.05)
    # The recent average and the speed now are believable for a rider, not 367 km/h.
    assert pr.speed_avg_kmh is not None and 10.0 < pr.speed_avg_kmh < 45.0
    assert pr.speed_now_kmh is not None and pr.speed_now_kmh < 80.0


def test_8m_of_gps_noise_does_not_read_as_stops(shared_dir: Path) -> None:
    # Two hours of the Audax at 1 Hz with 8 m of noise on every fix (a phone in a city).
    track = _stretch(load_real_track(shared_dir / AUDAX_150K), 0.0, 7200.0)
    rng = np.random.default_rng(8)
    clean = fixes(track)
    lat0 = float(track.lats[0])
    m_lat = 1.0 / 111_320.0
    m_lon = m_lat / math.cos(math.radians(lat0))
    dys, dxs = rng.normal(0, 8.0, len(clean)), rng.normal(0, 8.0, len(clean))
    noisy = [
        replace(f, lat=f.lat + dy * m_lat, lon=f.lon + dx * m_lon)
        for f, dy, dx in zip(clean, dys, dxs, strict=True)
    ]
    tr = _run(_route_of(track), noisy)
    pr = tr.progress(track.times[-1])
    assert pr.moving_s_total == pytest.approx(moving_time_s(track), rel=0.05)
    assert pr.km_total == pytest.approx(track.length_km, rel=0.005)


def test_a_real_stop_is_one_stop_with_its_start_and_end(shared_dir: Path) -> None:
    track = load_real_track(shared_dir / AUDAX_150K)
    stop_start, stop_end = _longest_stop(track)
    assert stop_end - stop_start > 600  # the MANIFEST: a control stop of up to 0.3 h
    route = _route_of(track)
    tr = Tracker(route, "UTC", planned_kmh=15.0, max_kmh=80.0)
    t0 = track.times[0]
    seen: set[datetime] = set()
    for f in fixes(track):
        tr.add(f)
        at = (f.time - t0).total_seconds()
        if stop_start + 120 <= at <= stop_end - 5:
            assert tr.stopped_since is not None, f"moving at {at:.0f} s, inside the stop"
            assert tr.stopped_by == "gps"
            seen.add(tr.stopped_since)
        if at > stop_end + 120:
            break
    assert len(seen) == 1  # one stop, not restarted by a jittery fix
    (since,) = seen
    # It began when the athlete stopped, within the span it takes to tell.
    assert abs((since - t0).total_seconds() - stop_start) <= 60.0
    assert tr.stopped_since is None  # on the road again two minutes after


def _line() -> Route:
    n = 3
    data = RouteData("line", "mem", [0.0] * n, [0.0, 0.5, 1.0], [NAN] * n, [])
    return build_route(data)


def test_an_absurd_receiver_speed_is_ignored() -> None:
    route = _line()
    tr = Tracker(route, "UTC", planned_kmh=10.0, max_kmh=40.0)
    t0 = datetime(2024, 5, 1, 6, tzinfo=UTC)
    for i in range(120):  # 3 m/s along the equator, a fix a second, receiver speed 3 m/s
        p = route.point_at(i * 0.003)
        tr.add(Fix(t0 + timedelta(seconds=i), p.lat, p.lon, source="gps", speed_mps=3.0))
    p = route.point_at(120 * 0.003)
    tr.add(Fix(t0 + timedelta(seconds=120), p.lat, p.lon, source="gps", speed_mps=5512 / 3.6))
    pr = tr.progress(t0 + timedelta(seconds=120))
    assert pr.speed_now_kmh is not None
    assert pr.speed_now_kmh == pytest.approx(10.8, abs=0.5)  # from the positions: 3 m/s
    assert pr.moving_s_total == pytest.approx(120.0 - 45.0, abs=1.5)  # the last 45 s judged later


def test_moving_time_across_a_long_gap_is_estimated() -> None:
    route = _line()
    tr = Tracker(route, "Asia/Kolkata", planned_kmh=7.0)
    t0 = datetime(2021, 8, 15, 0, 30, tzinfo=UTC)  # 06:00 IST
    tr.add(Fix(t0, 0, 0, km=0.0))
    tr.add(Fix(t0 + timedelta(hours=12), 0, 0, km=53.0))  # 18:00 IST: 53 km, nothing between
    (day,) = tr.day_totals()
    assert day.moving_s == pytest.approx(53 / 7 * 3600)  # at the planned 7 km/h
    assert day.estimated_s == day.moving_s
    assert tr.estimated_s_total == pytest.approx(53 / 7 * 3600)
    pr = tr.progress(t0 + timedelta(hours=12))
    # Not a measurement: it does not become the "recent moving average" either.
    assert pr.speed_avg_kmh is None and pr.eta_speed_basis != "recent"


def test_the_crews_stop_and_go() -> None:
    route = _line()
    tr = Tracker(route, "UTC", planned_kmh=8.0)
    t0 = datetime(2024, 5, 1, 6, tzinfo=UTC)
    tr.add(Fix(t0, 0, 0, km=0.0, label="Start"))
    tr.add(Fix(t0 + timedelta(hours=1), 0, 0, km=8.0, label="km 8"))
    stop_at = t0 + timedelta(hours=1, minutes=20)
    tr.add(Fix(stop_at, 0, 0, km=8.0, label="stopped", mark="stop"))
    assert tr.stopped_since == stop_at and tr.stopped_by == "crew"
    # A position typed during the rest at the same km does not end it.
    tr.add(Fix(stop_at + timedelta(minutes=10), 0, 0, km=8.0, label="km 8"))
    assert tr.stopped_by == "crew"
    go_at = stop_at + timedelta(minutes=40)
    tr.add(Fix(go_at, 0, 0, km=8.0, label="going", mark="go"))
    assert tr.stopped_since is None and tr.stopped_by is None
    pr = tr.progress(go_at)
    # 1 h 20 on the move (the last 20 min as the crew saw it), the 40 min rest is not moving.
    assert pr.moving_s_total == pytest.approx(80 * 60.0)
    # Moving again from "going": the next km are counted from then.
    tr.add(Fix(go_at + timedelta(minutes=30), 0, 0, km=12.0))
    assert tr.progress(go_at + timedelta(minutes=30)).moving_s_total == pytest.approx(110 * 60.0)


def test_estimated_moving_time_is_marked_in_status_json_text_and_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from companion.cli import main

    ev = tmp_path / "unity.toml"
    db = str(tmp_path / "log.db")
    assert main(["new", "unity-run-2021", "-o", str(ev), "--speed", "7",
                 "--start", "2021-08-15T05:30"]) == 0  # fmt: skip
    now = ["--now", "2021-08-15T18:00+05:30"]
    assert main(["checkpoint", str(ev), "--db", db, "--km", "0", "--time", "05:30", *now]) == 0
    # The next entry is 12 h later: the moving part is taken at the planned 7 km/h.
    assert main(["checkpoint", str(ev), "--db", db, "--km", "53", "--time", "17:30", *now]) == 0
    capsys.readouterr()
    assert main(["status", str(ev), "--db", db, "--json", *now]) == 0
    doc = json.loads(capsys.readouterr().out)
    estimated = 53 / 7 * 3600
    assert doc["days"][0]["moving_s"] == pytest.approx(estimated, abs=0.1)
    assert doc["days"][0]["moving_estimated_s"] == pytest.approx(estimated, abs=0.1)
    assert doc["moving_estimated_s_total"] == pytest.approx(estimated, abs=0.1)
    assert main(["status", str(ev), "--db", db, *now]) == 0
    text = capsys.readouterr().out
    assert "moving ~7h34" in text and "~ partly estimated at the planned speed" in text
    assert main(["summary", str(ev), "--db", db, *now]) == 0
    assert "53.0 km in ~7h34 moving" in capsys.readouterr().out


def test_the_days_table_marks_estimated_moving_time() -> None:
    from zoneinfo import ZoneInfo

    from rich.console import Console

    from companion.app.widgets.day_totals import days_table

    route = _line()
    tz = ZoneInfo("Asia/Kolkata")
    tr = Tracker(route, tz, planned_kmh=7.0)
    t0 = datetime(2021, 8, 15, 0, 0, tzinfo=UTC)  # 05:30 IST
    tr.add(Fix(t0, 0, 0, km=0.0))
    tr.add(Fix(t0 + timedelta(hours=12), 0, 0, km=53.0))
    tr.add(Fix(t0 + timedelta(hours=24), 0, 0, km=53.0))  # day 2: the night, no progress
    tr.add(Fix(t0 + timedelta(hours=25), 0, 0, km=60.0))  # then 7 km measured in 1 h
    console = Console(width=80, record=True)
    console.print(days_table(tr.progress(t0 + timedelta(hours=25)), tz))
    out = console.export_text()
    assert "~7h34" in out  # day 1: all of it estimated
    assert "1h00" in out and "~1h00" not in out  # day 2: measured
    assert "partly estimated" in out
