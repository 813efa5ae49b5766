"""Where a position falls on the route: on which pass, within which corridor, how far it may move.

Three rules on top of the geometry of `core.route` (foot points, passes):

* **Continuity.** With a prior km the search looks only at the part of the route the athlete can
  have reached since the last good position at the event's `max_kmh` (both ways: GPS noise and a
  road drawn town to town move the projection back too). That window is also the only place a
  lost path is re-acquired: after ten minutes off the path the athlete may come back up to ten
  minutes further along, never to some other part of the course that happens to be near. The km
  is clamped to the window. Among genuinely different passes inside it (a turnaround, a loop
  run twice) the one nearest the expected km wins.
* **The corridor.** A route book is straight lines between towns 10-75 km apart; the road is
  often kilometres from that line. A leg's tolerance grows with its length (`CORRIDOR_FRACTION`
  of it), and the km along it is the projected fraction, scaled to the route-book km (cum_m
  already is). On a dense trace every segment is short and off-route keeps its plain meaning.
* **Windowed.** Each fix projects onto the segments of its window only (O(1) a fix at a steady
  rate); only the first fix, or one after the path was lost for long, searches wider, and then
  through the route's box pre-filter.
"""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np

from companion.core.legs import traced
from companion.core.models import Fix, Placement
from companion.core.nearfast import anchored, nearest_in_window
from companion.core.route import DEFAULT_OFF_ROUTE_M, TOWN_TO_TOWN_LEG_M, Feet, Route

# A leg at least this long is drawn town to town (shorter segments trace the road itself).
LEG_M = TOWN_TO_TOWN_LEG_M
# A road between two towns is at most its route-book km long: every point P of it has
# |AP| + |PB| <= that length (an ellipse with the towns as foci). Route-book km are estimates, and a
# GPX of waypoints has no road km at all (only the straight line): allow this much more.
ROAD_SLACK = 0.10
# On top of max_kmh x the time since the last good position: GPS noise and the jitter of a
# projection onto a straight leg while the road bends.
REACH_SLACK_KM = 0.3
# A gap since the last fix longer than both of these (the feed's cadence: its shortest recent
# step) may be a pause: a recorder that stops at a stop (auto-pause) or a feed that
# sends nothing while still. 5-min tracker pings or a steady 5 s feed are not gaps.
PAUSE_MIN_S = 10.0
PAUSE_CADENCES = 4.0
# A window wider than this many segments is first narrowed by the box pre-filter.
_WINDOW_PREFILTER_SEGMENTS = 4000


