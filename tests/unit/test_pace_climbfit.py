"""The climbing cost fitted to the athlete (core/pace_climbfit.py): the fit against hand
arithmetic on a made-up profile, its shrinking towards the prior against an independent numpy
solve over the raw stretches, the terrain factor with a descent cost by hand, and on a real
mountain run the stretches the tracker closes against the track's own timestamps and heights."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from helpers.real_tracks import EMPARIS_RUN, fixes, load_real_track, moving_time_s

from companion.core import pace_climbfit
from companion.core.models import RouteData, TownSpec
from companion.core.pace_climbfit import (
    A_RANGE,
    B_RANGE,
    MIN_STRETCHES,
    NOISE_FLOOR,
    STRETCH_KM,
    ClimbSums,
    climb_costs,
    fitted_costs,
)
from companion.core.pace_terrain import TERRAIN_KM_PER_100M, climb_profile, terrain_factor
from companion.core.route import Route, build_route
from companion.core.tracker import Tracker
from companion.formats import load_route

PRIOR_A = TERRAIN_KM_PER_100M / 100.0  # km of flat per metre up

# A made-up profile: (km, m up, m down) of each stretch, and an athlete whose flat pace is
# 360 s/km (10 km/h), for whom 100 m up costs 0.8 km of flat and 100 m down 0.2 km:
# s = 360 x (L + 0.008 u + 0.002 d). By hand: (1, 0, 0) 360; (1, 100, 0) 360 x 1.8 = 648;
# (0.5, 0, 50) 360 x 0.6 = 216; (2, 60, 20) 360 x 2.52 = 907.2; (1, 40, 40) 360 x 1.4 = 504.
PROFILE = [(1.0, 0.0, 0.0), (1.0, 100.0, 0.0), (0.5, 0.0, 50.0), (2.0, 60.0, 20.0),
           (1.0, 40.0, 40.0)]  # fmt: skip
BY_HAND_S = [360.0, 648.0, 216.0, 907.2, 504.0]


def _sums(stretches: list[tuple[float, float, float, float]]) -> ClimbSums:
    sums = ClimbSums()
    for length, up, down, s in stretches:
        sums.add(length, up, down, s)
    return sums


def test_by_hand_the_profile_is_what_the_athlete_took() -> None:
    for (length, up, down), s in zip(PROFILE, BY_HAND_S, strict=True):
        assert 360.0 * (length + 0.008 * up + 0.002 * down) == pytest.approx(s)


def test_the_fit_finds_the_costs_of_a_made_up_profile_when_the_prior_is_loose(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Twice over (10 stretches, over MIN_STRETCHES) and exact: with a prior that hardly pulls,
    # the costs are the athlete's, 0.8 and 0.2 km per 100 m.
    stretches = [(*p, s) for p, s in zip(PROFILE * 2, BY_HAND_S * 2, strict=True)]
    monkeypatch.setattr(pace_climbfit, "CLIMB_SD_KM_PER_100M", 1e6)
    a, b = fitted_costs(_sums(stretches), PRIOR_A)
    assert a == pytest.approx(0.008, rel=1e-6)
    assert b == pytest.approx(0.002, rel=1e-6)


def test_a_descent_that_saves_time_is_not_carried(monkeypatch: pytest.MonkeyPatch) -> None:
    # The same profile, an athlete for whom 100 m down saves 0.2 km of flat (ETA-4's bound):
    # s = 360 x (L + 0.008 u - 0.002 d), by hand 360, 648, 360 x 0.4 = 144, 360 x 2.44 = 878.4,
    # 360 x 1.24 = 446.4. The climb's cost is still found; the descent's stops at 0.
    by_hand = [360.0, 648.0, 144.0, 878.4, 446.4]
    for (length, up, down), s in zip(PROFILE, by_hand, strict=True):
        assert 360.0 * (length + 0.008 * up - 0.002 * down) == pytest.approx(s)
    stretches = [(*p, s) for p, s in zip(PROFILE * 2, by_hand * 2, strict=True)]
    monkeypatch.setattr(pace_climbfit, "CLIMB_SD_KM_PER_100M", 1e6)
    a, b = fitted_costs(_sums(stretches), PRIOR_A)
    assert a == pytest.approx(0.008, rel=1e-6)
    assert b == 0.0


def test_too_few_stretches_leave_the_prior() -> None:
    stretches = [(*p, s) for p, s in zip(PROFILE, BY_HAND_S, strict=True)]
    assert len(stretches) < MIN_STRETCHES
    assert fitted_costs(_sums(stretches), PRIOR_A, 0.0) == (PRIOR_A, 0.0)
    # And a tracker's ClimbSums without a fit gives the terrain no costs: the fixed rule.
    assert climb_costs(_sums(stretches), on_foot=True) is None


def test_the_shrunk_fit_is_the_posterior_of_the_raw_stretches() -> None:
    """The sums' closed form against numpy over the raw stretches: weights L, the noise from the
    plain fit's residuals (floored), a normal prior on a and b centred at the flat pace found."""
    rng = np.random.default_rng(7)
    raw = []
    clamped = 0
    for i in range(40):
        length = 0.5 + rng.uniform(0, 1.5)
        up, down = rng.uniform(0, 80) * length, rng.uniform(0, 80) * length
        s = 400.0 * (length + 0.006 * up - 0.001 * down) * (1 + rng.normal(0, 0.15))
        raw.append((length, up, down, s))
        if i + 1 not in (MIN_STRETCHES, 12, 40):
            continue
        got = fitted_costs(_sums(raw), PRIOR_A)
        arr = np.array(raw)
        w = arr[:, 0]
        x = np.column_stack([np.ones(len(w)), arr[:, 1] / w, arr[:, 2] / w])
        y = arr[:, 3] / w
        ols = np.linalg.lstsq(x * np.sqrt(w)[:, None], y * np.sqrt(w), rcond=None)[0]
        var = max(float(np.sum(w * (y - x @ ols) ** 2)) / (len(w) - 3), (NOISE_FLOOR * ols[0]) ** 2)
        tau = pace_climbfit.CLIMB_SD_KM_PER_100M / 100.0
        beta = ols
        for _ in range(2):
            lam = 1.0 / (beta[0] * tau) ** 2
            prior = np.diag([0.0, lam, lam])
            pull = np.array([0.0, lam * beta[0] * PRIOR_A, 0.0])
            beta = np.linalg.solve((x.T * w) @ x / var + prior, (x.T * w) @ y / var + pull)
        # Within the bounds: this athlete's descents save time (b < 0), which the fit does not
        # carry (B_RANGE: a descent never pays back).
        want_b = float(np.clip(beta[2] / beta[0], *B_RANGE))
        clamped += beta[2] / beta[0] < B_RANGE[0]
        want = (float(np.clip(beta[1] / beta[0], *A_RANGE)), want_b)
        assert got == pytest.approx(want, rel=1e-6, abs=1e-9)
        # Shrunk: between the prior and the plain fit.
        plain = ols[1] / ols[0]
        assert min(PRIOR_A, plain) - 1e-12 <= got[0] <= max(PRIOR_A, plain) + 1e-12
    assert clamped  # the bound was reached


