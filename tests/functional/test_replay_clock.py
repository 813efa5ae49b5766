"""The dashboard follows a sped-up replay's clock: no negative ages, moving time within elapsed
time, and after the replay `status` and `summary` say what the dashboard said.

The feed and the route are the first 400 points (about 35 min) of a real mountain run
(../shared/corpus/eta-tracks/sports-lib/6909258631.gpx, "Emparis 2"), cut into tmp_path. The
replay's sleep and monotonic clock are injected so nothing waits; a gate holds the replay after
its 200th fix so the screen can be read in the middle. Expected times come from the file's own
<time> elements (a regex), not from our parser.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from companion_fixtures import screen_text

from companion.app.app import make_app
from companion.cli import main
from companion.event import Event, write_event
from companion.render import hm
from companion.service import EventSession
from companion.sources.base import FeedState
from companion.sources.replay import ReplaySource

SHARED = Path(__file__).resolve().parents[3] / "shared"
EMPARIS = SHARED / "corpus" / "eta-tracks" / "sports-lib" / "6909258631.gpx"
POINTS = 400
HOLD_AFTER = 200
WALL = datetime(2025, 6, 1, 6, 0, tzinfo=UTC)  # the wall clock stands still: only replay time runs
PARIS = ZoneInfo("Europe/Paris")

pytestmark = pytest.mark.skipif(not EMPARIS.is_file(), reason="needs ../shared/corpus")


def stretch(folder: Path) -> tuple[Path, list[datetime]]:
    """The file's first POINTS track points as a GPX of their own, and their recorded times."""
    text = EMPARIS.read_text(encoding="utf-8")
    head = text[: text.index("<trkpt")]
    points = re.findall(r"<trkpt.*?</trkpt>", text, re.S)[:POINTS]
    path = folder / "emparis-start.gpx"
    path.write_text(head + "\n".join(points) + "</trkseg></trk></gpx>\n", encoding="utf-8")
    times = [
        datetime.fromisoformat(re.search(r"<time>([^<]+)</time>", p).group(1))  # type: ignore[union-attr]
        for p in points
    ]
    return path, times


def gated_replay(url: str) -> tuple[ReplaySource, asyncio.Event]:
    mono = [0.0]
    gate = asyncio.Event()
    source: ReplaySource

    async def sleep(seconds: float) -> None:
        mono[0] += seconds
        if source.status().fixes >= HOLD_AFTER:
            await gate.wait()
        await asyncio.sleep(0)

    source = ReplaySource(url, clock=lambda: WALL, monotonic=lambda: mono[0], sleep=sleep)
    return source, gate


async def until(condition: Callable[[], bool], pilot: object) -> None:
    for _ in range(2000):
        if condition():
            return
        await pilot.pause()  # type: ignore[attr-defined]
    raise AssertionError("the replay did not get there")


async def test_the_dashboard_follows_a_replay_at_60x_and_status_agrees(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path / "data"))
    gpx, times = stretch(tmp_path)
    event = write_event(Event("Emparis", "R", gpx.name, "Europe/Paris", 6.0), tmp_path / "e.toml")
    t0 = times[0]
    with EventSession.open(event.path) as session:
        source, gate = gated_replay(f"replay:{gpx}?speed=60")
        # The clock `companion run` gives the dashboard for this feed.
        app = make_app(session, session.clock(source, lambda: WALL), source, cursor_blink=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await until(lambda: source.status().fixes >= HOLD_AFTER, pilot)
            app.dashboard.refresh_progress()
            p = app.dashboard.progress
            assert p is not None and p.last_fix is not None
            # Held before the next point: the screen's clock is that point's time in the
            # replay's frame (t0 was stamped WALL), the last fix is the one before it.
            last_t = p.last_fix.time - WALL + t0
            next_t = min(t for t in times if t > last_t)
            assert p.now == WALL + (next_t - t0)
            assert p.last_fix_age_s == (next_t - last_t).total_seconds() > 0
            assert p.moving_s_today <= p.elapsed_s_today
            assert p.elapsed_s_today == pytest.approx((next_t - t0).total_seconds())
            text = screen_text(app)
            assert not re.search(r"-\d+\s*(s|min|h)", text), text  # no negative age anywhere
            assert f"{p.now.astimezone(PARIS):%H:%M}" in text  # the header shows replay time
            gate.set()
            await until(lambda: source.status().state is FeedState.STOPPED, pilot)
            app.dashboard.refresh_progress()
            end = app.dashboard.progress
            assert end is not None and end.last_fix is not None
        # The replay's clock stopped at its last fix.
        assert end.now == end.last_fix.time == WALL + (times[-1] - t0)
        assert end.last_fix_age_s == 0 and end.moving_s_today <= end.elapsed_s_today
    # Afterwards the CLI reads the same clock: the same numbers, not a year-old last fix.
    assert main(["status", str(event.path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["km_total"] == pytest.approx(end.km_total, abs=5e-4)
    assert doc["last_fix"]["time"] == end.last_fix.time.astimezone(PARIS).isoformat()
    assert main(["status", str(event.path)]) == 0
    text = capsys.readouterr().out
    assert f"moving {hm(end.moving_s_today)} of {hm(end.elapsed_s_today)} today" in text
    assert main(["summary", str(event.path)]) == 0
    assert f"{end.km_today:.1f} km in {hm(end.moving_s_today)} moving" in capsys.readouterr().out
