"""Placement on real routes: dense recorded tracks used as their own route, route books made from
them, points exactly on the path, out-and-back and self-crossing courses.

Every expected km comes from pyproj over the raw points of the file (tests/helpers/real_tracks.py),
never from our own loaders or projection.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from helpers.real_tracks import (
    AUDAX_150K,
    EMPARIS_RUN,
    HOKKAIDO_DAY1,
    HOKKAIDO_DAY2,
    RealTrack,
    fixes,
    load_real_track,
    route_book_csv,
    truth_km,
)
from pyproj import Geod

from companion.core.models import Fix, RouteData
from companion.core.placement import follow, locate
from companion.core.route import Route, build_route
from companion.core.tracker import Tracker
from companion.formats import load_route
from companion.locations import bundled_routes_dir

GEOD = Geod(ellps="WGS84")


def track(shared_dir: Path, rel: str) -> tuple[RealTrack, Route]:
    return load_real_track(shared_dir / rel), load_route(shared_dir / rel)


def feed(route: Route, fx: list[Fix], max_kmh: float = 60.0) -> tuple[np.ndarray, int]:
    """The tracker's km after each fix, and how many fixes fell off the route."""
    tr = Tracker(route, "UTC", max_kmh=max_kmh)
    kms = np.empty(len(fx))
    off = 0
    for i, f in enumerate(fx):
        off += tr.add(f).off_route
        kms[i] = tr.km
    return kms, off


# --- a dense recorded track used as its own route --------------------------------------------
@pytest.mark.parametrize(
    ("rel", "hz", "speed", "first_s"),
    [
        (AUDAX_150K, 0, False, None),  # 1 s points, 163 km road ride with stops at controls
        (AUDAX_150K, 0, True, None),
        (HOKKAIDO_DAY1, 0, False, None),  # 1 s
        (HOKKAIDO_DAY2, 10, False, 1800.0),  # 10 Hz between the real 1 s points, first 30 min
        (HOKKAIDO_DAY2, 10, True, 1800.0),
        (EMPARIS_RUN, 0, True, None),  # 5 s mountain run, the receiver's own speed
        (EMPARIS_RUN, 0, False, None),
    ],
)
def test_dense_track_as_its_own_route_gives_the_true_km(
    shared_dir: Path, rel: str, hz: float, speed: bool, first_s: float | None
) -> None:
    real, route = track(shared_dir, rel)
    assert not route.town_to_town
    fx = fixes(real, hz=hz, receiver_speed=speed)
    if first_s is not None:
        fx = [f for f in fx if (f.time - fx[0].time).total_seconds() <= first_s]
    truth = truth_km(real, fx)
    kms, off = feed(route, fx, max_kmh=30.0 if rel == EMPARIS_RUN else 60.0)
    err = np.abs(kms - truth)
    assert off == 0
    # Every fix lies on the path: the km is its own, not a vertex the km stuck on (the old tie
    # rule left it 10-30 m behind and then jumped).
    assert float(np.median(err)) < 0.001  # 1 m
    assert np.all(err <= 0.005 * truth + 0.05), f"worst {err.max():.3f} km at fix {err.argmax()}"
    assert kms[-1] == pytest.approx(truth[-1], rel=0.005)


def test_dense_track_km_moves_with_the_athlete_not_in_jumps(shared_dir: Path) -> None:
    # The old tie rule kept the km on a vertex for several fixes, then jumped: a runner at
    # 9.7 km/h showed 43.5 km/h. At 1 Hz each step of the km is the step of the track itself.
    real, route = track(shared_dir, HOKKAIDO_DAY1)
    fx = fixes(real)[:3000]
    kms, _off = feed(route, fx)
    steps = np.diff(kms)
    true_steps = np.diff(truth_km(real, fx))
    assert np.abs(steps - true_steps).max() < 0.002  # 2 m


# --- a point exactly on a segment ------------------------------------------------------------
def test_point_half_way_along_a_short_segment_is_at_its_km_on_the_path(shared_dir: Path) -> None:
    real, route = track(shared_dir, AUDAX_150K)
    cum = real.cum_m
    seg = np.diff(cum)
    # Real segments 8-12 m long, spread over the ride.
    picks = [int(i) for i in np.flatnonzero((seg > 8.0) & (seg < 12.0))[::500]]
    assert len(picks) > 10
    for i in picks:
        az, _baz, s = GEOD.inv(real.lons[i], real.lats[i], real.lons[i + 1], real.lats[i + 1])
        lon, lat, _ = GEOD.fwd(real.lons[i], real.lats[i], az, s / 2)
        want_km = (cum[i] + s / 2) / 1000.0
        for prior in (None, want_km - 0.2, want_km + 0.1):
            reach = math.inf if prior is None else 0.5
            p = locate(route, lat, lon, prior, reach)
            if prior is None and abs(p.km - want_km) > 0.001:
                # Without a prior only an earlier pass through the very same spot may win.
                assert p.off_route_m < 0.05
                continue
            assert p.km == pytest.approx(want_km, abs=0.0005), (i, prior)  # half a metre
            assert p.off_route_m < 0.05 and not p.off_route


