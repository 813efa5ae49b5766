"""The outbox publisher against a real Mosquitto (issue 12): the log's rows go out in order, QoS 1,
from a cursor per broker; a broker that goes away and comes back gets the rows it missed; the
retained status is `status --json` plus unit, athlete, seq and sent."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

from helpers.mosquitto import Broker, Subscriber, brokers, needs_mosquitto
from helpers.share_events import (
    EVENT_ID,
    NOW,
    publishing,
    received_ids,
    share_event,
    shared_ids,
    wait_for,
)

from companion.core.models import Fix
from companion.service import EventSession

__all__ = ["brokers"]
pytestmark = needs_mosquitto
LOG = f"companion/v1/{EVENT_ID}/car1/log"


def cursor_of(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(db)) as c:
        return int(c.execute("SELECT max(last_id) FROM share_cursor").fetchone()[0])


async def test_rows_go_out_in_order_and_resume_after_the_broker_is_back(
    tmp_path: Path, brokers: Callable[..., Broker]
) -> None:
    car = brokers("car").start()
    event, db = share_event(tmp_path / "car1", car.url, "car1")
    s = EventSession.open(event, db)
    s.checkpoint("Virar Phata", "2021-08-15T17:00", NOW)
    s.checkpoint("+3", "2021-08-15T18:00", NOW)
    sub = Subscriber(car, [f"companion/v1/{EVENT_ID}/car1/#"], "watcher", persistent=True)
    try:
        async with publishing(s) as pub:
            await wait_for(lambda: pub.state.cursor == max(shared_ids(db)), "the first rows")
            car.stop()  # the car's broker goes away (SIGTERM: it saves the watcher's queue)
            await wait_for(lambda: not pub.state.connected, "the publisher to see it")
            s.checkpoint("km 70", "2021-08-16T10:00", NOW)
            s.undo()
            s.checkpoint("Manor", "2021-08-16T08:00", NOW)  # entered late
            s.edit_last_time("2021-08-16T07:45", NOW, force=True)
            for i in range(3):  # feed fixes 2 min and 0.2 km apart: thinned on `pos`
                pos = s.route.point_at(60 + i * 0.2)
                when = NOW.replace(hour=3, minute=2 * i)
                s.add_feed_fix(Fix(when, pos.lat, pos.lon, source="gpsd"), NOW)
            s.flush()
            assert cursor_of(db) < max(shared_ids(db))  # not acknowledged, so not passed
            car.start()
            await wait_for(lambda: pub.state.cursor == max(shared_ids(db)), "the rest")

            def logged() -> list[int]:
                return received_ids([m.payload for m in sub.got() if m.topic == LOG], "car1")

            manual = [i for i in shared_ids(db) if i not in _gps_ids(db)]
            await wait_for(lambda: logged() == manual, "every entry on the watcher")
        assert cursor_of(db) == max(shared_ids(db))
        # Each entry's message is the row: an undo refers to the fix by its id in this log.
        docs = {
            json.loads(m.payload)["id"]: json.loads(m.payload) for m in sub.got() if m.topic == LOG
        }
        undo = next(d for d in docs.values() if d["kind"] == "undo")
        assert docs[undo["ref"]]["payload"]["label"] == "km 70"
        # GPS fixes 0.2 km apart each pass the 0.1 km thinning: all three on pos.
        pos = [json.loads(m.payload)["id"] for m in sub.got() if m.topic.endswith("/pos")]
        assert sorted(set(pos)) == _gps_ids(db)
    finally:
        sub.close()
        s.close()


async def test_the_retained_status_and_online(
    tmp_path: Path, brokers: Callable[..., Broker]
) -> None:
    car = brokers("car").start()
    event, db = share_event(tmp_path / "car1", car.url, "car1", athlete="Milind Soman")
    s = EventSession.open(event, db)
    s.checkpoint("km 70", "2021-08-16T10:00", NOW)
    async with publishing(s) as pub:
        await wait_for(lambda: pub.state.cursor > 0, "the row")
        topics = [f"companion/v1/{EVENT_ID}/+/{kind}" for kind in ("status", "online")]
        late = Subscriber(car, topics, "late", persistent=False)
        try:
            await wait_for(lambda: len(late.got()) >= 2, "the retained status and online")
            got = {m.topic.rsplit("/", 1)[1]: m for m in late.got()}
        finally:
            late.close()
    status = json.loads(got["status"].payload)
    assert got["status"].retain and got["online"].retain
    assert got["online"].payload == b"online"
    assert (status["unit"], status["athlete"], status["seq"]) == (
        "car1",
        "Milind Soman",
        max(shared_ids(db)),
    )
    assert status["km_total"] == 70.0  # the km typed
    assert status["event"] == "Unity" and status["sent"].startswith("2021-08-16T18:30")
    s.close()


def _gps_ids(db: Path) -> list[int]:
    with contextlib.closing(sqlite3.connect(db)) as c:
        rows = c.execute("SELECT id FROM events WHERE kind='fix' AND source='gpsd' ORDER BY id")
        return [r[0] for r in rows]
