"""Generated paths for the projection's property tests (test_nearfast, test_nearanchor): a random
walk of short segments, mostly straight, now and then a bend, a hairpin or a turnaround on
itself: the shapes where a fast path must give way to the full search."""

from __future__ import annotations

import math

from hypothesis import strategies as st


@st.composite
def walk_paths(
    draw: st.DrawFn, max_n: int = 300, max_lat: float = 75.0, straight: int = 12
) -> tuple[list[float], list[float]]:
    """(lats, lons) of 11..max_n+1 points; `straight` in (straight + 5) turns are none."""
    n = draw(st.integers(10, max_n))
    lat0 = draw(st.floats(-max_lat, max_lat))
    lon0 = draw(st.floats(-178.0, 178.0))
    heading = draw(st.floats(0.0, 2 * math.pi))
    lats, lons = [lat0], [lon0]
    for _ in range(n):
        turn = draw(st.sampled_from([0.0] * straight + [0.3, -0.3, 1.0, 2.8, math.pi]))
        heading += turn + draw(st.floats(-0.05, 0.05))
        step = draw(st.floats(0.5, 40.0))
        lats.append(lats[-1] + step * math.cos(heading) / 111_320.0)
        c = math.cos(math.radians(lats[-1]))
        lons.append(lons[-1] + step * math.sin(heading) / (111_320.0 * c))
    return lats, lons
