"""The broker fixtures themselves, and the Mosquitto behaviour the sharing design relies on
(issue 12): a bridged car broker stores and forwards while the event broker is down, across a
restart of the car broker, to a persistent subscriber of the event broker, in order."""

from __future__ import annotations

from collections.abc import Callable

from helpers.mosquitto import (
    Bridge,
    Broker,
    Subscriber,
    brokers,
    needs_mosquitto,
    publish,
    wait_until,
)

__all__ = ["brokers"]  # the fixture, used by name

pytestmark = needs_mosquitto


def test_a_retained_message_reaches_a_late_subscriber(brokers: Callable[..., Broker]) -> None:
    b = brokers("solo").start()
    assert publish(b, "companion/v1/e/car1/status", "first", retain=True)
    assert publish(b, "companion/v1/e/car1/status", "second", retain=True)
    sub = Subscriber(b, ["companion/#"], "late", persistent=False)
    try:
        wait_until(lambda: len(sub.got()) >= 1, "the retained status")
        got = sub.got()
        assert [(m.payload, m.retain) for m in got] == [(b"second", True)]  # only the latest
    finally:
        sub.close()


def test_a_bridge_stores_and_forwards_across_outages(brokers: Callable[..., Broker]) -> None:
    event = brokers("event").start()
    car = brokers("car", bridges=[Bridge(event, "car1-up", out=("companion/v1/e/car1/#",))])
    car.start()
    wait_until(lambda: car.bridge_up("car1-up"), "the car's bridge to connect")
    sub = Subscriber(event, ["companion/v1/e/+/log"], "organiser", persistent=True)
    topic = "companion/v1/e/car1/log"
    try:
        for i in range(3):
            assert publish(car, topic, f"{i}")
        wait_until(lambda: len(sub.got()) >= 3, "the first rows through the bridge")
        event.stop()  # the uplink is gone: the car's broker keeps what it cannot forward
        for i in range(3, 6):
            assert publish(car, topic, f"{i}")
        car.restart()  # and keeps it across its own restart
        for i in range(6, 8):
            assert publish(car, topic, f"{i}")
        event.start()
        wait_until(lambda: len(sub.got()) >= 8, "the rows held while the event broker was down")
        # Nothing asserted about duplicates here: QoS 1 is at least once; receivers drop them.
        seen: list[bytes] = []
        for m in sub.got():
            if m.payload not in seen:
                seen.append(m.payload)
        assert seen == [str(i).encode() for i in range(8)]
    finally:
        sub.close()
