"""Issue 11, cold start, for `companion demo` (the README's first command): its first frame (the
header with the demo's name, "building the demo…", the footer's keys dimmed) comes before the demo
is built (the route loaded, days 1-3 logged); then the dashboard, showing what the demo always
showed. Textual's Pilot, the real demo in a real folder; the building is watched, not replaced."""

from __future__ import annotations

from pathlib import Path

import pytest
from companion_fixtures import screen_text

import companion.demo
from companion.app.app import CompanionApp, utc_now
from companion.app.launch import run_demo
from companion.app.starting import DemoOpening
from companion.core.models import CompanionError
from companion.demo import DAY4_START, Demo
from companion.service import EventSession

SIZE = (120, 40)


async def _settle(pilot: object, until: object) -> None:
    for _ in range(200):
        await pilot.pause(0.05)  # type: ignore[attr-defined]
        if until():  # type: ignore[operator]
            return


async def test_the_demos_first_frame_comes_before_it_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app_box: list[CompanionApp] = []
    at_build: list[tuple[str, str, bool | None]] = []
    build = companion.demo.build_demo

    def build_watched(speed: float = 60.0, folder: Path | None = None) -> Demo:
        app = app_box[0]
        at_build.append(
            (type(app.screen).__name__, screen_text(app), app.screen.check_action("checkpoint", ()))
        )
        return build(speed, folder)

    monkeypatch.setattr(companion.demo, "build_demo", build_watched)
    at_replay: list[tuple[str, str]] = []
    replay = EventSession.replay

    def replay_watched(self: EventSession) -> None:
        at_replay.append((type(app_box[0].screen).__name__, screen_text(app_box[0])))
        replay(self)

    monkeypatch.setattr(EventSession, "replay", replay_watched)
    opening = DemoOpening(600.0, tmp_path)
    app = CompanionApp(opening, utc_now, cursor_blink=False)
    app_box.append(app)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await _settle(pilot, lambda: app._dashboard is not None
                          and app.dashboard.progress is not None
                          and app.dashboard.progress.km_today > 0.3)  # fmt: skip
            await pilot.pause()
            after = screen_text(app)
            progress = app.dashboard.progress
    finally:
        opening.close()
    [(screen, before, key)] = at_build  # built once, by the app, once its first frame was up
    assert screen == "StartingScreen"
    assert "Unity Run 2021 (demo) · Demo runner" in before and "building the demo…" in before
    assert "Checkpoint" in before and "Quit" in before  # the whole frame, footer included
    assert "Day 4" not in before and "KM" not in before  # no number before it is real
    assert key is None  # dimmed: nothing open to act on
    # Its log (three days of checkpoints, written as it builds) is read twice while it builds,
    # as `companion demo` always did (build_demo, then Demo.open_session): still no number.
    assert [screen for screen, _ in at_replay] == ["StartingScreen"] * 2
    assert all("building the demo…" in s and "KM" not in s for _, s in at_replay)
    # The demo's numbers: day 4, from day 3's end in the route's notes ("km 104 → 149"), the
    # simulated GPS connected and moving.
    assert "Day 4" in after and "CONNECTED" in after and "building the demo" not in after
    assert progress is not None and progress.day_number == 4
    assert [d.date.day for d in progress.days] == [15, 16, 17, 18]
    assert progress.days[2].last_km == 149.0
    assert progress.km_total > 149.3 and progress.now > DAY4_START
    assert app.dashboard.check_action("undo", ()) is True


async def test_the_demo_opened_after_its_first_frame_is_the_demo_built_before(
    tmp_path: Path,
) -> None:
    """The same event, log and feed as `companion demo` built before its first frame did."""
    (tmp_path / "new").mkdir()
    (tmp_path / "old").mkdir()
    opening = DemoOpening(600.0, tmp_path / "new")
    session, clock, source = opening.open()
    old = companion.demo.build_demo(600.0, tmp_path / "old")
    old_session = old.open_session()
    try:
        assert opening.demo is not None and clock is opening.demo.clock
        session.replay()
        old_session.replay()
        assert session.event.name == old_session.event.name == "Unity Run 2021 (demo)"
        assert session.event.athlete == "Demo runner"
        at = DAY4_START.replace(hour=7)
        assert session.progress(at) == old_session.progress(at)
        assert [e.summary for e in session.logbook.entries()] == [
            e.summary for e in old_session.logbook.entries()
        ]
        assert source is not None and source.url_redacted == old.source().url_redacted
    finally:
        opening.close()
        old_session.close()


def test_a_bad_speed_is_said_before_any_screen() -> None:
    with pytest.raises(CompanionError, match=r"--speed 0\.0"):
        run_demo(0.0)  # raises before a terminal is touched
