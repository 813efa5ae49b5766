"""The stop allowance by the kind of event (core/pace.py `stop_rule`, ETA-4): on a one-day event on
foot the athlete's stopped fraction counts as it is and from the first minute ahead; rides and
multi-day events keep the prior of stop-free moving and the stop-free first hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from helpers.real_tracks import EMPARIS_RUN, RealTrack, fixes, load_real_track, moving_time_s

from companion.core.pace import (
    ALLOWANCE_PRIOR_S,
    NO_STOPS_S,
    PaceModel,
    rhythm_eta,
    side_by_side,
    stop_rule,
)
from companion.core.pace_priors import Shape, event_shape
from companion.core.pace_sweep import Reckoning
from companion.core.tracker import Tracker
from companion.formats import load_route

TZ = ZoneInfo("Europe/Paris")
T0 = datetime(2026, 6, 6, 7, 0, tzinfo=UTC)
RUN = Shape(multi_day=False, on_foot=True)
RIDE = Shape(multi_day=False, on_foot=False)
ULTRA = Shape(multi_day=True, on_foot=True)


def _two_hours_with_a_stop() -> PaceModel:
    """1 h moving over 10 km, a 15-min stop (short of a stint's break), 1 h over 10 km more."""
    m = PaceModel()
    m.add_credit(T0, T0 + timedelta(hours=1), 3600.0, 10.0, True, TZ)
    t1 = T0 + timedelta(hours=1)
    m.add_credit(t1, t1 + timedelta(minutes=15), 0.0, 0.0, True, TZ)
    t2 = t1 + timedelta(minutes=15)
    m.add_credit(t2, t2 + timedelta(hours=1), 3600.0, 10.0, True, TZ)
    return m


def test_the_rule_by_the_kind_of_event() -> None:
    assert stop_rule(RUN) == (0.0, 0.0)
    assert stop_rule(RIDE) == stop_rule(ULTRA) == stop_rule(None)
    assert stop_rule(RIDE) == (ALLOWANCE_PRIOR_S, NO_STOPS_S) == (3 * 3600.0, 3600.0)


def test_a_one_day_run_spends_its_stops_from_now_by_hand() -> None:
    m = _two_hours_with_a_stop()
    base = T0 + timedelta(hours=2, minutes=15)
    # Seen: 2 h 15 of day per 2 h moving. A run: 1.125 as it is. Otherwise 3 h of moving without
    # stops weigh against it: (3 + 2.25) / (3 + 2) = 1.05.
    assert m.allowance(0.0) == pytest.approx(1.125, abs=1e-12)
    assert m.allowance() == pytest.approx(1.05, abs=1e-12)
    # 10 km ahead at 10 km/h (the stint's 2 h topped up to 4 h with the same pace) is 1 h; on
    # foot the slowing makes it 3600 x (1 + 0.05 x 1 / 2) = 3690 s, and every second of it
    # carries the stops: 3690 x 1.125 = 4151.25 s.
    at, kmh, words = rhythm_eta(
        m, 10.0, base, TZ, planned_kmh=None, window=None, resting_since=None, shape=RUN
    )
    assert kmh == pytest.approx(10.0)
    assert at == base + timedelta(seconds=4151.25)
    assert words == "stint pace + 11 % stops, slowing"
    # On a bike: 3600 x (1 + 0.05 / 2) = 3690 s, stop-free for the first hour, then 5 %:
    # 3690 + 0.05 x 90 = 3694.5 s.
    at, _, _ = rhythm_eta(
        m, 10.0, base, TZ, planned_kmh=None, window=None, resting_since=None, shape=RIDE
    )
    assert at == base + timedelta(seconds=3694.5)
    # A town 3 km ahead on the run (18 min at the pace): its stops too, 1080 x (1 + 0.05 x 0.3
    # / 2) x 1.125 = 1224.1125 s; on the bike none (under the first hour).
    at, _, _ = rhythm_eta(
        m, 3.0, base, TZ, planned_kmh=None, window=None, resting_since=None, shape=RUN
    )
    assert at == base + timedelta(seconds=1224.1125)
    at, _, _ = rhythm_eta(
        m, 3.0, base, TZ, planned_kmh=None, window=None, resting_since=None, shape=RIDE
    )
    assert at == base + timedelta(seconds=1080 * (1 + 0.05 * 0.3 / 2))


@pytest.mark.parametrize(("route_km", "planned_kmh"), [(40.0, 8.0), (150.0, 25.0), (400.0, 6.0)])
def test_the_sweep_takes_the_same_rule(route_km: float, planned_kmh: float) -> None:
    """A run (40 km at 8), a ride (150 at 25) and an ultra (400 at 6): Reckoning's three ETAs
    are side_by_side's for towns near and far."""
    m = _two_hours_with_a_stop()
    base = T0 + timedelta(hours=2, minutes=15)
    kw = dict(recent_kmh=9.0, recent_basis="recent", planned_kmh=planned_kmh, window=None,
              resting_since=None, route_km=route_km, km_now=20.0)  # fmt: skip
    reckon = Reckoning(m, base, TZ, **kw)  # type: ignore[arg-type]
    for km_to_go in (0.5, 3.0, 10.0, 19.5):
        assert reckon.etas(km_to_go) == side_by_side(m, km_to_go, base, TZ, **kw)  # type: ignore[arg-type]
    shape = event_shape(route_km, planned_kmh)
    assert (stop_rule(shape) == (0.0, 0.0)) == (route_km == 40.0)


def _until(track: RealTrack, hours: float) -> RealTrack:
    n = sum(1 for t in track.times if (t - track.times[0]).total_seconds() <= hours * 3600.0)
    return RealTrack(track.path, track.times[:n], track.lats[:n], track.lons[:n], None)


@pytest.mark.parametrize("hours", [3.81, 6.21])
def test_a_real_mountain_run_its_stops_against_its_own_timestamps(
    shared_dir: Path, monkeypatch: pytest.MonkeyPatch, hours: float
) -> None:
    """Emparis (La Grave, 40 km, 6.5 h, a third of it stopped by the end): after its long stop
    (3.8 h, km 23) and 3 km before the finish (6.2 h), the finish's rhythm ETA is the moving time
    ahead times the athlete's own elapsed over moving time so far, from the track's own
    timestamps and pyproj metres (10 m steps at 2 km/h or more), within 5 %. The old rule (a 3 h
    prior of stop-free moving, nothing in the first hour ahead) gives far less: 1.16 at most at
    3.8 h, and nothing 3 km out."""
    route = load_route(shared_dir / EMPARIS_RUN)
    track = load_real_track(shared_dir / EMPARIS_RUN)
    seen = _until(track, hours)
    own = (seen.times[-1] - seen.times[0]).total_seconds() / moving_time_s(seen)
    assert own > 1.2  # this athlete stops: the test means something
    tr = Tracker(route, "Europe/Paris", planned_kmh=7.0)
    feed = fixes(track, receiver_speed=True, source="gps")[: len(seen.times)]
    for f in feed:
        tr.add(f)
    now = feed[-1].time
    p = tr.progress(now)
    assert p.finish is not None
    rhythm = p.finish.eta_of("rhythm")
    assert rhythm is not None and rhythm.at is not None
    # The same progress without stops: the moving time ahead alone.
    monkeypatch.setattr(PaceModel, "allowance", lambda self, prior_s=0.0: 1.0)
    bare = tr.progress(now).finish
    assert bare is not None
    bare_rhythm = bare.eta_of("rhythm")
    assert bare_rhythm is not None and bare_rhythm.at is not None
    ratio = (rhythm.at - now) / (bare_rhythm.at - now)
    assert ratio == pytest.approx(own, rel=0.05)
