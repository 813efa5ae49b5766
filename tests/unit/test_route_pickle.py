"""A Route pickles and copies (its bisection view of cum_m is a memoryview, which does not):
the copy places a real track's points as the route does."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import numpy as np
from helpers.real_tracks import AUDAX_150K, load_real_track

from companion.formats import load_route


def test_route_pickles_and_places_the_same(shared_dir: Path) -> None:
    track = load_real_track(shared_dir / AUDAX_150K)
    route = load_route(track.path)
    for twin in (pickle.loads(pickle.dumps(route)), copy.deepcopy(route), copy.copy(route)):
        assert twin is not route
        assert (twin.name, twin.source, twin.length_km, twin.towns, twin.finish_name) == (
            route.name, route.source, route.length_km, route.towns, route.finish_name
        )  # fmt: skip
        assert np.array_equal(twin.cum_m, route.cum_m)
        for lat, lon, km in zip(track.lats[::97], track.lons[::97], track.cum_m[::97] / 1000.0,
                                strict=True):  # fmt: skip
            a = twin.segments_between(km - 0.3, km + 0.3)
            b = route.segments_between(km - 0.3, km + 0.3)
            assert (a.start, a.stop) == (b.start, b.stop)
            fa, fb = twin.feet(lat, lon, a), route.feet(lat, lon, b)
            assert route.pick(fa, km) == route.pick(fb, km)