def test_more_stretches_that_agree_move_the_cost_towards_the_athletes() -> None:
    # The same noisy athlete (0.6 km per 100 m), 8 stretches and then 80: the more there are,
    # the nearer the fit is to 0.006 and the further from the prior's 0.0015.
    rng = np.random.default_rng(3)
    raw = []
    for _ in range(80):
        length = 1.0
        up = rng.uniform(0, 120)
        raw.append((length, up, 0.0, 400.0 * (1 + 0.006 * up) * (1 + rng.normal(0, 0.1))))
    few = fitted_costs(_sums(raw[:MIN_STRETCHES]), PRIOR_A)[0]
    many = fitted_costs(_sums(raw), PRIOR_A)[0]
    assert abs(many - 0.006) < abs(few - 0.006)
    assert abs(many - 0.006) < 0.0015


def hill_route(heights: list[float]) -> Route:
    """Points about 1 km apart along the equator with these heights."""
    lons = [i * 0.008993 for i in range(len(heights))]
    towns = [TownSpec("Start", 0.0, 0.0, "start"), TownSpec("End", 0.0, lons[-1], "end")]
    return build_route(RouteData("Hill", "mem", [0.0] * len(lons), lons, heights, towns))


def test_the_terrain_with_a_descent_cost_by_hand() -> None:
    # Up 100 m over the first 2 km, down 100 m over the next 2: done to km 2 is 100 m up; the
    # 2 km ahead are 100 m down. With 0.8 km per 100 m up and -0.3 per 100 m down:
    # (1 + (-0.003 x 100) / 2) / (1 + 0.008 x 100 / 2) = 0.85 / 1.4.
    route = hill_route([0.0, 50.0, 100.0, 50.0, 0.0])
    climb = climb_profile(route)
    assert climb is not None
    km = route.cum_m / 1000.0
    k2, k4 = float(km[2]), float(km[4])
    assert climb.descent(k2, k4) == pytest.approx(100.0)
    assert climb.descent(0.0, k2) == pytest.approx(0.0)
    got = terrain_factor(climb, k2, k4, True, (0.008, -0.003))
    ahead = 1 + (-0.003 * 100.0) / (k4 - k2)
    done = 1 + 0.008 * 100.0 / k2
    assert got == pytest.approx(ahead / done, rel=1e-9)
    assert got == pytest.approx(0.85 / 1.4, rel=2e-3)  # the km are ~1001 m, not 1000
    # No costs: the fixed on-foot cost, descents free (today's rule).
    fixed = terrain_factor(climb, k2, k4, True)
    assert fixed == pytest.approx(1.0 / (1 + PRIOR_A * 100.0 / k2), rel=1e-9)