def test_point_on_a_generated_segment_with_and_without_prior() -> None:
    # A straight road north along 10 deg E, a point every 10 m (0.0001 deg of latitude is
    # about 11.06 m there): the midpoint of a segment is at its own km, 0 m off.
    lats = [45.0 + i * 1e-4 for i in range(200)]
    route = build_route(RouteData("n", "mem", lats, [10.0] * 200, [math.nan] * 200, []))
    _a, _b, d = GEOD.inv([10.0] * 199, lats[:-1], [10.0] * 199, lats[1:])
    cum = np.concatenate(([0.0], np.cumsum(d)))
    lat = (lats[57] + lats[58]) / 2
    _a, _b, half = GEOD.inv(10.0, lats[57], 10.0, lat)
    want = (cum[57] + half) / 1000.0
    for prior, reach in ((None, math.inf), (want - 0.05, 0.317), (want, 0.317), (0.0, math.inf)):
        p = locate(route, lat, 10.0, prior, reach)
        assert p.km == pytest.approx(want, abs=1e-4) and p.off_route_m < 0.01


# --- route books made from the track (towns every 5-10 km) -----------------------------------
@pytest.mark.parametrize(
    ("rel", "every_km", "hz", "first_s"),
    [
        (AUDAX_150K, 5.0, 0, None),  # 163 km road ride, 1 s
        (AUDAX_150K, 8.0, 0, None),
        (AUDAX_150K, 8.0, 10, 7200.0),  # the first 2 h at 10 Hz
        (HOKKAIDO_DAY1, 5.0, 0, None),
        (HOKKAIDO_DAY2, 8.0, 0, None),
        (HOKKAIDO_DAY2, 10.0, 0, None),
        (EMPARIS_RUN, 5.0, 0, None),  # a mountain trail that doubles back inside its legs
    ],
)
def test_route_book_of_a_real_road_never_freezes_and_stays_within_a_km(
    shared_dir: Path, tmp_path: Path, rel: str, every_km: float, hz: float, first_s: float | None
) -> None:
    real = load_real_track(shared_dir / rel)
    csv = tmp_path / "book.csv"
    rows = route_book_csv(real, csv, every_km)
    route = load_route(csv)
    assert route.town_to_town and len(route.towns) == len(rows)
    fx = fixes(real, hz=hz)
    if first_s is not None:
        fx = [f for f in fx if (f.time - real.times[0]).total_seconds() <= first_s]
    truth = truth_km(real, fx)
    kms, off = feed(route, fx)
    # The road is up to 2 km from the straight lines between the towns: before the corridor
    # 47 % of these fixes were off route and progress froze; the place between the towns alone
    # was up to 2.2 km off. The distance the feed moved (the odometer) keeps it within a km.
    assert off == 0
    err = np.abs(kms - truth)
    assert err.max() < 1.0, f"worst {err.max():.2f} km at true km {truth[err.argmax()]:.1f}"
    assert kms[-1] == pytest.approx(truth[-1], abs=0.5)


def test_lost_path_is_reacquired_only_as_far_as_max_kmh_allows() -> None:
    # A loop: out east along the equator 0.2 deg (22 km), north, and back west 300 m north of
    # the outward road. After a fix at km 2 the athlete is lost for 6 minutes and reappears on
    # the way back, 300 m from the start of the route: at 60 km/h at most 6 km further along.
    lats = [0.0, 0.0, 0.0027, 0.0027]
    lons = [0.0, 0.2, 0.2, 0.0]
    n = 2001
    dense_lats = list(np.interp(np.linspace(0, 3, n), [0, 1, 2, 3], lats))
    dense_lons = list(np.interp(np.linspace(0, 3, n), [0, 1, 2, 3], lons))
    route = build_route(RouteData("loop", "mem", dense_lats, dense_lons, [math.nan] * n, []))
    t0 = datetime(2024, 5, 1, 8, tzinfo=UTC)
    at2 = Fix(t0, 0.0, 2.0 / 111.32, source="gps")
    p0 = locate(route, at2.lat, at2.lon)
    assert p0.km == pytest.approx(2.0, abs=0.01)
    lost = Fix(t0 + timedelta(minutes=3), 0.02, 0.05, source="gps")  # 2.2 km north: off route
    p1 = follow(route, lost, km=p0.km, last=at2, last_placement=p0, max_kmh=60, expect_kmh=20)
    assert p1.off_route and p1.good_at == t0
    # Back near the start, 300 m from the outward road and 0 m from the return leg (km ~44):
    back = Fix(t0 + timedelta(minutes=6), 0.0027, 0.04, source="gps")
    p2 = follow(route, back, km=p0.km, last=lost, last_placement=p1, max_kmh=60, expect_kmh=20)
    assert p2.km <= 2.0 + 6.0 + 0.3  # never km 40 on the other side of the loop
    assert p2.km == pytest.approx(0.04 * 111.32, abs=0.05)  # the outward road, 300 m off


