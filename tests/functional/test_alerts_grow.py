"""Every alert up is on the screen: the alerts line grows with them (found beside the days
panel's fault, 2026-12-03: with one alert up, a second and a third were laid out under the
first's single line and never seen: STALE hid NOT SAVING)."""

from __future__ import annotations

from dataclasses import replace

from companion_fixtures import Setup, screen_text

from companion.app.widgets.alerts import Alerts
from companion.service import EventSession


async def test_a_second_and_third_alert_are_shown_and_gone_again(
    setup: Setup, session: EventSession
) -> None:
    app = setup.app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        alerts = app.dashboard.query_one(Alerts)
        assert "STALE: last GPS position 20 min old" in screen_text(app)  # the fixture's one
        p = app.dashboard.progress
        assert p is not None
        three = ("STALE: last GPS position 20 min old", "NOT SAVING: disk full",
                 "CLOCK: this computer is 1h15 behind the GPS: set its clock")  # fmt: skip
        app.dashboard.progress = replace(p, alerts=three)
        await pilot.pause(0.2)
        text = screen_text(app)
        assert all(f"! {a}" in text for a in three), text
        assert alerts.region.height == 3
        app.dashboard.progress = replace(p, alerts=three[:1])
        await pilot.pause(0.2)
        text = screen_text(app)
        assert "NOT SAVING" not in text and alerts.region.height == 1