def locate(
    route: Route,
    lat: float,
    lon: float,
    prior_km: float | None = None,
    reach_km: float = math.inf,
    off_route_m: float = DEFAULT_OFF_ROUTE_M,
    expect_km: float = 0.0,
    span_km: float = 0.0,
) -> Placement:
    """Project a position onto the route.

    Args:
        prior_km: the last good km; None for a first position (the whole route is searched and,
            among equally near passes, the earliest is taken).
        reach_km: how far from `prior_km` (either way) the athlete can be; the search and the
            km are limited to that window. Infinite: the whole route, continuity only breaks
            ties between passes.
        off_route_m: how far from a traced road a position still counts as on it; a
            town-to-town leg has its corridor (`_in_corridor`) widened by as much.
        expect_km: how far the athlete should have gone since `prior_km`: decides between two
            passes of the same road at a turnaround.
        span_km: how much less than `expect_km` the athlete may have gone (a gap that may be a
            pause): see `Route.pick`.
    """
    target = prior_km + expect_km if prior_km is not None else None
    lo_km, hi_km = -math.inf, math.inf
    seg: slice | np.ndarray
    if prior_km is None or not math.isfinite(reach_km):
        seg = route.segments_near(lat, lon, _widest(route, off_route_m))
    else:
        lo_km, hi_km = prior_km - reach_km, prior_km + reach_km
        # A fix near the last one core/nearfast answered: its proof still settles this window
        # (core/nearanchor; 10 Hz), with no window to work out.
        foot = anchored(route, lat, lon, lo_km, hi_km)
        if foot is None:
            seg = route.segments_between(lo_km, hi_km)
            if seg.stop - seg.start > _WINDOW_PREFILTER_SEGMENTS:
                seg = _narrow(route, lat, lon, _widest(route, off_route_m), seg)
            elif traced(route, seg):
                foot = nearest_in_window(route, lat, lon, seg, prior_km + expect_km)
        if foot is not None:
            # The usual case: the full search's foot, without its numpy calls (core/nearfast).
            # On a window with no leg the corridor rules would keep it too: it is the window's
            # nearest, so either it is inside or nothing is (`_nearest_stands`).
            off_m, i = math.sqrt(foot.d2), foot.segment
            km = (route.cum_m.item(i) + foot.t * route.seg_m.item(i)) / 1000.0
            # min(max(km, lo_km, 0.0), hi_km, length_km) as its comparisons (each takes an
            # item only if strictly beyond: the same float, NaN and -0.0 included; the two
            # calls were ~3k of a fix's instructions at 10 Hz).
            if lo_km > km:
                km = lo_km
            if km < 0.0:
                km = 0.0
            if hi_km < km:
                km = hi_km
            if route.length_km < km:
                km = route.length_km
            return Placement(km, off_m, i, _off(route, foot.d2, off_m, off_route_m))
    feet = route.feet(lat, lon, seg)
    k = route.pick(feet, target, span_km)
    if route.max_segment_m < LEG_M or (
        isinstance(seg, slice) and traced(route, seg) and _nearest_stands(feet, k, off_route_m)
    ):
        # A traced road (the common, per-second case): no corridor to weigh. A route with a
        # leg elsewhere (a gap in a recorded track) has them only in windows that hold it.
        d2 = float(feet.d2[k])
        off_m = math.sqrt(d2)
        km = min(max(route.km_of(feet, k), lo_km, 0.0), hi_km, route.length_km)
        return Placement(km, off_m, int(feet.segs[k]), _off(route, d2, off_m, off_route_m))
    inside = _in_corridor(route, feet, off_route_m)
    ins = np.flatnonzero(inside)
    if len(ins) and (not inside[k] or (target is not None and _is_leg(route, feet, k))):
        # Town-to-town legs: corridors kilometres wide overlap where the road doubles back, and
        # the nearest straight line says little. Among the legs that hold the fix, the one
        # that puts it nearest the expected km wins.
        kms = np.array([_km_on(route, feet, int(j)) for j in ins])
        if target is not None:
            k = int(ins[int(np.argmin(np.abs(kms - target)))])
        else:
            k = int(ins[route.pick(feet.subset(ins), None)])
    km = _km_on(route, feet, k)
    km = min(max(km, lo_km, 0.0), hi_km, route.length_km)
    return Placement(km, math.sqrt(float(feet.d2[k])), int(feet.segs[k]), not bool(inside[k]))


def _widest(route: Route, off_route_m: float) -> float:
    """The widest a corridor can be: half the longest leg's allowed road length."""
    return route.max_segment_m * (1.0 + ROAD_SLACK) * _BOOK_STRETCH_MAX / 2.0 + off_route_m


def _nearest_stands(feet: Feet, k: int, off_route_m: float) -> bool:
    """On a window with no leg (`legs.traced`) the corridor rules give `pick`'s foot `k`
    unless it is off the route and another foot is on it (then the one of those nearest the
    expected km): `_in_corridor` is the plain test there, `_km_on` is `km_of`."""
    off2 = off_route_m**2
    return float(feet.d2[k]) <= off2 or not bool((feet.d2 <= off2).any())


def _off(route: Route, d2: float, off_m: float, off_route_m: float) -> bool:
    """Off the route as `locate` has always said: a route with no leg compared the distance,
    the corridor rules its square (the two can differ within a rounding of the limit)."""
    if route.max_segment_m < LEG_M:
        return off_m > off_route_m
    return not d2 <= off_route_m**2


def _is_leg(route: Route, feet: Feet, k: int) -> bool:
    """Foot point `k` is on a town-to-town leg: its towns are far apart along the road, even
    where the straight line between them is short (a trail that doubles back)."""
    return max(float(feet.len2[k]), float(route.seg_m[feet.segs[k]]) ** 2) >= LEG_M**2


# cum_m of a route book is scaled to the book's km: a leg's road length over its straight line is
# bounded here only to size the pre-filter box (mountain roads reach ~1.5x; allow 3x).
_BOOK_STRETCH_MAX = 3.0