def test_a_real_mountain_run_its_stretches_against_its_own_timestamps(
    shared_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Emparis (La Grave, 40 km, 5 s fixes): the tracker closes a stretch every 0.5 km of the
    route; together they are the km covered and the moving time measured, and the fitted cost
    of a metre up is near the plain fit over the track's own points (pyproj metres, its own
    seconds, its own heights) with stops left out."""
    route = load_route(shared_dir / EMPARIS_RUN)
    track = load_real_track(shared_dir / EMPARIS_RUN)
    feed = fixes(track, receiver_speed=True, source="gps")
    tr = Tracker(route, "Europe/Paris", planned_kmh=7.0)
    for f in feed:
        tr.add(f)
    sums = tr._pace.climbs
    covered = tr.km
    # Each stretch is at least STRETCH_KM and a 5 s fix adds ~10 m: n ~ km / 0.5.
    assert covered / (STRETCH_KM + 0.05) <= sums.n <= covered / STRETCH_KM
    assert sums.sw == pytest.approx(sums.start_km, abs=1e-9)  # every stretch from km 0 on
    # The moving time in the stretches is the tracker's measured moving time up to the last one
    # closed; the track's own moving time (steps of 10 m at 2 km/h or more) is within 5 % of it.
    in_stretches = sums.sy  # sum of L x (s / L)
    assert in_stretches == pytest.approx(sums.start_s, rel=1e-9)
    assert in_stretches == pytest.approx(moving_time_s(track), rel=0.05)
    # The fit the tracker holds (on foot) is the closed form over its sums.
    a, b = climb_costs(sums, on_foot=True) or (math.nan, math.nan)
    assert (a, b) == fitted_costs(sums, PRIOR_A)
    assert climb_costs(sums, on_foot=False) is None  # a bike keeps the fixed cost
    # The fit kept until the next stretch, then worked out again: a steep one moves it.
    later = sums.copy()
    later.add(1.0, 200.0, 0.0, 3600.0)
    assert climb_costs(later, on_foot=True) == fitted_costs(later, PRIOR_A) != (a, b)
    assert climb_costs(sums, on_foot=True) == (a, b)  # the copy's, not the original's
    # Independently: 0.5 km stretches of the track itself, time from its timestamps with the
    # intervals slower than a walk left out, ascent and descent from its heights (5 m rule),
    # plain least squares; against the tracker's sums with the prior let go. What counts as
    # moving moves the cost (left out under 2 km/h: 0.74 km per 100 m, under 3 km/h: 0.47), so
    # the tracker's must fall within the track's own over that range (0.05 km per 100 m of
    # slack), and a stop-blind fit (every second counted) would not: 0.21.
    own = [_own_fit(route, track, kmh) for kmh in (2.0, 2.5, 3.0)]
    monkeypatch.setattr(pace_climbfit, "CLIMB_SD_KM_PER_100M", 1e6)
    plain_a, plain_b = fitted_costs(sums, PRIOR_A)
    assert min(a for a, _ in own) - 0.0005 <= plain_a <= max(a for a, _ in own) + 0.0005
    assert min(b for _, b in own) - 0.0005 <= plain_b <= max(b for _, b in own) + 0.0005
    assert _own_fit(route, track, 0.0)[0] < plain_a - 0.001
    # The shrunk fit lies between the prior and the athlete's own, and well above the prior:
    # this runner's climbs cost ~3x what the prior says.
    assert PRIOR_A < 2 * PRIOR_A < a < plain_a


def _own_fit(route: Route, track: object, walk_kmh: float) -> tuple[float, float]:
    from helpers.real_tracks import RealTrack, cumulative_m

    assert isinstance(track, RealTrack)
    secs = track.seconds()
    cum = cumulative_m(track.lats, track.lons) / 1000.0
    # Heights: the route's (the same file's) at each point's km along it.
    ele = np.interp(cum, route.cum_m / 1000.0 * cum[-1] / route.length_km, route.elevations)
    up_cum, down_cum = np.zeros(len(ele)), np.zeros(len(ele))
    ref, total = ele[0], 0.0
    for i, h in enumerate(ele):
        if h > ref + 5.0:
            total += h - ref
            ref = h
        elif h < ref - 5.0:
            ref = h
        up_cum[i] = total
    ref, total = ele[0], 0.0
    for i, h in enumerate(ele):
        if h < ref - 5.0:
            total += ref - h
            ref = h
        elif h > ref + 5.0:
            ref = h
        down_cum[i] = total
    dt = np.diff(secs)
    dk = np.diff(cum)
    with np.errstate(divide="ignore", invalid="ignore"):
        moving = (dt > 0) & (dk / dt * 3600.0 >= walk_kmh)
    rows, ys, ws = [], [], []
    start = 0
    mov = 0.0
    for i in range(1, len(cum)):
        mov += dt[i - 1] if moving[i - 1] else 0.0
        if cum[i] - cum[start] >= 0.5:
            length = cum[i] - cum[start]
            if mov > 0:
                up, down = up_cum[i] - up_cum[start], down_cum[i] - down_cum[start]
                rows.append([1.0, up / length, down / length])
                ys.append(mov / length)
                ws.append(length)
            start, mov = i, 0.0
    x, y, w = np.array(rows), np.array(ys), np.sqrt(np.array(ws))
    beta = np.linalg.lstsq(x * w[:, None], y * w, rcond=None)[0]
    return float(beta[1] / beta[0]), float(beta[2] / beta[0])
