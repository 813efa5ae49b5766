"""nearfast's proof for a fix's own answer (1 Hz): fewer near blocks worked out, none kept.

After a fix that moved past `KEEP_MOVE_M` the next proof is made with `keep=False`: a near block
is left out beyond b's nearest + `_SKIP_ONE_M` (no band for a kept proof). Its answer must be
the kept-proof mode's (`keep=True`, whose own tests hold it to the full search), None included:
both modes differ only in blocks whose segments are no tie and not the nearest. And more must
in fact be left out (else the mode is for nothing); no proof is kept, only the fix.

Real parts: the first Kovner day (FIT), the Audax 150k and the Emparis run (switchbacks), with
fixes every ~7 m and ~3 m of noise (bench_fix's 1 Hz); generated paths with hairpins and
turnarounds, where a block left out too eagerly would hide a second pass. Then a tracker fed
the Audax ride at 1 Hz, then at 10 Hz: every placement the full search's, with the mode turned
off and on again by the fixes' spacing.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from helpers.full_search import full
from helpers.real_tracks import AUDAX_150K, EMPARIS_RUN, cumulative_m, fixes, load_real_track
from helpers.walks import walk_paths
from hypothesis import event, given, settings
from hypothesis import strategies as st

from companion.core import nearfast, placement
from companion.core.models import RouteData
from companion.core.nearfast import nearest_in_window
from companion.core.placement import REACH_SLACK_KM
from companion.core.route import PASS_GAP_M, TIE_M, Route, build_route
from companion.core.tracker import Tracker
from companion.formats import load_route

KOVNER_DAY1 = "corpus/eta-tracks/zach-kovner-cross-country/20061711391_ACTIVITY.fit"
REACH_KM = 60.0 * 1.0 / 3600.0 + REACH_SLACK_KM  # follow's window at 1 Hz, max 60 km/h


def both(route: Route, lat: float, lon: float, km: float) -> tuple[bool, int, int]:
    """nearfast in both modes at one fix: (answered, segments left out kept / not kept)."""
    seg = route.segments_between(km - REACH_KM, km + REACH_KM)
    bl = nearfast._blocks(route)
    assert bl is not None
    bl.proof = bl.probe = None
    kept = nearest_in_window(route, lat, lon, seg, km, keep=True)
    proof, bl.proof = bl.proof, None
    one = nearest_in_window(route, lat, lon, seg, km, keep=False)
    assert bl.proof is None  # nothing kept
    assert one == kept, (lat, lon, km)
    if one is None:
        return False, 0, 0
    assert tuple(one) == full(route, lat, lon, seg, km)
    assert first_return(route, lat, lon, seg)  # an answer only where pick's first return is
    assert bl.probe is not None and bl.probe[:2] == (lat, lon)
    if proof is None:
        return True, 0, 0
    a, z = proof[3][0], proof[3][1]
    n_kept = proof[3][2].count(math.inf)
    _, _, d2s, _ = nearfast._feet(bl, lat, lon, *proof[2][2:], a, z, proof[6],
                                  nearfast._SKIP_ONE_M)  # fmt: skip
    return True, n_kept, d2s.count(math.inf)


def first_return(route: Route, lat: float, lon: float, seg: slice) -> bool:
    """`Route.pick` takes its first return over the window (one run of ties that stays
    near), from its definition over numpy's feet."""
    feet = route.feet(lat, lon, seg)
    best = math.sqrt(float(feet.d2.min()))
    ties = [i for i, d2 in enumerate(feet.d2.tolist()) if d2 <= (best + TIE_M) ** 2]
    v2 = feet.v2().tolist()
    return ties == list(range(ties[0], ties[-1] + 1)) and all(
        v2[i] <= (best + PASS_GAP_M) ** 2 for i in ties[1:]
    )


def along_1hz(route: Route, seed: int, start_m: float, n: int) -> list[tuple[float, float, float]]:
    """(lat, lon, km) of `n` positions ~6.9 m apart on the route's own points (pyproj metres),
    ~3 m of noise each way, as bench_fix's 1 Hz fixes."""
    cum = cumulative_m(route.lats, route.lons)
    rng = np.random.default_rng(seed)
    s = start_m + np.cumsum(rng.normal(6.9, 0.4, n))
    s = s[s <= cum[-1]]
    lat, lon = np.interp(s, cum, route.lats), np.interp(s, cum, route.lons)
    lat = lat + rng.normal(0.0, 3.0, len(s)) / 111_320.0
    lon = lon + rng.normal(0.0, 3.0, len(s)) / (111_320.0 * np.cos(np.radians(lat)))
    km = np.interp(s, cum, route.cum_m) / 1000.0
    return list(zip(lat.tolist(), lon.tolist(), km.tolist(), strict=True))


@pytest.mark.parametrize(
    ("rel", "answers"), [(KOVNER_DAY1, 0.85), (AUDAX_150K, 0.85), (EMPARIS_RUN, 0.5)]
)
def test_real_tracks_at_1hz_the_same_answers_more_left_out(
    shared_dir: Path, rel: str, answers: float
) -> None:
    route = load_route(shared_dir / rel)
    points = along_1hz(route, seed=11, start_m=1000.0, n=4000)
    answered = left_kept = left_one = 0
    for lat, lon, km in points:
        ok, n_kept, n_one = both(route, lat, lon, km)
        answered += ok
        left_kept += n_kept
        left_one += n_one
    assert answered >= answers * len(points), (answered, len(points))
    # The mode leaves out more (measured: ~1.5-4 more segments of ~20 a fix).
    assert left_one >= left_kept + 0.5 * answered, (left_one, left_kept, answered)


