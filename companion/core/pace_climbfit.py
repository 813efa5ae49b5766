"""The climbing cost fitted to the athlete: what 100 m up (and 100 m down) costs this athlete in
km of flat, from their own moving time over the km they have covered.

Each covered stretch of at least STRETCH_KM (or the interval between two typed entries) is one
observation: its length L (km), its ascent u and descent d (m, core/pace_terrain.py), its
moving seconds s. The model is s / L = p x (1 + a u / L + b d / L): p the flat pace (s per km),
a and b the km of flat that a metre up and a metre down cost. Written as
y = beta0 + beta1 g + beta2 h (y = s / L, g = u / L, h = d / L; beta1 = p a, beta2 = p b) it is
a least-squares fit in which a stretch of L km weighs L (its pace's variance ~ 1 / L). The
stretches are kept as the ten weighted sums that fit needs (`ClimbSums`: plain numbers, cheap
to copy and to save), so a fix costs one comparison and a stretch a few additions.

The fit is shrunk towards a prior (the cost chosen on the ETA benchmark's tuning events,
core/pace_terrain.py) with a normal prior on a and b of standard deviation CLIMB_SD_KM_PER_100M:
few stretches, or stretches that scatter (typed entries hide their stops, a stretch's heights
wander), leave it at the prior; many that agree move it to the athlete's own. The noise is the
fit's own residual variance (never under NOISE_FLOOR of the pace on a 1 km stretch).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from companion.core.pace_terrain import TERRAIN_KM_PER_100M, Climb

# A covered stretch is at least this long (km): shorter ones' heights and times are noise.
STRETCH_KM = 0.5
# Fewer stretches than this (4 km on GPS; 8 typed intervals) and the prior stands alone.
MIN_STRETCHES = 8
# The prior's standard deviation on the costs a and b, in km of flat per 100 m (how far the
# athlete's own stretches may move them: the larger, the faster evidence overrides the prior).
# Chosen on the ETA benchmark's tuning events (bench/eta.py TUNE_EVENTS) among 0.05, 0.1, 0.15,
# 0.2, 0.3, 0.5, 1 and 3: from 0.3 up one tuning cell is worse than the fixed cost (typed
# multi-day towns' median 9.487 -> 9.507-9.639 min); of the rest, 0.15 has the lowest sum of
# Companion / best peer over the eight tuning cells (5.031; 0.1: 5.110, 0.2: 5.124).
CLIMB_SD_KM_PER_100M = 0.15
# A 1 km stretch's pace scatters at least this fraction of the pace (a tight fit of a few
# stretches is luck, not knowledge).
NOISE_FLOOR = 0.1
# The fitted costs stay within these (km of flat per metre): no climb is free, and a descent
# never pays back (ETA-4: its lower bound was -1 km per 100 m, so a runner's early descents,
# or GPS heights wandering by tens of metres a km, made every descent ahead count as saved
# time; at 0 the tuning GPS runs went 3.50 / 14.73 -> 3.44 / 14.66 min, no tuning cell worse;
# -0.5 km per 100 m changed nothing) and costs at most 2 km per 100 m.
A_RANGE = (0.0, 0.05)
B_RANGE = (0.0, 0.02)


@dataclass(slots=True)
class ClimbSums:
    """The athlete's covered stretches as weighted sums (see the module's doc)."""

    next_km: float = -math.inf  # the stretch going on ends here (-inf: none started yet)
    start_km: float = -math.inf  # where it began
    start_s: float = 0.0  # the measured moving seconds then (PaceModel.moving_s)
    start_unmeasured_s: float = 0.0  # and the unmeasured ones (a stretch with any is dropped)
    n: int = 0
    sw: float = 0.0  # sum of L
    sg: float = 0.0  # sum of L g
    sh: float = 0.0
    sgg: float = 0.0
    sgh: float = 0.0
    shh: float = 0.0
    sy: float = 0.0
    sgy: float = 0.0
    shy: float = 0.0
    syy: float = 0.0
    # The on-foot costs fitted from the sums (fitted_costs) when they held `fit_n` stretches:
    # worked out by the first progress after a stretch is added (every STRETCH_KM at most),
    # not for every progress, nor on a bike, whose ETA does not use them; nan: none yet.
    fit_n: int = 0
    fit_a: float = math.nan
    fit_b: float = math.nan

    def copy(self) -> ClimbSums:
        return ClimbSums(
            self.next_km, self.start_km, self.start_s, self.start_unmeasured_s, self.n,
            self.sw, self.sg, self.sh, self.sgg, self.sgh, self.shh, self.sy, self.sgy,
            self.shy, self.syy, self.fit_n, self.fit_a, self.fit_b,
        )  # fmt: skip

    def close(self, km: float, moving_s: float, unmeasured_s: float, climb: Climb | None) -> None:
        """The athlete is at `km`, at least STRETCH_KM past the stretch's start (the caller's
        test, on every fix): the stretch is added (if it was all measured moving and the route
        has heights) and the next one starts here."""
        length, s = km - self.start_km, moving_s - self.start_s
        if (
            climb is not None
            and math.isfinite(length)
            and s > 0
            and unmeasured_s == self.start_unmeasured_s
        ):
            self.add(length, climb.between(self.start_km, km), climb.descent(self.start_km, km), s)
        self.start_km, self.start_s, self.start_unmeasured_s = km, moving_s, unmeasured_s
        self.next_km = km + STRETCH_KM

    def add(self, length_km: float, up_m: float, down_m: float, moving_s: float) -> None:
        """One stretch: `length_km` long, `up_m` and `down_m` of ascent and descent, covered in
        `moving_s` seconds of moving."""
        w, g, h, y = length_km, up_m / length_km, down_m / length_km, moving_s / length_km
        self.n += 1
        self.sw += w
        self.sg += w * g
        self.sh += w * h
        self.sgg += w * g * g
        self.sgh += w * g * h
        self.shh += w * h * h
        self.sy += w * y
        self.sgy += w * g * y
        self.shy += w * h * y
        self.syy += w * y * y


def climb_costs(sums: ClimbSums, on_foot: bool) -> tuple[float, float] | None:
    """The costs the ETA's terrain uses (core/pace_terrain.py `TerrainFrom`): on foot the
    athlete's fitted ones once there are enough stretches; None (the fixed cost, descents free)
    before, and on a bike, whose fit made the benchmark's tuning rides worse (bench/README.md,
    ETA-3). The fit is kept in `sums` until the next stretch (a cache: the same answer)."""
    if not on_foot or sums.n < MIN_STRETCHES:
        return None
    if sums.fit_n != sums.n:
        sums.fit_a, sums.fit_b = fitted_costs(sums, TERRAIN_KM_PER_100M / 100.0)
        sums.fit_n = sums.n
    return sums.fit_a, sums.fit_b


def fitted_costs(sums: ClimbSums, a0: float, b0: float = 0.0) -> tuple[float, float]:
    """The costs (a, b) of a metre up and a metre down, in km of flat, for this athlete: the
    prior (a0, b0) until MIN_STRETCHES stretches, then the shrunk fit (module doc)."""
    if sums.n < MIN_STRETCHES or sums.sw <= 0:
        return a0, b0
    xx = [
        [sums.sw, sums.sg, sums.sh],
        [sums.sg, sums.sgg, sums.sgh],
        [sums.sh, sums.sgh, sums.shh],
    ]
    xy = [sums.sy, sums.sgy, sums.shy]
    # The plain fit first (a whisker of ridge: a flat route's g and h are all zero), for the
    # noise and for the flat pace the prior is centred at.
    ols = _solve(xx, xy, (0.0, 1e-9 * sums.sw, 1e-9 * sums.sw), (0.0, 0.0, 0.0))
    if ols is None:
        return a0, b0
    rss = sums.syy - 2.0 * _dot(ols, xy) + _dot(ols, _mul(xx, ols))
    dof = max(sums.n - 3, 1)
    p = ols[0] if ols[0] > 0 else sums.sy / sums.sw
    if p <= 0:
        return a0, b0
    var = max(rss / dof, (NOISE_FLOOR * p) ** 2)  # a 1 km stretch's pace variance
    tau = CLIMB_SD_KM_PER_100M / 100.0
    beta = ols
    for _ in range(2):  # the prior is on a and b: centred at the flat pace the fit finds
        p = beta[0] if beta[0] > 0 else p
        lam = 1.0 / (p * tau) ** 2
        scaled = [[v / var for v in row] for row in xx]
        found = _solve(
            scaled, [v / var for v in xy], (0.0, lam, lam), (0.0, lam * p * a0, lam * p * b0)
        )
        if found is None:
            return a0, b0
        beta = found
    if beta[0] <= 0:
        return a0, b0
    a = min(max(beta[1] / beta[0], A_RANGE[0]), A_RANGE[1])
    b = min(max(beta[2] / beta[0], B_RANGE[0]), B_RANGE[1])
    return a, b


def _solve(
    m: list[list[float]],
    v: list[float],
    ridge: tuple[float, float, float],
    pull: tuple[float, float, float],
) -> list[float] | None:
    """(m + diag(ridge)) x = v + pull for a 3x3 m, by Gaussian elimination with pivoting;
    None when singular."""
    a = [[m[i][j] + (ridge[i] if i == j else 0.0) for j in range(3)] + [v[i] + pull[i]]
         for i in range(3)]  # fmt: skip
    for col in range(3):
        piv = max(range(col, 3), key=lambda r: abs(a[r][col]))
        if abs(a[piv][col]) < 1e-300:
            return None
        a[col], a[piv] = a[piv], a[col]
        for r in range(col + 1, 3):
            f = a[r][col] / a[col][col]
            for c in range(col, 4):
                a[r][c] -= f * a[col][c]
    x = [0.0, 0.0, 0.0]
    for r in (2, 1, 0):
        x[r] = (a[r][3] - sum(a[r][c] * x[c] for c in range(r + 1, 3))) / a[r][r]
    return x


def _dot(a: list[float], b: list[float]) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def _mul(m: list[list[float]], x: list[float]) -> list[float]:
    return [_dot(row, x) for row in m]
