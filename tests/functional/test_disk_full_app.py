"""Issue 10 F3 on the dashboard: its log on a real small filesystem (a tmpfs) that the test fills
while a real NMEA peer on 127.0.0.1 sends 10 fixes a second.

It used to go on moving the km of fixes it could not store, under CONNECTED and "OK: no alerts",
with only a fading toast. Now a red NOT SAVING alert stands, the km shown are those of the log,
and both come back by themselves once there is room.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from companion_fixtures import screen_text, write_fixed_event
from helpers.storage import fill, rmc, small_disk

from companion.app.app import CompanionApp, make_app
from companion.app.widgets.alerts import Alerts
from companion.core.models import Fix
from companion.logbook import Logbook
from companion.service import EventSession
from companion.sources.base import open_source

T0 = datetime(2021, 8, 19, 0, 55, tzinfo=UTC)  # 06:25 IST: after the fixture's last fix


def saved_fixes(db: Path) -> list[Fix]:
    with Logbook.open(db, readonly=True) as book:
        return [f for _i, f in book.effective_fixes()]


def alerts(app: CompanionApp) -> str:
    return str(app.dashboard.query_one(Alerts).render())


async def until(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def test_a_full_disk_is_a_red_alert_and_the_screen_shows_what_is_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path / "data"))
    with small_disk(tmp_path / "disk") as disk:
        setup = write_fixed_event(disk)
        session = EventSession.open(setup.event_path, setup.db_path)
        route = session.route
        sent = 0

        async def serve(_r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            nonlocal sent
            while True:  # 21.6 km/h north along the route from km 37.5, an epoch each 0.1 s
                p = route.point_at(37.5 + 0.0006 * sent)
                w.write(rmc(T0 + timedelta(seconds=sent / 10), p.lat, p.lon))
                await w.drain()
                sent += 1
                await asyncio.sleep(0.1)

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        source = open_source(f"nmea+tcp://127.0.0.1:{port}", max_kmh=30.0, clock=setup.clock)
        app = make_app(session, setup.clock, source, cursor_blink=False)
        db = setup.db_path
        try:
            async with app.run_test(size=(100, 30)) as pilot:
                base = len(saved_fixes(db))
                await until(lambda: len(saved_fixes(db)) >= base + 10, "fixes in the log")
                assert "NOT SAVING" not in alerts(app)
                ballast = fill(disk)
                await until(lambda: "NOT SAVING: disk full" in alerts(app), "the alert")
                assert app.dashboard.query_one(Alerts).has_class("-alert")  # red
                await pilot.pause(0.5)  # the repaint after the fixes were taken back
                kept = saved_fixes(db)
                shown_km = app.dashboard.progress.km_total if app.dashboard.progress else None
                sent_then = sent
                await pilot.pause(1.0)
                assert sent >= sent_then + 5  # the peer went on sending
                # What the screen stands on is the log: the tracker holds exactly its fixes,
                # and the km shown are those a fresh reader of the log computes.
                assert saved_fixes(db) == kept
                assert session.tracker.fixes == kept
                with EventSession.open(setup.event_path, db, readonly=True) as reader:
                    want_km = reader.progress(setup.clock()).km_total
                assert app.dashboard.progress is not None
                assert app.dashboard.progress.km_total == pytest.approx(want_km, abs=1e-9)
                assert shown_km == pytest.approx(want_km, abs=1e-9)  # and it stood still
                assert "! NOT SAVING: disk full" in screen_text(app)

                ballast.unlink()
                await until(lambda: "NOT SAVING" not in alerts(app), "the alert to go")
                await until(lambda: len(saved_fixes(db)) >= len(kept) + 10, "saving again")
                await pilot.pause(0.5)
                assert app.dashboard.progress.km_total > want_km  # moving again
                await pilot.press("q")
        finally:
            server.close()
            session.close()
        with Logbook.open(db, readonly=True) as book:
            assert book.integrity_check() == "ok"
            after = [f for _i, f in book.effective_fixes()]
        assert set(kept) <= set(after)  # nothing committed was lost or damaged
