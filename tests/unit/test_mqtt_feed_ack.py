"""An MQTT feed's message is acknowledged to the broker only once its fixes are written to the
log (issue 12): `companion follow` killed with SIGKILL after it received a phone's fix, before
its batch was committed, gets that fix again from its persistent session when it is started
again; and a clean stop sends the acknowledgements of the batch it commits on the way out, so
nothing is resent. (A write that fails acknowledges too: test_mqtt_feed_outage.)

Deterministic, not timed: the test holds the log's write lock, so the batch cannot be committed
(the process waits its 30 s busy timeout); the fix comes in one message with a second position,
from the future, which the feed refuses and says so (-v) just after it batched the first; only
then is the process killed."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from helpers.mosquitto import Broker, brokers, needs_mosquitto, publish, wait_until
from helpers.share_events import stop, wait_for, wait_said

from companion.core.route import Route
from companion.event import load_event
from companion.event_route import load_event_route
from companion.logbook import Logbook
from companion.service import EventSession
from companion.sources.base import open_source
from companion.sources.mqtt import MqttSource

__all__ = ["brokers"]
pytestmark = needs_mosquitto
COMPANION = [sys.executable, "-m", "companion"]
TOPIC = "owntracks/sufiya/phone"
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
REFUSE = (
    "CREATE TRIGGER refuse_feed BEFORE INSERT ON events WHEN NEW.kind = 'fix' "
    "AND NEW.source = 'mqtt' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
)


def event_file(folder: Path) -> Path:
    path = folder / "event.toml"
    path.write_text('name = "Unity"\nathlete = "A"\nroute = "unity-run-2021"\n'
                    'timezone = "Asia/Kolkata"\nplanned_kmh = 7.0\n')  # fmt: skip
    return path


def location(route: Route, km: float, minutes: int) -> str:
    """An OwnTracks location at `km`, `minutes` after T0 (as PEERS.md shows a phone's)."""
    p = route.point_at(km)
    tst = int((T0 + timedelta(minutes=minutes)).timestamp())
    return json.dumps({"_type": "location", "tid": "SK", "tst": tst, "lat": round(p.lat, 6),
                       "lon": round(p.lon, 6), "acc": 8, "vel": 7})  # fmt: skip


def feed_times(db: Path) -> list[datetime]:
    """The times of the feed's fixes in the log, oldest first, read with plain SQL."""
    with contextlib.closing(sqlite3.connect(db)) as c:
        rows = c.execute("SELECT time FROM events WHERE kind = 'fix' AND source = 'mqtt' "
                         "ORDER BY time").fetchall()  # fmt: skip
    return [datetime.fromisoformat(r[0]) for r in rows]


def sql(db: Path, statement: str) -> None:
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as c:
        c.execute(statement)


def test_a_fix_received_and_not_committed_comes_again_after_a_kill(
    tmp_path: Path, brokers: Callable[..., Broker]
) -> None:
    b = brokers("phone").start()
    event, db = event_file(tmp_path), tmp_path / "event.sqlite"
    with EventSession.open(event, tmp_path / "scratch.sqlite") as s:
        route = s.route
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1"}
    outs = [tmp_path / "follow1.out", tmp_path / "follow2.out"]
    a, b_time = T0, T0 + timedelta(minutes=4)
    future = json.loads(location(route, 10.6, 0))
    future["tst"] = int((datetime.now(UTC) + timedelta(hours=2)).timestamp())
    message = json.dumps([json.loads(location(route, 10.5, 4)), future])  # a list: one message

    def follow(out: Path) -> subprocess.Popen[bytes]:
        feed = f"{b.url}/{TOPIC}"
        cmd = [*COMPANION, "-v", "follow", str(event), "--db", str(db), "--feed", feed]
        with out.open("w") as f:
            return subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=env)

    first = follow(outs[0])
    second = None
    try:
        wait_said(first, outs[0], "feed connected", "the feed to connect")
        assert publish(b, TOPIC, location(route, 10.0, 0))  # subscribed: persistent from here
        wait_until(lambda: feed_times(db) == [a], "the first fix, committed")
        with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as lock:
            lock.execute("BEGIN IMMEDIATE")  # another process writing: the batch must wait
            assert publish(b, TOPIC, message)
            # Its future position refused, so its first one is in the batch, not committed.
            wait_said(first, outs[0], "fix rejected", "the message's second position refused")
            first.send_signal(signal.SIGKILL)  # received, not committed: still the broker's
            first.wait()
            lock.execute("ROLLBACK")
        assert feed_times(db) == [a]

        second = follow(outs[1])
        wait_until(lambda: len(feed_times(db)) == 2, "the second fix, from the broker", 60.0)
        assert feed_times(db) == [a, b_time]  # each once
        assert stop(second, outs[1]) == 0, outs[1].read_text()
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()


async def test_a_clean_stop_acknowledges_what_it_commits(
    tmp_path: Path, brokers: Callable[..., Broker]
) -> None:
    b = brokers("phone").start()
    db = tmp_path / "event.sqlite"
    event = load_event(event_file(tmp_path))
    # The batch's clock stands still: no append writes it, only a flush (the stop's).
    logbook = Logbook.open(db, monotonic=lambda: 0.0)
    s = EventSession(event, load_event_route(event), logbook, db)
    url = f"{b.url}/{TOPIC}"

    async def feed_until(count: int, *messages: str) -> MqttSource:
        """A feed (the same client id, so the same session each time) until `count` fixes."""
        source = open_source(url, max_kmh=s.event.max_kmh)
        assert isinstance(source, MqttSource)
        s.attach(source)
        task = asyncio.create_task(
            source.run(lambda f: s.add_feed_fix(f, prefiltered=True), lambda st: None)
        )
        try:
            await wait_for(lambda: source.status().state.value == "connected", "connected")
            for message in messages:
                assert publish(b, TOPIC, message)
            await wait_for(lambda: source.status().fixes == count, f"{count} fixes")
            assert s.logbook.pending_count == count  # the stop below commits them, and acks
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        return source

    try:
        await feed_until(2, location(s.route, 10.0, 0), location(s.route, 10.5, 4))
        assert s.logbook.pending_count == 0 and len(feed_times(db)) == 2
        # Had the two not been acknowledged, the broker would send them again first, in order:
        # the older a buffered fix logged twice, the newer refused as a duplicate.
        again = await feed_until(1, location(s.route, 11.0, 8))
        assert again.status().rejected == 0 and again.late == 0
        s.flush()
        assert feed_times(db) == [T0 + timedelta(minutes=m) for m in (0, 4, 8)]
    finally:
        s.close()
