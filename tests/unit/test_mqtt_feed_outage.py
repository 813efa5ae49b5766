"""An MQTT feed goes on after the log could not take its fixes for a while (issue 10 F3: a feed
must not stop because the disk is full; issue 12: a message is acknowledged only once its fixes
are committed). The broker holds at most 20 unacknowledged messages in flight to a subscriber
(Mosquitto's max_inflight_messages): a feed that leaves the messages of an outage
unacknowledged for good gets nothing more once there were 20 of them, however long it stays
connected. Real Mosquitto, real SQLite log; a trigger on the log refuses the feed's fixes as a
full disk would, then is dropped."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from helpers.mosquitto import Broker, brokers, needs_mosquitto, publish
from helpers.share_events import wait_for
from test_mqtt_feed_ack import REFUSE, T0, TOPIC, event_file, feed_times, location, sql

from companion.event import load_event
from companion.event_route import load_event_route
from companion.logbook import Logbook
from companion.service import EventSession
from companion.sources.base import open_source
from companion.sources.mqtt import MqttSource

__all__ = ["brokers"]
pytestmark = needs_mosquitto
OUTAGE = 24  # messages whose fixes the log refuses: more than the broker keeps in flight


async def test_the_feed_goes_on_after_an_outage_of_the_log(
    tmp_path: Path, brokers: Callable[..., Broker]
) -> None:
    b = brokers("phone").start()
    db = tmp_path / "event.sqlite"
    event = load_event(event_file(tmp_path))
    s = EventSession(event, load_event_route(event), Logbook.open(db), db)
    source = open_source(f"{b.url}/{TOPIC}", max_kmh=s.event.max_kmh)
    assert isinstance(source, MqttSource)
    s.attach(source)

    def on_fix(fix: object) -> None:
        s.add_feed_fix(fix, prefiltered=True)  # type: ignore[arg-type]
        s.flush()  # as the follow loop's timer would, at once: each fix its own commit

    task = asyncio.create_task(source.run(on_fix, lambda st: None))
    try:
        await wait_for(lambda: source.status().state.value == "connected", "connected")
        assert publish(b, TOPIC, location(s.route, 10.0, 0))
        await wait_for(lambda: len(feed_times(db)) == 1, "the first fix, committed")
        sql(db, REFUSE)  # the disk is full
        for i in range(1, OUTAGE + 1):
            assert publish(b, TOPIC, location(s.route, 10.0 + 0.1 * i, i))
        await wait_for(lambda: source.status().fixes >= OUTAGE, "the outage's fixes, refused")
        assert s.not_saving is not None and len(feed_times(db)) == 1
        sql(db, "DROP TRIGGER refuse_feed")  # space again
        after = OUTAGE + 5
        assert publish(b, TOPIC, location(s.route, 10.0 + 0.1 * after, after))
        await wait_for(
            lambda: T0 + timedelta(minutes=after) in feed_times(db),
            "a fix sent after the outage, committed",
        )
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        s.close()
