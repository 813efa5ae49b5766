"""bench/eta.py's scoring on a hand-made 3-town event: truth times, prediction moments and the
error statistics against hand arithmetic (the bench itself is not part of pytest)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from pyproj import Geod

from companion.core.models import Fix
from companion.core.tracker import Tracker

_BENCH = Path(__file__).resolve().parents[2] / "bench" / "eta.py"
T0 = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_eta", _BENCH)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_eta"] = mod
    spec.loader.exec_module(mod)
    return mod


def _event(bench: ModuleType) -> object:
    """40 km due north at 12 km/h (200 m a minute, by pyproj), a 30 min stop at km 15; towns
    at km 10, 20 and 30. By hand: km 10 at 50 min, 20 at 130, 30 at 180, the finish at 230."""
    tracks = sys.modules["eta_tracks"]
    geod = Geod(ellps="WGS84")
    lat, lon = 45.0, 6.0
    points = []
    minute = 0
    for step in range(201):
        points.append(tracks.Point(T0 + timedelta(minutes=minute), lat, lon, float("nan"), None))
        minute += 1
        if step == 75:  # km 15: 30 more fixes where the athlete stands
            for _ in range(30):
                points.append(
                    tracks.Point(T0 + timedelta(minutes=minute), lat, lon, float("nan"), None)
                )
                minute += 1
        lon, lat, _ = geod.fwd(lon, lat, 0.0, 200.0)
    spec = tracks.EventSpec("hand", "ride", (), "Europe/Paris", 20.0, "hand-made")
    return tracks.event_from_points(spec, points, 10.0, town_kms=[10.0, 20.0, 30.0])


class _InAnHour:
    """Always 'one hour from now': its errors are plain arithmetic on the truth."""

    def observe(self, fix: Fix, tracker: Tracker) -> None:
        pass

    def predict(
        self, tracker: Tracker, now: datetime, targets: Sequence[tuple[str, float]]
    ) -> list[datetime | None]:
        return [now + timedelta(hours=1) for _ in targets]


def _min(t: datetime) -> float:
    return (t - T0).total_seconds() / 60


def test_truth_and_moments(bench: ModuleType) -> None:
    ev = _event(bench)
    assert [round(_min(ev.truth_at_km(k)), 2) for k in (10, 15, 20, 30, 40)] == [
        50.0, 75.0, 130.0, 180.0, 230.0,
    ]  # fmt: skip
    got = [(round(_min(m.now), 2), m.targets[0][0][0], round(_min(m.targets[0][1]), 2))
           for m in bench.moments(ev)]  # fmt: skip
    # Town 10: only 3 km before (10 km before is the start); town 30: not 30 km before.
    assert sorted(got) == sorted([
        (35.0, "T01", 50.0), (50.0, "T02", 130.0), (115.0, "T02", 130.0),
        (130.0, "T03", 180.0), (165.0, "T03", 180.0),
        (50.0, "Finish", 230.0), (180.0, "Finish", 230.0), (215.0, "Finish", 230.0),
    ])  # fmt: skip


def test_errors_median_and_p90_by_hand(bench: ModuleType) -> None:
    ev = _event(bench)
    errs = bench.replay(ev, "GPS", {"hour": lambda e, f: _InAnHour()})["hour"]
    # |now + 60 - truth| at each moment above: 45, 20, 45, 10, 45, 120, 10, 45.
    assert sorted(e for _, e in errs) == pytest.approx([10, 10, 20, 45, 45, 45, 45, 120])
    assert {k for k, _ in errs} == {"ride"}
    med, p90, n = bench.summarise(e for _, e in errs)
    assert (med, n) == (45.0, 8)
    assert p90 == pytest.approx(45 + 0.3 * (120 - 45))  # 90 % of the way through 8 sorted


def test_cumulative_average_peer_by_hand(bench: ModuleType) -> None:
    ev = _event(bench)
    errs = bench.replay(ev, "GPS", {"cum": bench.PEERS["cumulative avg"]})["cum"]
    # At 115 min, km 17: 17 km in 115 min, so 3 km more take 3 * 115 / 17 min; truth 130.
    expect = abs(115 + 3 * 115 / 17 - 130)
    assert min(abs(e - expect) for _, e in errs) < 0.05
    # At 35 min, km 7: 3 km at 12 km/h is 15 min, arriving at 50, the truth.
    assert min(e for _, e in errs) < 0.05


def test_checkpoints_are_30_to_60_min_apart_and_none_while_standing(bench: ModuleType) -> None:
    ev = _event(bench)
    cps = ev.checkpoint_feed()
    gaps = np.diff([_min(f.time) for f in cps])
    assert cps[0].time == T0 and all(f.is_manual and f.km is not None for f in cps)
    assert gaps.min() >= 30 and gaps.max() <= 60 + 30  # the stop may hold one back 30 min
    # At most one entry during the 30 min stop at km 15: none without 0.3 km moved since the last.
    assert len([f for f in cps if 75 <= _min(f.time) < 105]) <= 1
    assert np.diff([f.km for f in cps]).min() >= 0.3
