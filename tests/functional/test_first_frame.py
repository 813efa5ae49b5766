"""Issue 11, cold start: `companion run` paints its first frame (the header with the event's name,
"loading route…", the footer's keys dimmed) before it opens the route and the log; then the
dashboard takes its place, and the numbers come once the log is read. Real event files, a real
SQLite log, Textual's Pilot; the opening is watched, not replaced."""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import pytest
from companion_fixtures import Setup, screen_text
from textual.app import ComposeResult

from companion.app.app import CompanionApp
from companion.app.launch import run_dashboard
from companion.app.starting import Opening, StartingScreen
from companion.app.widgets.footer import GlanceFooter
from companion.core.models import CompanionError
from companion.service import EventSession

SIZE = (120, 40)


async def _settle(app: CompanionApp, pilot: object, until: object) -> None:
    for _ in range(100):
        await pilot.pause(0.05)  # type: ignore[attr-defined]
        if until():  # type: ignore[operator]
            return


async def test_the_first_frame_comes_before_the_route_and_the_log(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen_at_open: list[str] = []
    keys_at_open: list[bool | None] = []
    app_box: list[CompanionApp] = []
    real_open = EventSession.open.__func__  # type: ignore[attr-defined]

    def open_watched(cls: type[EventSession], *args: object, **kw: object) -> EventSession:
        app = app_box[0]
        seen_at_open.append(screen_text(app))
        keys_at_open.append(app.screen.check_action("checkpoint", ()))
        assert isinstance(app.screen, StartingScreen)
        return real_open(cls, *args, **kw)  # type: ignore[no-any-return]

    monkeypatch.setattr(EventSession, "open", classmethod(open_watched))
    seen_at_replay: list[tuple[str, str]] = []
    replaying = EventSession.replaying

    def replay_watched(self: EventSession, every: int = 10_000) -> Generator[int, None, None]:
        seen_at_replay.append((type(app_box[0].screen).__name__, screen_text(app_box[0])))
        return replaying(self, every)

    monkeypatch.setattr(EventSession, "replaying", replay_watched)
    opening = Opening(setup.event_path, str(setup.db_path), None, setup.clock)
    app = CompanionApp(opening, setup.clock, cursor_blink=False)
    app_box.append(app)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await _settle(app, pilot, lambda: opening.session is not None
                          and opening.session.replayed)  # fmt: skip
            await pilot.pause()
            after = screen_text(app)
    finally:
        opening.close()
    [before] = seen_at_open  # opened once, by the app, once its first frame was painted
    assert "Test Run · Test Athlete" in before and "loading route…" in before
    assert "Checkpoint" in before and "Quit" in before  # the whole frame, footer included
    assert "Valsad" not in before and "KM" not in before  # no number before it is real
    assert keys_at_open == [None]  # dimmed: nothing open to act on
    # Then the log, the first frame saying so: repainted once, still no number on it.
    [(screen, reading)] = seen_at_replay
    assert screen == "StartingScreen" and "reading the log…" in reading
    assert "loading route" not in reading and "Valsad" not in reading and "KM" not in reading
    assert "Valsad" in after and "KM TOTAL of 115" in after and "loading route" not in after
    assert app.dashboard.check_action("undo", ()) is True


async def test_a_route_that_cannot_be_read_ends_the_app_with_its_error(setup: Setup) -> None:
    (setup.event_path.parent / "route.csv").write_text("not,a\nroute book\n", encoding="utf-8")
    opening = Opening(setup.event_path, str(setup.db_path), None, setup.clock)
    app = CompanionApp(opening, setup.clock, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot, lambda: opening.failure is not None)
    assert isinstance(opening.failure, CompanionError)
    assert "route.csv" in str(opening.failure)
    assert app.return_code == 2


def test_a_bad_event_file_is_said_before_any_screen(tmp_path: Path) -> None:
    event = tmp_path / "event.toml"
    event.write_text('name = "X"\nroute = \n', encoding="utf-8")
    with pytest.raises(CompanionError, match=r"event\.toml"):
        run_dashboard(event, None, None)  # raises before a terminal is touched


async def test_the_footer_lays_its_keys_out_once_before_the_first_frame_is_whole(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its first resize at mount queued a second recompose of every key (one more pass before
    the frame was whole); the keys are laid out once, when the bindings are ready."""
    composed: list[bool] = []
    compose = GlanceFooter.compose

    def counted(self: GlanceFooter) -> ComposeResult:
        composed.append(self._bindings_ready)
        return compose(self)

    monkeypatch.setattr(GlanceFooter, "compose", counted)
    at_open: list[int] = []

    def stop(self: Opening) -> None:
        at_open.append(sum(composed))
        raise CompanionError("stopped by the test")

    monkeypatch.setattr(Opening, "open", stop)
    opening = Opening(setup.event_path, str(setup.db_path), None, setup.clock)
    app = CompanionApp(opening, setup.clock, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot, lambda: bool(at_open))
    assert at_open == [1]  # keys laid out once; the frame was whole (the app went on to open)


async def test_a_feed_that_cannot_be_opened_ends_the_app_with_its_error(setup: Setup) -> None:
    opening = Opening(setup.event_path, str(setup.db_path), "bogus://nowhere", setup.clock)
    app = CompanionApp(opening, setup.clock, cursor_blink=False)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await _settle(app, pilot, lambda: opening.failure is not None)
    finally:
        opening.close()  # the log was opened before the feed was refused: closed, not leaked
    assert isinstance(opening.failure, CompanionError) and "bogus" in str(opening.failure)
    assert app.return_code == 2
