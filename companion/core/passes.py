"""Which of two or more genuinely different passes of the route a position is on (an
out-and-back, a loop run twice, a road that curves back within `route.TIE_M`), from the km
expected and how near each pass is. `Route.pick` finds the passes; this weighs them.
"""

from __future__ import annotations

from collections.abc import Sequence

# A metre nearer is worth this much km: a pass 25 m off does not beat the one the fix is on for
# a guess of the km.
TIE_KM_PER_M = 0.005
# Athletes go forward: a pass behind the expected km counts this many times its distance (past a
# turnaround the outward leg would otherwise keep the fix).
BACK_WEIGHT = 2.0
# Within the span of the expected km (between stopped and kept the speed) a pass short of the
# speed's km costs this fraction of the difference: still forward, but nearness decides.
IN_SPAN_WEIGHT = 0.1


def best_pass(
    kms: Sequence[float], off_m: Sequence[float], target_km: float, span_km: float = 0.0
) -> int:
    """The index of the pass to take among passes at `kms`, `off_m` metres from the position.

    `span_km`: the expected km is anywhere from `target_km - span_km` (the athlete stopped at
    once) to `target_km` (kept the speed): a recorder that pauses at stops leaves a gap the
    speed before it would cross, and the next pass along must not win for it.
    """
    low_km = target_km - max(span_km, 0.0)
    best_m = min(off_m)
    scores = [
        _km_cost(x, low_km, target_km) + TIE_KM_PER_M * (d - best_m)
        for x, d in zip(kms, off_m, strict=True)
    ]
    return scores.index(min(scores))


def _km_cost(x: float, low_km: float, target_km: float) -> float:
    """How far a pass at km `x` is from the expected km [low_km, target_km], in km."""
    if x > target_km:
        return x - target_km
    if x >= low_km:
        return IN_SPAN_WEIGHT * (target_km - x)
    return IN_SPAN_WEIGHT * (target_km - low_km) + BACK_WEIGHT * (low_km - x)
