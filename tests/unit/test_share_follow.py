"""`companion follow` with [share] (issue 12), as a person runs it: an OwnTracks phone as the feed
on the car's broker, and the same broker carrying the car's pos and status out. SIGTERM ends it,
flushed, with the cursor past every fix it logged."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from helpers.mosquitto import Broker, Subscriber, brokers, needs_mosquitto, publish, wait_until
from helpers.share_events import EVENT_ID, share_event, stop, wait_said

from companion.service import EventSession

__all__ = ["brokers"]
pytestmark = needs_mosquitto
COMPANION = [sys.executable, "-m", "companion"]


def test_follow_publishes_the_feed(tmp_path: Path, brokers: Callable[..., Broker]) -> None:
    b = brokers("car").start()
    event, db = share_event(tmp_path, b.url, "car1")
    with EventSession.open(event, db) as s:
        points = [s.route.point_at(km) for km in (100.0, 100.5)]
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=20)
    sub = Subscriber(b, [f"companion/v1/{EVENT_ID}/car1/#"], "watch", persistent=False)
    out = (tmp_path / "follow.out").open("w+")
    cmd = [*COMPANION, "follow", str(event), "--db", str(db), "--every", "1",
           "--feed", f"{b.url}/owntracks/sufiya/phone"]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1"}
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        wait_said(proc, Path(out.name), "subscribed to owntracks", "the feed")
        for i, p in enumerate(points):  # 4 min apart: each one passes the pos thinning
            tst = int((t0 + timedelta(minutes=4 * i)).timestamp())
            doc = {"_type": "location", "tid": "SK", "tst": tst, "lat": p.lat, "lon": p.lon}
            assert publish(b, "owntracks/sufiya/phone", json.dumps(doc))

        def pos() -> list[float]:
            return [json.loads(m.payload)["km"] for m in sub.got() if m.topic.endswith("/pos")]

        wait_until(lambda: len(pos()) == 2, "both fixes on pos")
        assert [round(k, 1) for k in pos()] == [100.0, 100.5]
        wait_until(lambda: any(m.topic.endswith("/status") and json.loads(m.payload)["km_total"]
                               > 100.4 for m in sub.got()), "the status")  # fmt: skip
    finally:
        try:
            code = stop(proc, Path(out.name))
        finally:
            sub.close()
    out.seek(0)
    assert code == 0, out.read()
    with contextlib.closing(sqlite3.connect(db)) as c:
        top = c.execute("SELECT max(id) FROM events WHERE kind = 'fix'").fetchone()[0]
        cursor = c.execute("SELECT last_id FROM share_cursor").fetchone()[0]
    assert cursor >= top


def test_follow_stops_on_sigterm_with_its_broker_gone(
    tmp_path: Path, brokers: Callable[..., Broker]
) -> None:
    """Seen: a follow whose broker had gone ignored SIGTERM, the publisher retrying forever (the
    MQTT library turned the cancel into an MqttError, which it retried)."""
    b = brokers("car").start()
    event, db = share_event(tmp_path, b.url, "car1")
    out = tmp_path / "follow.out"
    cmd = [*COMPANION, "follow", str(event), "--db", str(db),
           "--feed", f"{b.url}/owntracks/sufiya/phone"]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1"}
    with out.open("w") as f:
        proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=env)
    try:
        wait_said(proc, out, "share: connected", "follow to publish")
        # The feed too: one that never answered is exit 1 (the two connect in either order).
        wait_said(proc, out, "feed connected", "the feed to connect")
        b.kill()  # the car's broker dies: the feed and the publisher both retry
        wait_said(proc, out, "retrying", "the publisher to retry")
        assert stop(proc, out) == 0, out.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
