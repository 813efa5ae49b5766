"""Route-book km on a path drawn apart from the book: a GPX track with a CSV book of towns, a
GeoJSON line whose Points carry a `km` property.

The towns are first snapped onto the path by its own (geodesic) distances; then the path is
stretched piecewise so each town with a book km falls exactly at it, and the km between two such
towns are interpolated along the path. A CSV route book alone needs none of this: its rows are the
path's vertices (RouteData.anchors).
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np

from companion.core.geo import FloatArray
from companion.core.models import RouteError, Town, TownSpec
from companion.core.route import Route, fold

# Two towns of a book this close on the path are one place with two km: a mistake in the book.
SAME_PLACE_M = 1.0
# A lead-in (the path's start to the first town) is stretched to the book's km only up to this
# factor (a road against a sparse track); more means the path starts part-way along the book (a
# day's GPX with the whole event's book) and the lead-in keeps its own length.
MAX_LEAD_IN_STRETCH = 2.0


def book_km(specs: list[TownSpec]) -> dict[str, float]:
    """The book km of the towns that give one, by folded name."""
    return {fold(s.name): s.km for s in specs if s.km is not None and s.name.strip()}


def calibrate(
    source: str, cum: FloatArray, towns: tuple[Town, ...], km_of: dict[str, float]
) -> tuple[FloatArray, tuple[Town, ...], tuple[str, ...]]:
    """The path's cumulative distances stretched so each town of `km_of` falls at its book km.

    Args:
        cum: the path's cumulative geodesic metres.
        towns: the towns snapped with those distances (km = geodesic km), in path order.
        km_of: the book km by folded town name.

    Returns:
        The new cumulative metres, the towns at their new km, and warnings.

    Raises:
        RouteError: the book's km do not increase along the path, or two towns with different
            km fall at the same place.
    """
    pairs = [(t, km_of[fold(t.name)]) for t in towns if fold(t.name) in km_of]
    if not pairs:
        return cum, towns, ()
    for (t0, k0), (t1, k1) in itertools.pairwise(pairs):
        if (t1.km - t0.km) * 1000.0 < SAME_PLACE_M:
            raise RouteError(
                f"{source}: towns {t0.name!r} (km {k0:g}) and {t1.name!r} (km {k1:g}) fall at "
                "the same place on the path"
            )
        if k1 <= k0:
            raise RouteError(
                f"{source}: town {t1.name!r}: km {k1:g} does not increase along the path "
                f"(previous town {t0.name!r} is at km {k0:g})"
            )
    geo_m = [t.km * 1000.0 for t, _ in pairs]
    road_m = [k * 1000.0 for _, k in pairs]
    warnings: list[str] = []
    if road_m[0] >= geo_m[0]:
        # The path's start is km 0 of the book: stretch the lead-in up to the first town (a
        # town at the path's very start keeps its book km there: no second point at 0) ...
        if geo_m[0] > 0.0:
            start = 0.0 if road_m[0] <= MAX_LEAD_IN_STRETCH * geo_m[0] else road_m[0] - geo_m[0]
            geo_m.insert(0, 0.0)
            road_m.insert(0, start)  # ... unless it starts part-way along the book
    else:
        # The path starts before the book's zero: keep its real length and count from its start.
        lead = (geo_m[0] - road_m[0]) / 1000.0
        if lead >= 0.1:
            warnings.append(
                f"the path starts {lead:.1f} km before {pairs[0][0].name!r} (book km "
                f"{pairs[0][1]:g}): every km is the book's plus {lead:.1f}"
            )
        road_m = [r + geo_m[0] - road_m[0] for r in road_m]
        if geo_m[0] > 0.0:  # the lead-in at its own length (np.interp clamps before the first x)
            geo_m.insert(0, 0.0)
            road_m.insert(0, 0.0)

    def to_road(x: FloatArray) -> FloatArray:
        out = np.interp(x, geo_m, road_m)
        after = x > geo_m[-1]  # past the last town the path keeps its real length
        out[after] = x[after] - geo_m[-1] + road_m[-1]
        return np.asarray(out, dtype=np.float64)

    at = to_road(np.array([t.km * 1000.0 for t in towns], dtype=np.float64)) / 1000.0
    moved = tuple(dataclasses.replace(t, km=float(k)) for t, k in zip(towns, at, strict=True))
    return to_road(cum), moved, tuple(warnings)


def place_towns(
    route: Route, specs: list[TownSpec], max_off_m: float, *, lenient: bool
) -> tuple[FloatArray, tuple[Town, ...], tuple[str, ...]]:
    """The towns snapped onto `route`'s path and, when they carry book km, the path calibrated
    to them (see `calibrate`): (cumulative metres, towns, warnings)."""
    from companion.core.towns import snap_towns  # it builds on Route, as this module does

    km_of = book_km(specs)
    if km_of:  # snap by the path's own distances first; the book km come after
        specs = [dataclasses.replace(s, km=None) for s in specs]
    towns, warnings = snap_towns(route, specs, max_off_m, lenient=lenient)
    cum, towns, more = calibrate(route.source, route.cum_m, towns, km_of)
    return cum, towns, warnings + more
