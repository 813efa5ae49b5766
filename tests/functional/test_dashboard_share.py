"""The dashboard with [share] (issue 12), in Pilot against a real Mosquitto: it publishes the
crew's entry typed on the screen, and the other car's entry merged into the log moves the km it
shows."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from helpers.mosquitto import Broker, Subscriber, brokers, needs_mosquitto, publish
from helpers.share_events import EVENT_ID, NOW, share_event, wait_for

from companion.app.app import make_app
from companion.app.widgets.notice import NoticeLine
from companion.service import EventSession

__all__ = ["brokers"]
pytestmark = needs_mosquitto
E = f"companion/v1/{EVENT_ID}"


async def test_the_dashboard_shares(tmp_path: Path, brokers: Callable[..., Broker]) -> None:
    b = brokers("car").start()
    event, db = share_event(tmp_path, b.url, "car1", ("car2",))
    sub = Subscriber(b, [f"{E}/car1/#"], "watch", persistent=False)
    s = EventSession.open(event, db)
    s.checkpoint("km 40", "2021-08-16T09:00", NOW)
    app = make_app(s, lambda: NOW, cursor_blink=False)
    peer = {"unit": "car2", "id": 9, "kind": "fix", "time": "2021-08-16T06:30:00+00:00",
            "lat": 19.5, "lon": 72.9, "km": 55.0, "source": "manual", "ref": None,
            "payload": {"label": "km 55"}}  # fmt: skip
    try:
        async with app.run_test(size=(100, 30)) as pilot:

            def statuses() -> list[float]:
                return [
                    json.loads(m.payload)["km_total"]
                    for m in sub.got()
                    if m.topic.endswith("/status")
                ]

            await wait_for(lambda: 40.0 in statuses(), "the status of the entry in the log")
            assert publish(b, f"{E}/car2/log", json.dumps(peer))
            await wait_for(lambda: s.tracker.km == 55.0, "the other car's entry merged")
            await pilot.pause()
            await wait_for(lambda: 55.0 in statuses(), "the status counting it")
            # On the screen's own value, at its next repaint.
            await wait_for(lambda: app.dashboard.progress.km_total == 55.0, "the dashboard")
            # A fix from a phone whose clock is 2 h ahead: refused, said on the notice line.
            ahead = {**peer, "id": 10, "time": "2021-08-16T15:00:00+00:00", "km": 80.0}
            assert publish(b, f"{E}/car2/log", json.dumps(ahead))
            notices = app.dashboard.query_one(NoticeLine)

            def said() -> str:
                return " ".join(n.line() for n in notices.notices)

            await wait_for(lambda: "ahead of this car's clock" in said(), "the notice")
            assert "car2's fix" in said() and s.tracker.km == 55.0
    finally:
        sub.close()
        s.close()
    # The publisher's own connection to the log was closed on quit: with the session's, the last
    # one, SQLite checkpointed the WAL into the log and removed it.
    assert not db.with_name(db.name + "-wal").exists()