# --- out-and-back and self-crossing courses --------------------------------------------------
def test_out_and_back_dense_road_stays_on_its_pass() -> None:
    # Out 10 km east along the equator and back on the very same road, a point every 10 m; a
    # runner at 10 km/h with 5 m of noise, fixes every 5 s: never on the other pass.
    out = list(np.linspace(0.0, 10.0 / 111.32, 1001))
    lons = out + out[-2::-1]
    n = len(lons)
    route = build_route(RouteData("oab", "mem", [0.0] * n, lons, [math.nan] * n, []))
    _a, _b, d = GEOD.inv(lons[:-1], [0.0] * (n - 1), lons[1:], [0.0] * (n - 1))
    total_km = float(np.sum(d)) / 1000.0
    rng = np.random.default_rng(8)
    tr = Tracker(route, "UTC", max_kmh=30)
    t0 = datetime(2024, 5, 1, 8, tzinfo=UTC)
    for i in range(int(total_km / (10 / 3600 * 5))):
        truth = i * 10 / 3600 * 5
        pos = route.point_at(truth)
        noise = rng.normal(0.0, 5.0 / 111320, 2)
        tr.add(Fix(t0 + timedelta(seconds=5 * i), pos.lat + noise[0], pos.lon + noise[1], "gps"))
        # Within ~40 m of the turn the two legs are one place (the km may be off by twice
        # that); anywhere else the other pass would be kilometres off.
        assert abs(tr.km - truth) < 0.1, (i, truth, tr.km)


def test_ultra_tracker_out_and_back_pings_stay_on_their_pass(shared_dir: Path) -> None:
    # Ouray 100: inReach pings every 5 min of a mountain 100-miler with out-and-back legs. The
    # pings are the route; each ping, and the midpoint between two pings, is fed in time order.
    import json

    raw = json.loads((shared_dir / "corpus/eta-tracks/ultra-tracker/03/post_log.json").read_text())
    pts: dict[int, tuple[float, float]] = {}
    for ev in raw:
        for e in ev.get("Events", []) if isinstance(ev, dict) else []:
            pt = e.get("point") or {}
            lat, lon, ts = pt.get("latitude"), pt.get("longitude"), e.get("timeStamp")
            if lat and lon and ts and e.get("gpsFix", 1):
                pts[int(ts)] = (float(lat), float(lon))
    times = sorted(pts)
    lats = np.array([pts[t][0] for t in times])
    lons = np.array([pts[t][1] for t in times])
    keep = np.concatenate(([True], np.hypot(np.diff(lats), np.diff(lons)) > 1e-6))
    times = [t for t, k in zip(times, keep, strict=True) if k]
    lats, lons = lats[keep], lons[keep]
    assert len(lats) > 300
    route = build_route(
        RouteData("ouray", "mem", list(lats), list(lons), [math.nan] * len(lats), [])
    )
    _a, _b, d = GEOD.inv(lons[:-1], lats[:-1], lons[1:], lats[1:])
    cum = np.concatenate(([0.0], np.cumsum(d))) / 1000.0
    tr = Tracker(route, "UTC", max_kmh=20)
    worst = 0.0
    for i in range(len(lats)):
        t = datetime.fromtimestamp(times[i] / 1000, UTC)
        tr.add(Fix(t, float(lats[i]), float(lons[i]), "http"))
        worst = max(worst, abs(tr.km - cum[i]))
        if i + 1 < len(lats):
            mid = Fix(
                t + (datetime.fromtimestamp(times[i + 1] / 1000, UTC) - t) / 2,
                float(lats[i] + lats[i + 1]) / 2,
                float(lons[i] + lons[i + 1]) / 2,
                "http",
            )
            tr.add(mid)
            worst = max(worst, abs(tr.km - (cum[i] + cum[i + 1]) / 2))
    # The other pass of an out-and-back leg would be kilometres off; the worst here (~120 m)
    # is half-way between two pings near the tip of a short spur, where both legs are one place.
    assert worst < 0.15, worst
    assert tr.km == pytest.approx(cum[-1], abs=0.05)


