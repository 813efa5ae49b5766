"""ReplaySource: a real GPX run and a real NMEA log played in their own time, sped up, on an
injected clock and sleep (expected times read from the files with plain string handling)."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers.replaying import NOW, FakeTime, play

from companion.core.models import Fix
from companion.sources.base import FeedError, FeedState, open_source
from companion.sources.replay import ReplaySource

SHARED = Path(__file__).resolve().parents[3] / "shared"
RUN_GPX = SHARED / "data" / "gpx" / "run.gpx"
NEO_LOG = SHARED / "data" / "nmea" / "ublox-neo-m9n-nmea.log"


def gpx_points(path: Path) -> list[tuple[float, float, datetime]]:
    text = path.read_text()
    out = []
    for m in re.finditer(r"<trkpt([^>]*)>(.*?)</trkpt>", text, re.S):
        lat = float(re.search(r'lat="([^"]+)"', m.group(1)).group(1))  # type: ignore[union-attr]
        lon = float(re.search(r'lon="([^"]+)"', m.group(1)).group(1))  # type: ignore[union-attr]
        when = re.search(r"<time>([^<]+)</time>", m.group(2))
        if when:
            out.append((lat, lon, datetime.fromisoformat(when.group(1).replace("Z", "+00:00"))))
    return out


async def test_gpx_run_at_speed_1000_delivers_every_point_rebased() -> None:
    points = gpx_points(RUN_GPX)
    assert len(points) == 206
    # The watch wrote one point twice (same time, same place, at a pause): a duplicate that the
    # plausibility filter drops.
    expected = [p for i, p in enumerate(points) if i == 0 or p[2] != points[i - 1][2]]
    assert len(expected) == 205
    fixes, statuses, fake = await play(f"replay:{RUN_GPX}?speed=1000")
    first = expected[0][2]
    assert [(f.lat, f.lon) for f in fixes] == [(lat, lon) for lat, lon, _t in expected]
    assert [f.time for f in fixes] == [NOW + (t - first) for _lat, _lon, t in expected]
    assert fixes[0].time == NOW and all(f.source == "replay" for f in fixes)
    duration = (expected[-1][2] - first).total_seconds()
    assert sum(fake.slept) == pytest.approx(duration / 1000)
    assert [s.state for s in statuses][-1] is FeedState.STOPPED
    assert statuses[-1].detail == "replay of run.gpx finished: 205 fixes"
    assert statuses[-1].rejected == 1 and "second fix" in statuses[-1].last_rejection


async def test_nmea_log_replay_and_keeping_recorded_times() -> None:
    fixes, _statuses, fake = await play(f"nmea:{NEO_LOG}?speed=60&rebase=0")
    assert len(fixes) == 61
    assert fixes[0].time == datetime(2020, 7, 11, 22, 37, 45, tzinfo=UTC)
    assert sum(fake.slept) == pytest.approx(60 / 60)


async def test_virtual_now_runs_at_the_replay_speed_and_stops_with_it() -> None:
    wall = [100.0]  # the monotonic clock, moved only by the replay's own sleeps

    async def sleep(seconds: float) -> None:
        wall[0] += seconds

    source = ReplaySource(
        f"replay:{RUN_GPX}?speed=60", clock=lambda: NOW, monotonic=lambda: wall[0], sleep=sleep
    )
    assert source.virtual_now() == NOW  # not started: where it will start
    seen: list[tuple[datetime, datetime]] = []
    await source.run(lambda fix: seen.append((fix.time, source.virtual_now())), lambda _s: None)
    # At each fix the replay's clock reads that fix's time: its spacing / 60 of wall time went by.
    assert len(seen) == 205
    assert all(abs(now - t) <= timedelta(milliseconds=1) for t, now in seen)
    assert wall[0] - 100.0 == pytest.approx((seen[-1][0] - NOW).total_seconds() / 60)
    wall[0] += 3600.0
    assert source.virtual_now() == seen[-1][0]  # ended: it stands at the last fix


def test_replay_of_a_gpx_without_times_is_refused() -> None:
    with pytest.raises(FeedError, match="no points with times"):
        open_source(f"replay:{SHARED / 'data' / 'gpx' / 'route.gpx'}")
    with pytest.raises(FeedError, match="speed"):
        open_source(f"replay:{RUN_GPX}?speed=0")


async def test_a_replay_the_machine_cannot_keep_up_with_runs_slow_not_stale() -> None:
    # Each fix takes 10 s of wall time to handle (a busy laptop at 1000x): the replay's clock
    # must never run past the next fix it has not delivered yet, so no fix looks stale.
    fake = FakeTime()
    wall = [0.0]
    source = open_source(f"replay:{RUN_GPX}?speed=1000", clock=fake.clock, max_kmh=40)
    assert isinstance(source, ReplaySource)
    source._sleep = fake.sleep
    source._monotonic = lambda: wall[0]
    ages: list[float] = []

    def on_fix(fix: Fix) -> None:
        wall[0] += 10.0  # the handling of this fix
        ages.append((source.virtual_now() - fix.time).total_seconds())

    await source.run(on_fix, lambda _s: None)
    assert len(ages) == 205
    assert not fake.slept  # always behind: never sleeps
    # The clock waits at the next point: never more than the recording's own spacing ahead.
    points = gpx_points(RUN_GPX)
    gaps = [(b[2] - a[2]).total_seconds() for a, b in itertools.pairwise(points)]
    assert max(ages) <= max(gaps)
