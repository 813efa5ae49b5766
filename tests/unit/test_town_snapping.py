"""Town snapping through the segment grid (issue 10 F7): the same towns as a scan of the whole
path per town, on real tracks from ../shared, and work that grows with the towns, not with
towns x points.

The reference is the snapping as it was before the grid (a box scan of every vertex per town,
then the later-pass search), written out here from Route's public geometry.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from helpers.real_tracks import AUDAX_150K, HOKKAIDO_DAY1, load_real_track, route_book_csv

from companion.core import route as route_mod
from companion.core.models import RouteData, TownSpec
from companion.core.route import Route, build_route
from companion.core.segment_grid import SegmentGrid
from companion.formats import load_route_data
from companion.formats.csv_route import load_csv, parse_csv
from companion.formats.limits import Limits

SHARED = Path(__file__).resolve().parents[3] / "shared"
M_PER_DEG = 111_320.0


def scan_snap(route: Route, specs: list[TownSpec], max_off_m: float = 3000.0) -> list[tuple]:
    """(name, km, metres off) of each town by a box scan of the whole path per town."""
    out = []
    prior: float | None = None
    for spec in specs:
        near = route.segments_near(spec.lat, spec.lon, max_off_m)
        p = route._nearest(spec.lat, spec.lon, near, None)
        if prior is not None:
            segs = np.arange(near.start, near.stop) if isinstance(near, slice) else near
            later = segs[route.cum_m[segs + 1] > (prior + 0.01) * 1000.0]
            if len(later):
                ahead = route._nearest(spec.lat, spec.lon, later, prior)
                if ahead.km > prior and ahead.off_route_m <= p.off_route_m + 30.0:
                    p = ahead
        km = spec.km if spec.km is not None else p.km
        out.append((spec.name, km, p.off_route_m))
        prior = km
    return sorted(out, key=lambda t: t[1])


def snapped(route: Route) -> list[tuple]:
    return [(t.name, t.km, t.off_route_m) for t in route.towns]


def towns_off_the_track(
    lats: np.ndarray, lons: np.ndarray, every: int, seed: int, most_m: float = 2500.0
) -> list:
    """Towns beside the track every `every` points, 0-`most_m` off to either side."""
    rng = np.random.default_rng(seed)
    specs = []
    for k, i in enumerate(range(every // 2, len(lats) - 1, every)):
        off = rng.uniform(0.0, most_m) * (1 if k % 2 else -1)
        north, east = lats[i + 1] - lats[i], (lons[i + 1] - lons[i]) * math.cos(
            math.radians(lats[i])
        )
        norm = math.hypot(north, east) or 1.0
        lat = lats[i] + off * (-east / norm) / M_PER_DEG
        lon = lons[i] + off * (north / norm) / (M_PER_DEG * math.cos(math.radians(lats[i])))
        specs.append(TownSpec(f"Town {k}", float(lat), float(lon), where=f"town {k}"))
    return specs


def test_a_dense_route_book_from_a_real_ride_snaps_as_the_scan_does(tmp_path: Path) -> None:
    track = load_real_track(SHARED / AUDAX_150K)
    book = tmp_path / "audax.csv"
    rows = route_book_csv(track, book, every_km=0.04)
    assert len(rows) > 3000  # a path of 3000+ segments: the grid, not the small-route scan
    data = load_csv(book)
    route = build_route(data)
    assert snapped(route) == scan_snap(route, data.towns)
    # And each town at its own km from the book (the track's own geodesics, pyproj).
    # (written to 0.1 m)
    assert [t.km for t in route.towns] == pytest.approx([km for _n, km in rows], abs=6e-5)


def test_towns_beside_a_real_track_and_its_way_back_snap_as_the_scan_does() -> None:
    data = load_route_data(SHARED / HOKKAIDO_DAY1)  # a day's ride from one town to another
    lats, lons = np.asarray(data.lats), np.asarray(data.lons)
    # Checkpoints by the road (a town 2 km off a winding road may well be nearer an earlier
    # bend than its own: that is tested against the scan above and below).
    out = towns_off_the_track(lats, lons, every=150, seed=1, most_m=20.0)
    # Out and back on the same road: every town again on the way back, in route order.
    there_and_back = replace(
        data,
        lats=list(lats) + list(lats[::-1]),
        lons=list(lons) + list(lons[::-1]),
        eles=list(data.eles) * 2,
        towns=out + [replace(t, name=t.name + " (back)") for t in reversed(out)],
    )
    assert len(there_and_back.towns) >= 2 * 80
    route = build_route(there_and_back)
    assert snapped(route) == scan_snap(route, there_and_back.towns)
    half = route.length_km / 2
    by_name = {t.name: t.km for t in route.towns}
    # Each "(back)" twin after its outward twin, and nearly all on the way back, as far from
    # the turn as their twins (not those where the road stays within `route._PASS_GAP_M` of
    # them up to the turn: one visit of the road, as the ride's end wanders round its hotel).
    assert all(by_name[t.name] < by_name[t.name + " (back)"] for t in out)
    mirrored = [abs((by_name[t.name + " (back)"] - half) - (half - by_name[t.name])) for t in out]
    assert sum(d < 0.1 for d in mirrored) >= 0.9 * len(out)


def test_towns_up_to_2_5_km_off_a_real_loop_snap_as_the_scan_does() -> None:
    data = load_route_data(SHARED / AUDAX_150K)  # a 150 km loop: start and finish meet
    towns = towns_off_the_track(np.asarray(data.lats), np.asarray(data.lons), every=100, seed=3)
    route = build_route(replace(data, towns=towns))
    assert len(towns) > 200
    assert snapped(route) == scan_snap(route, towns)


def test_a_town_too_far_off_is_refused_with_its_distance_as_before() -> None:
    data = load_route_data(SHARED / AUDAX_150K)
    lats, lons = np.asarray(data.lats), np.asarray(data.lons)
    towns = towns_off_the_track(lats, lons, every=400, seed=2)
    far = TownSpec("Far away", towns[10].lat + 0.3, towns[10].lon, where="town far")
    # Strict (a route book's towns); a GPX's own waypoints leave it out with a warning instead.
    with pytest.raises(route_mod.RouteError) as grid_err:
        build_route(replace(data, towns=[*towns[:20], far, *towns[20:]], waypoints=False))
    route = build_route(replace(data, towns=[]))
    near = route.segments_near(far.lat, far.lon, 3000.0)
    off_km = route._nearest(far.lat, far.lon, near, None).off_route_m / 1000
    assert f"town 'Far away' is {off_km:.1f} km from the path (limit 3 km)" in str(grid_err.value)


def make_book(n: int, seed: int = 7) -> str:
    """An n-row route book along a wiggly road, 12-50 m between rows, km = geodesic x 1.02.

    Rows at least 10 m apart: a town within 10 m past the previous one is put on the path after
    that (the later-pass rule of `snap_towns`), not at its own km.
    """
    from companion.core import geo

    rng = np.random.default_rng(seed)
    step = rng.uniform(12.0, 50.0, n - 1)
    s = np.cumsum(step)
    heading = np.radians(10.0 + 35.0 * np.sin(s / 4000.0) + 10.0 * np.sin(s / 700.0))
    lats = np.concatenate([[19.076], 19.076 + np.cumsum(step * np.cos(heading)) / M_PER_DEG])
    dlon = step * np.sin(heading) / (M_PER_DEG * np.cos(np.radians(lats[:-1])))
    lons = np.concatenate([[72.8777], 72.8777 + np.cumsum(dlon)])
    km = geo.cumulative_m(lats, lons) * 1.02 / 1000.0
    rows = [f"Stop {i},{lats[i]:.6f},{lons[i]:.6f},{km[i]:.3f}" for i in range(n)]
    return "name,lat,lon,km\n" + "\n".join(rows) + "\n"


def snap_work(data: RouteData, monkeypatch: pytest.MonkeyPatch) -> tuple[Route, int, int]:
    """Build the route counting whole-path box scans and the feet worked out."""
    scans, feet = [0], [0]
    real_near, real_feet = Route.segments_near, Route.feet

    def counting_near(self: Route, *a: float) -> object:
        scans[0] += 1
        return real_near(self, *a)

    def counting_feet(self: Route, lat: float, lon: float, seg: object) -> object:
        out = real_feet(self, lat, lon, seg)  # type: ignore[arg-type]
        feet[0] += len(out.segs)
        return out

    monkeypatch.setattr(Route, "segments_near", counting_near)
    monkeypatch.setattr(Route, "feet", counting_feet)
    try:
        return build_route(data), scans[0], feet[0]
    finally:
        monkeypatch.undo()


def test_snapping_a_big_route_book_grows_with_its_rows_not_rows_squared(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 100,000 rows took 116 s (issue 10 F7): a scan of all n points for each of n towns. The
    # bench (bench/bench_route_book.py) times 100k; here the work is counted on 5k and 25k.
    work = {}
    for n in (5_000, 25_000):
        text = make_book(n)
        data = parse_csv(text, "book.csv", limits=Limits(towns=n))
        route, scans, feet = snap_work(data, monkeypatch)
        assert len(route.towns) == n
        km_column = [float(line.rsplit(",", 1)[1]) for line in text.splitlines()[1:]]
        assert [t.km for t in route.towns] == pytest.approx(km_column, abs=1e-6)
        assert scans == 0  # no town looked at the whole path
        work[n] = feet / n
        if n == 5_000:  # the towns the scan of the whole path finds (O(n^2): 5k rows, ~1 s)
            assert snapped(route) == scan_snap(route, data.towns)
    # The feet worked out per town do not grow with the length of the book (a scan: x5).
    assert work[25_000] < 1.3 * work[5_000]
    assert work[25_000] < 2000


@pytest.mark.parametrize(
    "where", [(19.0, 72.8), (0.0, 179.95), (0.0, -179.95), (84.0, 10.0), (-60.0, -70.0)]
)
def test_the_grid_never_misses_a_segment_in_the_box(where: tuple[float, float]) -> None:
    lat0, lon0 = where
    rng = np.random.default_rng(int(abs(lat0 * 1000 + lon0)))
    # A random walk of short steps with a few long jumps (a route book's long legs).
    steps = rng.normal(0.0, 0.002, (3000, 2))
    steps[rng.integers(0, 3000, 15)] *= 300
    lats = np.clip(lat0 + np.cumsum(steps[:, 0]), -89.9, 89.9)
    lons = (lon0 + np.cumsum(steps[:, 1]) + 180.0) % 360.0 - 180.0
    grid = SegmentGrid(lats, lons, 0.01)
    fine = np.linspace(0.0, 1.0, 201)
    returned = 0
    dlon_seg = (np.diff(lons) + 180.0) % 360.0 - 180.0
    for _ in range(60):
        k = int(rng.integers(0, len(lats) - 1))
        lat, lon = float(lats[k] + rng.normal(0, 0.01)), float(lons[k] + rng.normal(0, 0.01))
        dlat, dlon = 0.02, 0.02 / max(math.cos(math.radians(lat)), 1e-6)
        # Brute force: every segment with one of 201 points along it inside the box.
        pl = lats[:-1, None] + fine * np.diff(lats)[:, None]
        plo = lons[:-1, None] + fine * dlon_seg[:, None]
        inside = (np.abs(pl - lat) <= dlat) & (np.abs((plo - lon + 180.0) % 360.0 - 180.0) <= dlon)
        want = set(np.flatnonzero(inside.any(axis=1)).tolist())
        got = grid.near(lat, lon, dlat, dlon)
        assert want <= set(got.tolist())
        assert list(got) == sorted(set(got.tolist()))  # ascending, no repeats
        returned += len(got)
    assert returned < 0.2 * 60 * (len(lats) - 1)  # a few cells each, not the whole path
