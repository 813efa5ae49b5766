"""A publisher, an MQTT feed and the board's watcher told to stop stop, even when their one
cancel lands in the loop turn something they wait for arrives (Python 3.11's asyncio.wait_for
then returns normally and the cancel is lost, gh-86296): a peer's row waking the poll, or the
PUBACK / SUBACK that aiomqtt was awaiting. Seen as `companion share` / `follow` still running
60 s after SIGTERM on a loaded CI machine. Real Mosquitto; the cancel is put in that turn by a
hook on the real client's PUBACK or SUBACK callback."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiomqtt
import pytest
from helpers.mosquitto import Broker, brokers, needs_mosquitto
from helpers.share_events import (
    EVENT_ID,
    NOW,
    run_ok,
    share_event,
    shared_ids,
    stop,
    wait_for,
    wait_said,
)

from companion.service import EventSession
from companion.share.config import parse_broker_url
from companion.share.publisher import Publisher
from companion.share.watch import watch
from companion.sources.mqtt import MqttSource

__all__ = ["brokers"]
pytestmark = needs_mosquitto
COMPANION = [sys.executable, "-m", "companion"]
ENDS_S = 30.0  # a bound on the wait, not a measurement: a publisher that stops does so at once


async def _settled(pub: Publisher, status_every_s: float) -> asyncio.Task[None]:
    task = asyncio.create_task(pub.run())
    await wait_for(lambda: pub.state.subscribed, "the publisher to connect")
    await asyncio.sleep(status_every_s * 3)  # its first status out: parked in its poll
    return task


async def _ends(task: asyncio.Task[None]) -> bool:
    done, _ = await asyncio.wait({task}, timeout=ENDS_S)
    if not done:
        task.cancel()  # the second cancel lands; the test has failed already
        await asyncio.wait({task}, timeout=ENDS_S)
    return bool(done) and task.cancelled()


async def test_a_cancel_as_the_poll_is_woken_stops_it(
    tmp_path: Path, brokers: Callable[..., Broker]
) -> None:
    b = brokers("car").start()
    event, db = share_event(tmp_path, b.url, "car1")
    with EventSession.open(event, db) as s:
        pub = Publisher(s, now=lambda: NOW)
        try:
            task = await _settled(pub, 0.1)
            pub.notify()  # what a peer's merged row does
            task.cancel()  # in the same turn: SIGTERM as the row arrives
            assert await _ends(task), "the publisher ran on after its cancel"
        finally:
            pub.close()


async def test_a_cancel_as_a_puback_arrives_stops_it(
    tmp_path: Path, brokers: Callable[..., Broker], monkeypatch: pytest.MonkeyPatch
) -> None:
    b = brokers("car").start()
    event, db = share_event(tmp_path, b.url, "car1")
    armed: list[Callable[[], None]] = []
    fired: list[int] = []
    make_client = Publisher._client

    def client_with_hook(self: Publisher) -> Any:
        client = make_client(self)
        paho = client._client
        on_publish = paho.on_publish

        def hooked(*args: Any) -> None:
            on_publish(*args)  # aiomqtt's: the PUBACK's waiter is done
            if armed:
                fired.append(1)
                armed.pop()()  # and the cancel lands in this same turn

        paho.on_publish = hooked
        return client

    monkeypatch.setattr(Publisher, "_client", client_with_hook)
    with EventSession.open(event, db) as s:
        pub = Publisher(s, now=lambda: NOW, status_every_s=0.1)  # a status publish every turn
        try:
            task = await _settled(pub, 0.1)
            armed.append(task.cancel)
            await wait_for(lambda: bool(fired), "the next PUBACK")
            assert await _ends(task), "the publisher ran on after its cancel"
        finally:
            pub.close()


def _cancel_on_first_suback(monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], list[int]]:
    """Once armed with a task, the next SUBACK any aiomqtt client gets cancels it in that turn."""
    armed: list[Any] = []
    fired: list[int] = []
    on_subscribe = aiomqtt.Client._on_subscribe

    def hooked(self: aiomqtt.Client, *args: Any) -> None:
        on_subscribe(self, *args)  # aiomqtt's: the subscribe's future is done
        if armed:
            fired.append(1)
            armed.pop().cancel()

    monkeypatch.setattr(aiomqtt.Client, "_on_subscribe", hooked)
    return armed, fired


async def test_an_mqtt_feed_cancelled_as_its_suback_arrives_stops(
    brokers: Callable[..., Broker], monkeypatch: pytest.MonkeyPatch
) -> None:
    b = brokers("car").start()
    armed, fired = _cancel_on_first_suback(monkeypatch)
    source = MqttSource(f"{b.url}/owntracks/sufiya/phone")
    task = asyncio.create_task(source.run(lambda fix: None, lambda status: None))
    armed.append(task)
    await wait_for(lambda: bool(fired), "the feed's SUBACK")
    assert await _ends(task), "the feed ran on after its cancel"


async def test_the_watcher_cancelled_as_its_suback_arrives_stops(
    brokers: Callable[..., Broker], monkeypatch: pytest.MonkeyPatch
) -> None:
    b = brokers("event").start()
    armed, fired = _cancel_on_first_suback(monkeypatch)
    broker = parse_broker_url(f"{b.url}/{EVENT_ID}")
    task = asyncio.create_task(watch(broker, EVENT_ID, lambda *m: None, lambda *s: None))
    armed.append(task)
    await wait_for(lambda: bool(fired), "the watcher's SUBACK")
    assert await _ends(task), "the watcher ran on after its cancel"


def test_share_stops_on_sigterm_with_its_broker_paused(
    tmp_path: Path, brokers: Callable[..., Broker]
) -> None:
    """A broker that is there and never answers (SIGSTOP: the TCP connection stays up, no
    PUBACK comes): `companion share` waiting for one still ends on SIGTERM, exit 0, and its cursor
    does not pass the row the broker never acknowledged."""
    b = brokers("car").start()
    event, db = share_event(tmp_path, b.url, "car1")
    out = tmp_path / "share.out"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1"}
    now = ["--now", "2021-08-16T18:30:00+05:30"]
    with out.open("w") as f:
        proc = subprocess.Popen([*COMPANION, "share", str(event), "--db", str(db)], stdout=f,
                                stderr=subprocess.STDOUT, env=env)  # fmt: skip
    assert b.proc is not None
    try:
        wait_said(proc, out, "share: connected", "share to connect")
        os.kill(b.proc.pid, signal.SIGSTOP)
        cmd = [*COMPANION, "checkpoint", str(event), "--db", str(db), "--km", "70", *now]
        run_ok(cmd)
        assert stop(proc, out) == 0, out.read_text()
    finally:
        os.kill(b.proc.pid, signal.SIGCONT)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert f"cursor at row {max(shared_ids(db))}" not in out.read_text()
