"""Issue 11: `companion run` composes and paints the dashboard before it replays the log, so the
crew sees the frame at once whatever the log's length ("reading the log…"), then the numbers."""

from __future__ import annotations

from collections.abc import Generator

import pytest
from companion_fixtures import Setup, screen_text

from companion.app.app import CompanionApp
from companion.service import EventSession

SIZE = (120, 40)


async def test_the_frame_is_painted_before_the_log_is_read(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen_at_replay: list[str] = []
    allowed_at_replay: list[bool | None] = []
    replaying = EventSession.replaying
    app_box: list[CompanionApp] = []

    def replay_watched(self: EventSession, every: int = 10_000) -> Generator[int, None, None]:
        if app_box:  # the replay run by the app (not one by the fixture's own sessions)
            seen_at_replay.append(screen_text(app_box[0]))
            allowed_at_replay.append(app_box[0].dashboard.check_action("undo", ()))
        return replaying(self, every)

    monkeypatch.setattr(EventSession, "replaying", replay_watched)
    session = EventSession.open(setup.event_path, setup.db_path, replay=False)
    try:
        assert not session.replayed
        app = setup.app(session)
        app_box.append(app)
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(50):
                await pilot.pause(0.05)
                if session.replayed:
                    break
            await pilot.pause()
            after = screen_text(app)
        [before] = seen_at_replay  # read once, by the app, after it had painted
        assert "Test Run" in before and "reading the log…" in before
        assert "Checkpoint" in before  # the whole frame, footer included
        assert "Valsad" not in before  # no numbers from an empty tracker meanwhile
        assert allowed_at_replay == [None]  # the keys do nothing on a log not read yet
        assert app.dashboard.check_action("undo", ()) is True
        assert "Valsad" in after and "reading the log…" not in after
        assert "KM TOTAL of 115" in after
    finally:
        session.close()

