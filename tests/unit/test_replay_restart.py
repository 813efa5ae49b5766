"""A replay stopped half-way and started again on the same event carries on after the last fix it
logged, in the same time frame, with nothing rejected; `status` then reads the replay's clock.

A real recorded run (../shared/data/gpx/run.gpx, 205 distinct timed points over 16 min) is both
the route and the feed, through a real SQLite log and EventSession, with the replay's sleep and
monotonic clock injected (no real waiting). Expected times come from the file itself (a regex over
its <trkpt> elements, as in test_replay.py), not from our parser.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from test_replay import RUN_GPX, gpx_points

from companion.cli import main
from companion.core.models import Fix
from companion.event import Event, write_event
from companion.service import EventSession
from companion.sources.base import FeedState, FeedStatus
from companion.sources.replay import ReplaySource, resume_point

NOW = datetime(2025, 3, 1, 7, 0, tzinfo=UTC)  # the wall clock when the first run starts
PARIS = ZoneInfo("Europe/Paris")


def distinct_points() -> list[tuple[float, float, datetime]]:
    """The track's points, the one the watch wrote twice (same time) only once."""
    pts = gpx_points(RUN_GPX)
    return [p for i, p in enumerate(pts) if i == 0 or p[2] != pts[i - 1][2]]


@pytest.fixture
def event(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path / "data"))
    ev = Event("Run", "R", str(RUN_GPX), "Europe/Paris", 10.0)
    return write_event(ev, tmp_path / "run.toml").path


async def play(
    session: EventSession, url: str, wall: datetime, stop_after: int | None = None
) -> tuple[ReplaySource, list[FeedStatus]]:
    """One run of the replay into the session, as `companion run` or `follow` does it."""
    mono = [0.0]

    async def sleep(seconds: float) -> None:
        mono[0] += seconds
        await asyncio.sleep(0)  # let a cancel in

    source = ReplaySource(url, clock=lambda: wall, monotonic=lambda: mono[0], sleep=sleep)
    session.attach(source)
    logged = 0

    def on_fix(fix: Fix) -> None:
        nonlocal logged
        assert session.add_feed_fix(fix, prefiltered=True).accepted
        logged += 1
        if logged == stop_after:
            task.cancel()  # the program is closed half-way

    statuses: list[FeedStatus] = []
    task = asyncio.create_task(source.run(on_fix, statuses.append))
    with contextlib.suppress(asyncio.CancelledError):
        await task
    session.flush()
    return source, statuses


def logged_fixes(event: Path) -> list[Fix]:
    with EventSession.open(event) as s:
        return [f for f in s.tracker.fixes if f.source == "replay"]


async def test_a_restarted_replay_carries_on_after_the_last_logged_fix(event: Path) -> None:
    points = distinct_points()
    t0 = points[0][2]
    url = f"replay:{RUN_GPX}?speed=60"
    with EventSession.open(event) as s:
        stopped, _statuses = await play(s, url, NOW, stop_after=100)
    first_run = logged_fixes(event)
    assert len(first_run) == 100
    assert stopped.virtual_now() == first_run[-1].time  # its clock stopped at its last fix
    # 5 s of wall time later the replay's clock (8 min of the run at 60x) is far ahead of the
    # wall: started from the beginning again, every fix would be older than the log.
    with EventSession.open(event) as s:
        source, statuses = await play(s, url, NOW + timedelta(seconds=5))
        # Nothing rejected as "backwards" or "old": only the point the watch wrote twice (its
        # 107th), dropped in any run.
        assert s.filter.counts == {"duplicate": 1}
        # Its clock carried on where the log left off, and stopped at the last fix.
        assert source.virtual_now() == NOW + (points[-1][2] - t0)
    status = source.status()
    assert status.rejected == 1 and status.fixes == len(points) - 100
    connected = next(st for st in statuses if st.state is FeedState.CONNECTED)  # of all 206
    assert connected.detail == "replaying run.gpx at 60x, carrying on at point 101 of 206"
    fixes = logged_fixes(event)
    # Every point once, in order, all in the first run's time frame: t0 was stamped NOW.
    assert [(f.lat, f.lon) for f in fixes] == [(lat, lon) for lat, lon, _t in points]
    assert [f.time for f in fixes] == [NOW + (t - t0) for _lat, _lon, t in points]


async def test_a_restart_after_the_end_plays_nothing_again_and_status_agrees(
    event: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    points = distinct_points()
    url = f"replay:{RUN_GPX}?speed=60"
    with EventSession.open(event) as s:
        await play(s, url, NOW)
    with EventSession.open(event) as s:
        again, _statuses = await play(s, url, NOW + timedelta(minutes=1))
    assert again.status().fixes == 0 and again.status().rejected == 0
    assert len(logged_fixes(event)) == len(points)
    end = NOW + (points[-1][2] - points[0][2])
    # `status` with no --now reads the replay's clock standing at its last fix (16 min after
    # NOW), not the wall clock (a year on): the last position is 0 min old, not a year.
    assert main(["status", str(event), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["last_fix"]["time"] == end.astimezone(PARIS).isoformat(timespec="seconds")
    assert main(["status", str(event)]) == 0
    text = capsys.readouterr().out
    assert "0 min ago" in text
    moving = next(line for line in text.splitlines() if " moving " in line and "today" in line)
    elapsed_min = round((points[-1][2] - points[0][2]).total_seconds() / 60)
    assert moving.rstrip().endswith(f"of {elapsed_min} min today")


async def test_recorded_times_carry_on_after_the_latest_logged_fix(event: Path) -> None:
    points = distinct_points()
    url = f"replay:{RUN_GPX}?speed=120&rebase=0"
    with EventSession.open(event) as s:
        await play(s, url, NOW, stop_after=50)
    with EventSession.open(event) as s:
        source, _statuses = await play(s, url, NOW)
        assert s.filter.counts == {"duplicate": 1}  # the watch's double point, as above
    assert source.status().fixes == len(points) - 50
    assert [f.time for f in logged_fixes(event)] == [t for _lat, _lon, t in points]


def test_resume_point_of_another_file_starts_after_the_log() -> None:
    pts = [Fix(NOW + timedelta(seconds=10 * i), 45.0 + i * 1e-4, 6.0, source="replay")
           for i in range(5)]  # fmt: skip
    other = [Fix(NOW + timedelta(hours=2), 1.0, 2.0, source="replay")]  # not on this track
    plan = resume_point(pts, other, kind="replay", rebase=True)
    assert (plan.start, plan.shift, plan.floor) == (0, None, NOW + timedelta(hours=2, seconds=1))
    # A pause: the same place twice. The fixes logged before line it up with the second one.
    paused = [*pts[:3], Fix(pts[3].time, pts[2].lat, pts[2].lon, source="replay"), pts[4]]
    shift = timedelta(days=3)
    logged = [Fix(p.time + shift, p.lat, p.lon, source="replay") for p in paused[:4]]
    plan = resume_point(paused, logged, kind="replay", rebase=True)
    assert (plan.start, plan.shift, plan.anchor) == (4, shift, paused[3].time + shift)
