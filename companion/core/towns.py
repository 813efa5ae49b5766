"""Towns snapped onto a route's path: each at the pass its place in the file says.

Towns come in route order in every format we read, so continuity with the previous town picks the
pass of an out-and-back course. Many towns on a long path look only at the grid cells around them
(core/segment_grid.py), so a 100,000-row route book snaps in seconds, not minutes.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from companion.core.models import Placement, RouteError, Town, TownSpec
from companion.core.route import (
    EARTH_A_M,
    PASS_GAP_M,
    PREFILTER_MIN_SEGMENTS,
    TIE_M,
    Feet,
    IntArray,
    Route,
    fold,
    radii,
)
from companion.core.segment_grid import SegmentGrid

# From this many towns a grid of the segments (O(n log n) once) beats a box scan per town:
# on a 200k-point track 8 towns take 19 ms by the grid, 22 ms by scans (16: 18 / 45 ms); on a
# 20k-point one either is ~1 ms (issue 11, a GPX ready in under a second).
SNAP_GRID_MIN_TOWNS = 8
# A town's pick weighs the passes within TIE_M of its nearest and then the later passes within
# TIE_M of that: the grid's candidates reach this far past the town limit so they hold them all
# (the pick is then the one a scan of the whole path makes).
SNAP_SLACK_M = 4 * max(TIE_M, PASS_GAP_M)
# Other names one town may have: a real town has a handful; thousands are a broken or hostile
# file, and every typed entry looks through them all.
MAX_ALIASES = 50


def snap_towns(
    route: Route, specs: list[TownSpec], max_off_m: float, *, lenient: bool = False
) -> tuple[tuple[Town, ...], tuple[str, ...]]:
    """The towns of a route file on its path, in km order, and the warnings about those left out.

    A bad or far-off town, or a second town of the same name, is an error; with `lenient` (the
    waypoints of a GPX or GeoJSON file, often from a crew's own map) a far-off or repeated one is
    left out with a warning instead, and so is an alias that another town already answers to.
    """
    seen: dict[str, TownSpec] = {}
    towns: list[Town] = []
    warnings: list[str] = []

    def refuse(message: str) -> None:
        if not lenient:
            raise RouteError(f"{route.source}: {message}")
        warnings.append(message)

    prior: float | None = None
    # A box scan of the whole path per town is O(towns x points): 116 s for a 100,000-row route
    # book. Many towns on a long path look only at the grid cells around them instead.
    grid = None
    if len(specs) >= SNAP_GRID_MIN_TOWNS and len(route.seg_m) >= PREFILTER_MIN_SEGMENTS:
        grid = SegmentGrid(route.lats, route.lons, math.degrees(max_off_m / EARTH_A_M) / 2)
    for spec in specs:
        if not spec.name.strip():
            continue
        key = fold(spec.name)
        if key in seen:
            other = seen[key]
            also = "" if fold(other.name) == key else f", an alias of {other.name!r}"
            refuse(
                f"{spec.where}: duplicate town name {spec.name!r} (also at {other.where}{also})"
                + ("; left out" if lenient else "")
            )
            continue
        if not (math.isfinite(spec.lat) and math.isfinite(spec.lon) and abs(spec.lat) <= 90):
            raise RouteError(
                f"{route.source}: {spec.where}: bad coordinates {spec.lat}, {spec.lon} "
                f"for {spec.name!r}"
            )
        p = None
        if grid is not None:
            r_n, r_e = radii(spec.lat)
            d = max_off_m + SNAP_SLACK_M
            dlat, dlon = math.degrees(d / r_n), math.degrees(d / max(r_e, 1.0))
            cells = grid.near(spec.lat, spec.lon, dlat, dlon)
            p = _town_on(route, spec, cells, prior) if len(cells) else None
        if p is None or p.off_route_m > max_off_m:  # the box scan says how far off it is
            p = _town_on(route, spec, route.segments_near(spec.lat, spec.lon, max_off_m), prior)
        if p.off_route_m > max_off_m:
            refuse(
                f"{spec.where}: town {spec.name!r} is {p.off_route_m / 1000:.1f} km from the "
                f"path (limit {max_off_m / 1000:g} km)" + ("; left out" if lenient else "")
            )
            continue
        seen[key] = spec
        if len(spec.aliases) > MAX_ALIASES:
            raise RouteError(
                f"{route.source}: {spec.where}: town {spec.name!r} has {len(spec.aliases)} "
                f"aliases (at most {MAX_ALIASES})"
            )
        aliases = _aliases(spec, seen, refuse, lenient)
        km = spec.km if spec.km is not None else p.km
        towns.append(
            Town(spec.name.strip(), spec.lat, spec.lon, km, p.off_route_m, spec.cutoff, aliases)
        )
        prior = km
    towns.sort(key=lambda t: t.km)
    return tuple(towns), tuple(warnings)


def _aliases(
    spec: TownSpec, seen: dict[str, TownSpec], refuse: Callable[[str], None], lenient: bool
) -> tuple[str, ...]:
    """The town's aliases that name no other town (each then answers for it in `seen`)."""
    kept: list[str] = []
    for alias in spec.aliases:
        key = fold(alias)
        if not key or seen.get(key) is spec:
            continue  # empty, or its own name again
        if key in seen:
            refuse(
                f"{spec.where}: alias {alias.strip()!r} of {spec.name!r} is also "
                f"{seen[key].name!r} (at {seen[key].where})"
                + ("; the alias is left out" if lenient else "")
            )
            continue
        seen[key] = spec
        kept.append(" ".join(alias.split()))
    return tuple(kept)


def _town_on(
    route: Route, spec: TownSpec, near: slice | IntArray, prior: float | None
) -> Placement:
    """Where a town falls among the segments `near` it, given the previous town's km.

    Towns are listed in route order in every format we read, so continuity with the previous
    town picks the right pass of an out-and-back course: a "(back)" checkpoint at the same spot
    as its "(out)" twin belongs to the later pass.
    """
    feet = route.feet(spec.lat, spec.lon, near)
    if prior is None:
        return _placed(route, feet, route.pick(feet, None))
    later = route.cum_m[feet.segs + 1] > (prior + 0.01) * 1000.0
    ahead = None
    if later.any():
        # The feet on the later segments only: each foot is its segment's alone.
        after = Feet._make([a[later] for a in feet])
        ahead = _placed(route, after, route.pick(after, prior))
        # A later pass within TIE_M of the nearest point of all is within TIE_M of whatever
        # the pick without a km chooses: taken without working that out (every town of a route
        # book falls here).
        if ahead.km > prior and ahead.off_route_m <= math.sqrt(float(feet.d2.min())) + TIE_M:
            return ahead
    p = _placed(route, feet, route.pick(feet, None))
    if ahead is not None and ahead.km > prior and ahead.off_route_m <= p.off_route_m + TIE_M:
        return ahead
    return p


def _placed(route: Route, feet: Feet, k: int) -> Placement:
    return Placement(route.km_of(feet, k), math.sqrt(float(feet.d2[k])), int(feet.segs[k]), False)
