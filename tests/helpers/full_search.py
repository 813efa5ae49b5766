"""The projection's full search over a window, as `core/placement.locate` runs it when the fast
paths cannot answer (`Route.feet` + `Route.pick`): what core/nearfast.py and core/nearanchor.py
must give bit for bit."""

from __future__ import annotations

from companion.core.route import Route


def full(
    route: Route, lat: float, lon: float, seg: slice, target: float
) -> tuple[int, float, float]:
    """(segment, fraction along it, squared distance in local metres) of the chosen foot."""
    feet = route.feet(lat, lon, seg)
    k = route.pick(feet, target)
    return int(feet.segs[k]), float(feet.t[k]), float(feet.d2[k])
