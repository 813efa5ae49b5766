"""A kept proof (core/nearanchor) answers a fix near it as the full window search does.

`nearfast.anchored` answers from the proof `nearest_in_window` made for an earlier fix; where it
answers, its segment, fraction and squared distance must be `Route.feet` + `Route.pick`'s over
the window `follow` would search, bit for bit. The reference is that full search, run beside it
on the same inputs; the fixes are what the kept proof is for: 10 Hz, a fix ~0.7 m from the last,
with a receiver's slowly wandering error. And it must answer most of them (a kept proof that
always declines would pass the equality vacuously).

Real parts: the Audax 150k, Hokkaido day 1, the Emparis run and the first Kovner day (FIT), each
as its own route, the fixes its own points resampled at 10 Hz; an out-and-back made of the
Audax's first 2 km; generated paths with hairpins and turnarounds.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from helpers.full_search import full
from helpers.real_tracks import AUDAX_150K, EMPARIS_RUN, HOKKAIDO_DAY1, cumulative_m
from helpers.walks import walk_paths
from hypothesis import event, given, settings
from hypothesis import strategies as st

from companion.core import nearanchor, placement
from companion.core.models import Fix, Placement, RouteData
from companion.core.nearfast import anchored, nearest_in_window
from companion.core.placement import REACH_SLACK_KM
from companion.core.route import Route, build_route
from companion.core.tracker import Tracker
from companion.formats import load_route

KOVNER_DAY1 = "corpus/eta-tracks/zach-kovner-cross-country/20061711391_ACTIVITY.fit"
HZ = 10.0
MAX_KMH = 60.0


def at_10hz(
    lats: np.ndarray, lons: np.ndarray, n: int, kmh: float, seed: int, start_m: float = 0.0
) -> list[tuple[float, float]]:
    """`n` positions 1/HZ s apart moving along the polyline at `kmh`, with a receiver's error:
    3 m that wanders (a random walk pulled back, ~0.2 m a fix) plus 0.2 m of jitter."""
    cum = cumulative_m(lats, lons)
    rng = np.random.default_rng(seed)
    s = start_m + np.arange(n) * kmh / 3.6 / HZ
    s = s[s <= cum[-1]]
    lat = np.interp(s, cum, lats)
    lon = np.interp(s, cum, lons)
    pull = 0.995
    wander = np.zeros((len(s), 2))
    steps = rng.normal(0.0, 3.0 * math.sqrt(1 - pull**2), (len(s), 2))
    for i in range(1, len(s)):
        wander[i] = pull * wander[i - 1] + steps[i]
    err = wander + rng.normal(0.0, 0.2, (len(s), 2))
    lat = lat + err[:, 0] / 111_320.0
    lon = lon + err[:, 1] / (111_320.0 * np.cos(np.radians(lat)))
    return list(zip(lat.tolist(), lon.tolist(), strict=True))


def walk(route: Route, points: list[tuple[float, float]], kmh: float) -> tuple[int, int]:
    """Each point as `locate` asks: the kept proof first, else nearfast (which keeps its proof),
    over `follow`'s window at MAX_KMH; every answer compared with the full search. Returns how
    many the kept proof answered, and how many nearfast did."""
    dt_h = 1.0 / HZ / 3600.0
    reach = MAX_KMH * dt_h + REACH_SLACK_KM
    km = float(route.cum_m[full(route, *points[0], np.s_[0 : len(route.seg_m)], 0.0)[0]]) / 1000
    kept = fresh = 0
    for lat, lon in points[1:]:
        lo_km, hi_km = km - reach, km + reach
        seg = route.segments_between(lo_km, hi_km)
        target = km + kmh * dt_h
        want = full(route, lat, lon, seg, target)
        got = anchored(route, lat, lon, lo_km, hi_km)
        if got is not None:
            kept += 1
            assert tuple(got) == want, (lat, lon, got, want)
        else:
            got = nearest_in_window(route, lat, lon, seg, target)
            if got is not None:
                fresh += 1
                assert tuple(got) == want, (lat, lon, got, want)
        km = (float(route.cum_m[want[0]]) + want[1] * float(route.seg_m[want[0]])) / 1000.0
    return kept, fresh


# Measured shares answered by the kept proof (of 15,000 fixes): Audax 79 %, Hokkaido 67 %,
# Emparis 56 % (switchbacks), Kovner 86 %; nearfast answered most of the rest.
@pytest.mark.parametrize(
    ("rel", "least"),
    [(AUDAX_150K, 0.6), (HOKKAIDO_DAY1, 0.5), (EMPARIS_RUN, 0.4), (KOVNER_DAY1, 0.7)],
)
def test_10_hz_on_a_real_track_gets_the_full_search_answer(
    shared_dir: Path, rel: str, least: float
) -> None:
    route = load_route(shared_dir / rel)
    points = at_10hz(route.lats, route.lons, 15_000, 25.0, seed=7, start_m=3000.0)
    kept, fresh = walk(route, points, 25.0)
    assert kept >= least * len(points), (kept, fresh, len(points))


def test_an_out_and_back_at_10_hz_through_the_turn(shared_dir: Path) -> None:
    # The Audax's first 5 km, out and back on the same points: the fixes ride out, turn, and
    # come back; near the turn both passes are in the window (and within ~800 m of it, within
    # the clearance's reach: nearfast and the kept proof leave those to the full search).
    base = load_route(shared_dir / AUDAX_150K)
    n = int(np.searchsorted(base.cum_m, 5000.0))
    lats = np.concatenate((base.lats[:n], base.lats[n - 2 :: -1]))
    lons = np.concatenate((base.lons[:n], base.lons[n - 2 :: -1]))
    data = RouteData("oab", "mem", lats.tolist(), lons.tolist(), [math.nan] * len(lats), [])
    route = build_route(data)
    points = at_10hz(lats, lons, 20_000, 20.0, seed=3)
    kept, fresh = walk(route, points, 20.0)
    assert len(points) >= 17_000  # out and back: the whole 10 km
    assert kept >= 0.35 * len(points), (kept, fresh, len(points))  # measured 49 %


def test_a_window_wider_than_the_kept_proof_is_not_answered_from_it() -> None:
    # Segments of 60 m: the near blocks (±8 segments) are wider than a 10 Hz window (±317 m),
    # so the proof covers only the segments the window held. A fix after a pause has a wider
    # window: the kept proof must leave it to nearfast and the full search.
    step = 60.0 / 111_320.0
    n = 200
    lons = [i * step for i in range(n)]
    route = build_route(RouteData("long", "mem", [0.0] * n, lons, [math.nan] * n, []))
    km = 6.0
    lat, lon = 2.0 / 110_574.0, lons[100] + 0.3 * step
    seg = route.segments_between(km - 0.3, km + 0.3)
    assert nearest_in_window(route, lat, lon, seg, km) is not None  # a proof is kept
    lat2 = lat + 0.3 / 110_574.0
    got = anchored(route, lat2, lon, km - 0.3, km + 0.3)  # the same window: answered
    assert got is not None and tuple(got) == full(route, lat2, lon, seg, km)
    assert anchored(route, lat2, lon, km - 0.9, km + 0.9) is None  # wider: not
    assert anchored(route, lat2, lon, km - 0.3, km + 0.9) is None
    assert anchored(route, lat2 + 20.0 / 110_574.0, lon, km - 0.3, km + 0.3) is None  # 20 m on


def test_a_tracker_at_10_hz_places_every_fix_as_with_the_full_search_alone(
    shared_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    route = load_route(shared_dir / KOVNER_DAY1)
    t0 = datetime(2020, 6, 17, 12, 0, tzinfo=UTC)
    points = at_10hz(route.lats, route.lons, 12_000, 25.0, seed=9, start_m=20_000.0)
    fx = [
        Fix(t0 + timedelta(seconds=i / HZ), lat, lon, "gps", speed_mps=25.0 / 3.6)
        for i, (lat, lon) in enumerate(points)
    ]
    kept: list[bool] = []
    real = placement.anchored

    def spy(*a: object) -> object:
        got = real(*a)  # type: ignore[arg-type]
        kept.append(got is not None)
        return got

    def placements() -> list[tuple[Placement, float]]:
        tr = Tracker(route, "UTC", max_kmh=MAX_KMH)
        return [(tr.add(f), tr.km) for f in fx]

    monkeypatch.setattr(placement, "anchored", spy)
    fast = placements()
    assert sum(kept) >= 0.7 * len(fx)  # measured 84 %
    monkeypatch.setattr(placement, "anchored", lambda *a: None)
    monkeypatch.setattr(placement, "nearest_in_window", lambda *a: None)
    assert placements() == fast


# Generated paths: a random walk of short segments with hairpins and full turnarounds; fixes
# moving along it a few metres at a time (now and then a jump of up to 15 m), drifting off it
# and back, with windows of any reach around the km: wherever the kept proof answers it must
# be the full search's answer.
def paths() -> st.SearchStrategy[tuple[list[float], list[float]]]:
    return walk_paths(max_n=200, max_lat=79.0, straight=10)


@settings(max_examples=150, deadline=None)
@given(
    path=paths(),
    where=st.floats(0.0, 1.0),
    moves=st.lists(
        st.tuples(
            st.floats(-2.0, 6.0),  # along the path, m
            st.floats(-3.0, 3.0),  # drift across, m
            st.floats(10.0, 700.0),  # the window's reach, m
            st.floats(-300.0, 300.0),  # the expected km's lead, m
        ),
        min_size=5,
        max_size=60,
    ),
    jumps=st.sets(st.integers(0, 59), max_size=3),
)
def test_generated_walks_get_the_full_search_answer(
    path: tuple[list[float], list[float]],
    where: float,
    moves: list[tuple[float, float, float, float]],
    jumps: set[int],
) -> None:
    lats, lons = path
    n = len(lats)
    route = build_route(RouteData("g", "mem", lats, lons, [math.nan] * n, []))
    s_km, off_m = where * route.length_km, 0.0
    kept = 0
    for i, (along, across, reach_m, lead_m) in enumerate(moves):
        along_m = along * 2.5 if i in jumps else along
        s_km = min(max(s_km + along_m / 1000.0, 0.0), route.length_km)
        off_m = min(max(off_m + across, -40.0), 40.0)
        at = route.point_at(s_km)
        lat = at.lat + off_m / 111_320.0
        lon = at.lon + 0.5 * off_m / (111_320.0 * math.cos(math.radians(at.lat)))
        prior = s_km
        lo_km, hi_km = prior - reach_m / 1000.0, prior + reach_m / 1000.0
        seg = route.segments_between(lo_km, hi_km)
        target = prior + lead_m / 1000.0
        want = full(route, lat, lon, seg, target)
        got = anchored(route, lat, lon, lo_km, hi_km)
        if got is not None:
            kept += 1
            assert tuple(got) == want, (i, got, want)
        elif (got := nearest_in_window(route, lat, lon, seg, target)) is not None:
            assert tuple(got) == want, (i, got, want)
    event("kept proof answered" if kept else "kept proof never answered")


def test_a_move_beyond_the_kept_proofs_reach_is_not_answered() -> None:
    lons = [i * 7.5 / 111_320.0 for i in range(400)]
    route = build_route(RouteData("s", "mem", [0.0] * 400, lons, [math.nan] * 400, []))
    seg = route.segments_between(1.2, 1.8)
    m = 1.0 / 111_320.0
    assert nearest_in_window(route, 0.0, lons[200], seg, 1.5) is not None
    assert anchored(route, 0.0, lons[200] + 1.0 * m, 1.2, 1.8) is not None  # kept
    assert anchored(route, 0.0, lons[200] + (nearanchor.MAX_MOVE_M + 0.5) * m, 1.2, 1.8) is None
    assert anchored(route, 0.0, lons[200] + (nearanchor.MAX_MOVE_M - 0.5) * m, 1.2, 1.8) is not None
    # A proof whose next fix is already farther than KEEP_MOVE_M is not kept at all (1 Hz).
    assert nearest_in_window(route, 0.0, lons[200], seg, 1.5) is not None
    assert anchored(route, 0.0, lons[200] + (nearanchor.KEEP_MOVE_M + 0.5) * m, 1.2, 1.8) is None
    assert anchored(route, 0.0, lons[200] + 1.0 * m, 1.2, 1.8) is None


def test_a_vertex_leaving_the_tie_distance_ends_the_kept_proof() -> None:
    # A recorded road with a spike: at vertex 150 the track runs 25 m back along itself and
    # returns (a GPS glitch). Riding east past it, 1 m off the road, the spike's tip is between
    # two ties and within best + 30 m until ~6 m past its base; beyond, `pick` sees two passes
    # and the expected km (at the base) chooses the spike's, not the nearest.
    step = 7.5 / 111_320.0
    lons = [i * step for i in range(151)]
    lons += [lons[150] - 25.0 / 111_320.0, lons[150] + 0.01 / 111_320.0]
    lons += [lons[150] + i * step for i in range(1, 150)]
    n = len(lons)
    route = build_route(RouteData("spike", "mem", [0.0] * n, lons, [math.nan] * n, []))
    base_km = float(route.cum_m[150]) / 1000.0
    lat = 1.0 / 110_574.0
    kept, spike = 0, 0
    for x in np.arange(3.0, 9.0, 0.25).tolist():
        lon = lons[150] + x / 111_320.0
        lo_km, hi_km = base_km - 0.3, base_km + 0.3
        seg = route.segments_between(lo_km, hi_km)
        want = full(route, lat, lon, seg, base_km)
        spike += want[0] in (150, 151)  # the spike's foot: not the nearest
        got = anchored(route, lat, lon, lo_km, hi_km)
        if got is not None:
            kept += 1
            assert tuple(got) == want, (x, got, want)
        elif (got := nearest_in_window(route, lat, lon, seg, base_km)) is not None:
            assert tuple(got) == want, (x, got, want)
    assert kept >= 3 and spike >= 3, (kept, spike)  # both cases arise


def test_a_spike_whose_arms_come_within_the_tie_distance_ends_the_kept_proof() -> None:
    # At vertex 150 the track runs 80 m north and back (a GPS glitch). Riding west towards it,
    # 1 m off the road: while its arms are beyond best + 30 m the road is one pass (answered,
    # and kept); once they come within it, its tip (80 m off, far beyond) splits the ties into
    # two passes, and an expected km at its base chooses the spike's. (nearfast is asked with
    # the km at the fix, as its box needs; one pass is the answer for any expected km.)
    step = 7.5 / 111_320.0
    lons = [i * step for i in range(151)]
    lats = [0.0] * 151 + [80.0 / 110_574.0, 0.0] + [0.0] * 149
    lons += [lons[150], lons[150] + 0.01 / 111_320.0]
    lons += [lons[150] + i * step for i in range(1, 150)]
    n = len(lons)
    route = build_route(RouteData("spike-n", "mem", lats, lons, [math.nan] * n, []))
    base_km = float(route.cum_m[150]) / 1000.0
    lat = 1.0 / 110_574.0
    kept, spike = 0, 0
    for x in np.arange(34.0, 27.0, -0.3).tolist():
        lon = lons[150] + x / 111_320.0
        lo_km, hi_km = base_km - 0.1, base_km + 0.4
        seg = route.segments_between(lo_km, hi_km)
        want = full(route, lat, lon, seg, base_km)
        spike += want[0] < 152  # the spike's pass: not the nearest
        got = anchored(route, lat, lon, lo_km, hi_km)
        at_fix = base_km + (160.01 + x) / 1000.0
        if got is not None:
            kept += 1
            assert tuple(got) == want, (x, got, want)
        elif (got := nearest_in_window(route, lat, lon, seg, at_fix)) is not None:
            assert tuple(got) == want, (x, got, want)
    assert kept >= 3 and spike >= 3, (kept, spike)  # both cases arise


def test_the_road_back_coming_within_the_tie_distance_ends_the_kept_proof() -> None:
    # A hairpin: 600 m east, a half circle of 18 m radius, 600 m back west 36 m north of the way
    # out. Drifting north from 1 m off the way out, 300 m before the turn, the way back (a block
    # far along the path, bounded only by the clearance) comes within best + 30 m at ~3 m, and
    # the expected km there chooses it. The kept proof may only answer while it is still clear.
    m = 1.0 / 111_320.0
    out = [(0.0, i * 7.5 * m) for i in range(81)]
    turn = [
        (18.0 * (1 - math.cos(a)) / 110_574.0, (600.0 + 18.0 * math.sin(a)) * m)
        for a in np.linspace(0.0, math.pi, 9)[1:-1].tolist()
    ]
    back = [(36.0 / 110_574.0, (600.0 - i * 7.5) * m) for i in range(81)]
    lats, lons = zip(*(out + turn + back), strict=True)
    n = len(lats)
    route = build_route(RouteData("hairpin", "mem", list(lats), list(lons), [math.nan] * n, []))
    km_out = 0.3
    km_back = float(route.cum_m[len(out) + len(turn) + 40]) / 1000.0
    kept = back_chosen = 0
    for y in np.arange(1.0, 4.0, 0.25).tolist():
        lat, lon = y / 110_574.0, 300.0 * m
        lo_km, hi_km = km_out - 0.7, km_out + 0.7
        seg = route.segments_between(lo_km, hi_km)
        want = full(route, lat, lon, seg, km_back)
        back_chosen += want[0] >= len(out) + len(turn)
        got = anchored(route, lat, lon, lo_km, hi_km)
        if got is not None:
            kept += 1
            assert tuple(got) == want, (y, got, want)
        elif (got := nearest_in_window(route, lat, lon, seg, km_out)) is not None:
            assert tuple(got) == want, (y, got, want)
    assert kept >= 2 and back_chosen >= 2, (kept, back_chosen)  # both cases arise


def test_a_proof_made_on_a_cut_window_covers_no_more_than_it() -> None:
    # 60 m segments along the equator from vertex 95; before it the path comes down from the
    # north 1 m east of the fix (segments 92, 93) and swings round to vertex 95. A 10 Hz window
    # (±300 m) holds segments 95..105 only, cutting the near blocks (92..111) short: its answer
    # is the road (3 m off). A window a pause later also holds segments 92 and 93, 1 and 2.4 m
    # off: the kept proof, which never saw them, must not answer that one.
    m, n_ = 1.0 / 111_320.0, 1.0 / 110_574.0
    x_f = 95 * 60.0 + 330.0
    pts = [(500.0, x_f - 60.0 * (91 - i)) for i in range(91)]  # far north, heading east
    pts += [(400.0, x_f + 1.0), (200.0, x_f + 1.0), (1.0, x_f + 1.0), (-100.0, x_f - 150.0)]
    pts += [(0.0, 95 * 60.0 + 60.0 * i) for i in range(40)]  # vertex 95 on, east
    lats = [y * n_ for y, _ in pts]
    lons = [x * m for _, x in pts]
    n = len(lats)
    route = build_route(RouteData("cut", "mem", lats, lons, [math.nan] * n, []))
    prior = (float(route.cum_m[100]) + 30.0) / 1000.0
    lat, lon = 3.0 * n_, x_f * m
    seg = route.segments_between(prior - 0.3, prior + 0.3)
    assert (seg.start, seg.stop) == (95, 106)
    assert nearest_in_window(route, lat, lon, seg, prior) is not None  # kept
    lat2 = 3.2 * n_
    got = anchored(route, lat2, lon, prior - 0.3, prior + 0.3)
    assert got is not None and tuple(got) == full(route, lat2, lon, seg, prior)
    wide = route.segments_between(prior - 0.9, prior + 0.3)
    # Two passes in it; expected on the one from the north (a fix after a pause may be
    # expected anywhere in its window), that one is the answer.
    assert full(route, lat2, lon, wide, float(route.cum_m[93]) / 1000.0)[0] == 92
    assert anchored(route, lat2, lon, prior - 0.9, prior + 0.3) is None