def _in_corridor(route: Route, feet: Feet, off_route_m: float) -> np.ndarray:
    """Which foot points count as on the route.

    A traced road: within `off_route_m` of it. A town-to-town leg: inside the ellipse of the
    points a road of the leg's route-book length (plus `ROAD_SLACK`) can pass through, widened
    by `off_route_m`. It fits the leg: narrow near the towns, widest half-way, wider for a leg
    whose road is much longer than its straight line (a mountain road).
    """
    chord = np.sqrt(feet.len2)
    plain = feet.d2 <= off_route_m**2
    long = np.maximum(chord, route.seg_m[feet.segs]) >= LEG_M
    if not long.any():
        return plain
    road = np.maximum(route.seg_m[feet.segs], chord) * (1.0 + ROAD_SLACK)
    foci = np.sqrt(feet.v2()) + np.sqrt(feet.e2())
    return np.where(long, foci <= road + 2.0 * off_route_m, plain)


def _km_on(route: Route, feet: Feet, k: int) -> float:
    """Along-route km of foot point `k`. On a town-to-town leg the fraction of the road done is
    estimated as |AP| / (|AP| + |PB|) (A, B the towns): exact at both towns and wherever the
    road runs straight, and far better than the foot point where the road swings away from the
    line (a road leaving a town at right angles to the line would stay at the town's km)."""
    if not _is_leg(route, feet, k):
        return route.km_of(feet, k)
    at = np.array([k])
    a, b = math.sqrt(float(feet.v2(at)[0])), math.sqrt(float(feet.e2(at)[0]))
    i = int(feet.segs[k])
    frac = a / (a + b) if a + b > 0 else 0.0
    return (float(route.cum_m[i]) + frac * float(route.seg_m[i])) / 1000.0


def _narrow(route: Route, lat: float, lon: float, radius_m: float, window: slice) -> np.ndarray:
    """The segments of a wide window that the box pre-filter keeps (all of it if none)."""
    near = route.segments_near(lat, lon, radius_m)
    if isinstance(near, slice):
        return np.arange(window.start, window.stop)
    kept = near[(near >= window.start) & (near < window.stop)]
    return kept if len(kept) else np.arange(window.start, window.stop)


def follow(
    route: Route,
    fix: Fix,
    *,
    km: float,
    last: Fix | None,
    last_placement: Placement | None,
    max_kmh: float,
    expect_kmh: float,
    off_route_m: float = DEFAULT_OFF_ROUTE_M,
    cadence_s: float | None = None,
) -> Placement:
    """Where the next fix of a moving athlete falls, given the tracker's last state.

    Args:
        km: the last good km (an off-route fix does not move it).
        last, last_placement: the previous fix and where it fell (None before the first).
        max_kmh: the fastest the athlete can go; bounds the window since the last good position.
        expect_kmh: the athlete's current speed, for the turnaround tie-break.
        cadence_s: the feed's rate, the shortest step among the recent fixes (None: not
            known). A gap far longer is likely a pause (a recorder that stops at a stop): the
            athlete may have gone anything from nothing to the speed's km over it.
    """
    if last is None:
        return locate(route, fix.lat, fix.lon, None, off_route_m=off_route_m)
    # When the athlete was last placed on the route: the last fix, or what an off-route
    # placement carried forward (None: not yet on the route at all). Written here, not called.
    if last_placement is None or not last_placement.off_route:
        good_at: datetime | None = last.time
    else:
        good_at = last_placement.good_at
    if good_at is None:
        # Never on the route yet: the first acquisition may be anywhere (the earliest pass).
        p = locate(route, fix.lat, fix.lon, None, off_route_m=off_route_m)
        return p
    dt_h = max((fix.time - good_at).total_seconds(), 0.0) / 3600.0
    reach = max_kmh * dt_h + REACH_SLACK_KM
    expect = min(max(expect_kmh, 0.0), max_kmh) * dt_h
    pause = cadence_s is not None and dt_h * 3600.0 > max(PAUSE_MIN_S, PAUSE_CADENCES * cadence_s)
    p = locate(route, fix.lat, fix.lon, km, reach, off_route_m, expect, expect if pause else 0.0)
    if p.off_route:
        return Placement(p.km, p.off_route_m, p.segment, True, good_at)
    return p