@settings(max_examples=200, deadline=None)
@given(path=walk_paths(max_n=120), at=st.floats(0.05, 0.95), off=st.floats(-40.0, 40.0),
       side=st.floats(-40.0, 40.0))  # fmt: skip
def test_generated_paths_the_same_answers(
    path: tuple[list[float], list[float]], at: float, off: float, side: float
) -> None:
    lats, lons = path
    route = build_route(RouteData("w", "mem", lats, lons, [math.nan] * len(lats), []))
    p = route.point_at(at * route.length_km)
    lat = p.lat + off / 111_320.0
    lon = p.lon + side / (111_320.0 * math.cos(math.radians(p.lat)))
    ok, _, n_one = both(route, lat, lon, at * route.length_km)
    event(f"answered {ok}, left out {'some' if n_one else 'none'}")


def hairpin() -> Route:
    """East 90 m in 30 m segments, 25 m north, back west 25 m north of the way out, then
    north away: one block holds the way out, the next the way back (its box 24 m from a fix
    1 m north of the way out)."""
    pts = [(0, 0), (0, 30), (0, 60), (0, 90), (25, 90), (25, 60), (25, 30), (25, 0), (60, 0),
           (100, 0)]  # fmt: skip
    c = 111_320.0 * math.cos(math.radians(45.0))
    lats = [45.0 + n / 111_320.0 for n, _ in pts]
    lons = [7.0 + e / c for _, e in pts]
    return build_route(RouteData("h", "mem", lats, lons, [math.nan] * len(lats), []))


def fix_on(e_m: float) -> tuple[float, float]:
    return 45.0 + 1.0 / 111_320.0, 7.0 + e_m / (111_320.0 * math.cos(math.radians(45.0)))


def test_hairpin_second_pass_within_the_tie_distance_is_not_left_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The way back, 24 m off, is a second pass (the turn is ~85 m away): neither mode may
    answer. Left out by a bound under the tie distance, the fix would look like one pass."""
    route = hairpin()
    at = [float(e) for e in np.arange(1.0, 20.0, 1.0)]
    assert not any(both(route, *fix_on(e), e / 1000.0)[0] for e in at)
    # The geometry does reach the bound: 10 m under the tie distance, the mode answers.
    monkeypatch.setattr(nearfast, "_SKIP_ONE_M", nearfast._SKIP_ONE_M - 10.0)
    seg = route.segments_between(0.0, 1.0)
    answered = [nearest_in_window(route, *fix_on(e), seg, e / 1000.0, keep=False) for e in at]
    assert all(f is not None for f in answered)


def test_a_tie_whose_start_is_far_is_not_one_pass() -> None:
    """Ties one run (1 m, 10 m, 29 m off), but the last one's start vertex 42 m off: the
    path went away between two ties. Not pick's first return, so nearfast must not answer;
    its first two ties' vertex alone is near."""
    pts = [(0, -100), (0, -40), (0, 10), (-40, 10), (5, -60), (-100, -60), (-200, -60)]
    c = 111_320.0 * math.cos(math.radians(45.0))
    lats = [45.0 + n / 111_320.0 for n, _ in pts]
    lons = [7.0 + e / c for _, e in pts]
    route = build_route(RouteData("s", "mem", lats, lons, [math.nan] * len(lats), []))
    lat, lon = 45.0 + 1.0 / 111_320.0, 7.0
    seg = route.segments_between(0.0, route.length_km)
    feet = route.feet(lat, lon, seg)
    assert (feet.d2 <= (math.sqrt(float(feet.d2.min())) + TIE_M) ** 2).tolist() == [
        False, True, True, True, False, False
    ]  # fmt: skip
    assert not first_return(route, lat, lon, seg)
    km = (route.cum_m[1] + 30.0) / 1000.0
    for keep in (True, False):
        assert nearest_in_window(route, lat, lon, seg, km, keep) is None


def test_a_tracker_at_1hz_then_10hz_places_as_the_full_search(
    shared_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    track = load_real_track(shared_dir / AUDAX_150K)
    route = load_route(shared_dir / AUDAX_150K)
    one_hz = fixes(track, hz=1.0)[600:1800]
    ten_hz = fixes(track, hz=10.0)[18_000:30_000]
    feed = one_hz + ten_hz
    modes: list[tuple[int, bool]] = []  # (fix, mode) of each fresh proof
    real = placement.nearest_in_window
    at = [0]

    def spy(*a: object) -> object:
        bl = nearfast._blocks(route)
        assert bl is not None
        modes.append((at[0], bl.keep))
        return real(*a)  # type: ignore[arg-type]

    monkeypatch.setattr(placement, "nearest_in_window", spy)
    tr = Tracker(route, "Europe/Paris", 22.0, max_kmh=60.0)
    got = []
    for i, f in enumerate(feed):
        at[0] = i
        got.append(tr.add(f))
    monkeypatch.setattr(placement, "anchored", lambda *a: None)
    monkeypatch.setattr(placement, "nearest_in_window", lambda *a: None)
    ref = Tracker(route, "Europe/Paris", 22.0, max_kmh=60.0)
    want = [ref.add(f) for f in feed]
    assert got == want
    # The 1 Hz part made its proofs for their own answers, the 10 Hz part kept them again.
    slow = [keep for i, keep in modes if i < len(one_hz)]
    fast = [keep for i, keep in modes if i >= len(one_hz) + 10]
    assert len(slow) >= 0.8 * len(one_hz) and slow.count(False) >= 0.9 * len(slow), slow
    assert len(fast) >= 100 and fast.count(True) >= 0.9 * len(fast)
    assert len(fast) <= 0.3 * len(ten_hz)  # most 10 Hz fixes answered by the kept proof