def test_self_crossing_loop_keeps_each_pass() -> None:
    # A figure eight drawn every ~11 m crossing itself at (0, 0.05): a rider through the
    # crossing on the second pass is not sent back to the first, nor the first to the second.
    corners_lat = [0.0, 0.0, 0.05, 0.05, -0.05, -0.05, 0.0, 0.0]
    corners_lon = [0.0, 0.05, 0.1, 0.0, 0.1, 0.05, 0.05, 0.1]
    s = np.linspace(0, 7, 7 * 600 + 1)
    lats = list(np.interp(s, range(8), corners_lat))
    lons = list(np.interp(s, range(8), corners_lon))
    route = build_route(RouteData("8", "mem", lats, lons, [math.nan] * len(lats), []))
    tr = Tracker(route, "UTC", max_kmh=60)
    t0 = datetime(2024, 5, 1, 8, tzinfo=UTC)
    step_km = 25 / 3600 * 2  # 25 km/h, a fix every 2 s
    for i in range(int(route.length_km / step_km)):
        truth = i * step_km
        pos = route.point_at(truth)
        tr.add(Fix(t0 + timedelta(seconds=2 * i), pos.lat, pos.lon, "gps"))
        assert abs(tr.km - truth) < 0.03, (i, truth, tr.km)


# --- town-to-town routes: typed lat,lon, and saying so ---------------------------------------
def test_typed_lat_lon_inside_a_route_book_corridor_is_accepted() -> None:
    from companion.core.models import PositionError
    from companion.sources.manual import parse_position

    route = load_route(bundled_routes_dir() / "baroda-delhi.csv")
    assert route.town_to_town
    now = datetime(2024, 2, 1, 8, tzinfo=UTC)
    # Between Himmatnagar (km 196) and Shamlaji (km 244): refused before (2000 m limit).
    a, b = (23.5980, 72.9660), (23.6860, 73.3840)
    line = np.linspace(0.0, 1.0, 20001)
    _x, _y, d = GEOD.inv(
        np.full(line.size, 73.1), np.full(line.size, 23.6),
        a[1] + line * (b[1] - a[1]), a[0] + line * (b[0] - a[0]),
    )  # fmt: skip
    assert 2700 < d.min() < 2900  # the "2.8 km from the line"
    _f, _g, to_a = GEOD.inv(a[1], a[0], 73.1, 23.6)
    _f, _g, to_b = GEOD.inv(b[1], b[0], 73.1, 23.6)
    fix = parse_position("23.6,73.1", route, 190.0, now)
    assert fix.km == pytest.approx(196 + 48 * to_a / (to_a + to_b), abs=0.05)
    # 33 km north of the same leg is no road between these towns.
    with pytest.raises(PositionError, match="km from the route"):
        parse_position("23.9,73.1", route, 190.0, now)


def test_info_says_when_a_route_is_town_to_town(
    shared_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from companion.cli import main

    assert main(["info", "baroda-delhi", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["town_to_town"] is True
    assert main(["info", "baroda-delhi"]) == 0
    assert "km approximate between towns" in capsys.readouterr().out
    assert main(["info", str(shared_dir / AUDAX_150K), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["town_to_town"] is False
    assert main(["info", str(shared_dir / AUDAX_150K)]) == 0
    assert "approximate" not in capsys.readouterr().out


def test_the_feed_path_places_as_the_tracker_does_on_a_route_book(
    shared_dir: Path, tmp_path: Path
) -> None:
    # The session logs each feed fix with the km `place` gave it, and the tracker then takes that
    # km as it is: the odometer must learn the book's scale on that path too, or a reopened or
    # live event would drift from what the same fixes give fed directly.
    real = load_real_track(shared_dir / HOKKAIDO_DAY2)
    csv = tmp_path / "book.csv"
    route_book_csv(real, csv, 8.0)
    route = load_route(csv)
    direct = Tracker(route, "UTC", max_kmh=60.0)
    logged = Tracker(route, "UTC", max_kmh=60.0)
    for f in fixes(real)[:6000]:
        direct.add(f)
        placed = logged.place(f)
        logged.add(Fix(f.time, f.lat, f.lon, source=f.source, km=placed.km))
        assert logged.km == pytest.approx(direct.km, abs=1e-9)
