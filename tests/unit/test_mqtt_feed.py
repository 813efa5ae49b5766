"""The MQTT feed (issue 12) against a real Mosquitto: an OwnTracks phone publishing live fixes and,
interleaved, the ones it buffered while offline (logged in their place, not refused as "time went
backwards"), a second delivery of a fix, an empty retained message; a Traccar forwarder's
envelope; and the Traccar envelope over the HTTP feed, which refused it before."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from helpers.mosquitto import Broker, brokers, needs_mosquitto, publish
from helpers.share_events import wait_for

from companion.core.models import Fix
from companion.service import EventSession
from companion.sources.base import FeedError, open_source
from companion.sources.mqtt import MqttSource

__all__ = ["brokers"]
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
TOPIC = "owntracks/sufiya/phone"


def event_file(folder: Path) -> Path:
    path = folder / "event.toml"
    path.write_text('name = "Unity"\nathlete = "A"\nroute = "unity-run-2021"\n'
                    'timezone = "Asia/Kolkata"\nplanned_kmh = 7.0\n')  # fmt: skip
    return path


def owntracks(s: EventSession, km: float, minutes: int, vel: int = 7) -> dict[str, object]:
    p = s.route.point_at(km)
    tst = int((T0 + timedelta(minutes=minutes)).timestamp())
    # As PEERS.md shows a phone's message: vel in km/h, acc/alt only when not zero.
    return {"_type": "location", "tid": "SK", "tst": tst, "lat": round(p.lat, 6),
            "lon": round(p.lon, 6), "acc": 8, "vel": vel, "batt": 76}  # fmt: skip


@contextlib.asynccontextmanager
async def feeding(s: EventSession, url: str) -> Iterator[MqttSource]:  # type: ignore[misc]
    source = open_source(url, max_kmh=s.event.max_kmh)
    assert isinstance(source, MqttSource)
    s.attach(source)
    task = asyncio.create_task(
        source.run(lambda f: s.add_feed_fix(f, prefiltered=True), lambda st: None)
    )
    try:
        await wait_for(lambda: source.status().state.value == "connected", "the feed connected")
        yield source
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        s.flush()


@needs_mosquitto
async def test_owntracks_live_and_buffered_fixes(
    tmp_path: Path, brokers: Callable[..., Broker]
) -> None:
    b = brokers("phone").start()
    s = EventSession.open(event_file(tmp_path), tmp_path / "e.sqlite")
    live = [(10.0, 0), (10.5, 4), (11.0, 8), (11.5, 12)]  # km, minutes after T0
    late = [(10.25, 2), (10.75, 6)]  # buffered while the phone was offline, sent after
    async with feeding(s, f"{b.url}/{TOPIC}") as feed:
        for km, m in live[:2]:
            assert publish(b, TOPIC, json.dumps(owntracks(s, km, m)))
        await wait_for(lambda: feed.status().fixes == 2, "the first live fixes")
        assert publish(b, TOPIC, json.dumps(owntracks(s, *live[2])))
        for km, m in late:  # interleaved with live ones, as phones do
            assert publish(b, TOPIC, json.dumps(owntracks(s, km, m)))
        assert publish(b, TOPIC, json.dumps(owntracks(s, *live[1])))  # the same fix again
        assert publish(b, TOPIC, json.dumps(owntracks(s, *live[3])), retain=True)
        assert publish(b, TOPIC, b"")  # zero-length bodies occur
        assert publish(b, TOPIC + "/info", json.dumps({"_type": "card", "name": "Sufiya"}))
        await wait_for(lambda: feed.status().fixes == 6, "every fix")
        assert (feed.late, feed.status().rejected) == (2, 0)
    fixes = s.tracker.fixes
    expected = sorted(live + late, key=lambda x: x[1])
    assert [f.time for f in fixes] == [T0 + timedelta(minutes=m) for _km, m in expected]
    # Placed where they fall in time: km 10.3 was passed at minute 4 (10.25 at 2, 10.5 at 4),
    # not at minute 2, where a late fix placed on from the newest one (km 11) would put it.
    assert s.tracker.reached_at(10.3) == T0 + timedelta(minutes=4)
    assert s.tracker.reached_at(10.8) == T0 + timedelta(minutes=8)
    assert s.progress(T0 + timedelta(minutes=13)).km_total == pytest.approx(11.5, abs=0.05)
    assert fixes[0].speed_mps == pytest.approx(7 / 3.6)  # vel in km/h
    with contextlib.closing(sqlite3.connect(tmp_path / "e.sqlite")) as c:
        n = c.execute("SELECT count(*) FROM events WHERE kind='fix' AND source='mqtt'").fetchone()
    assert n[0] == 6  # logged, each once
    s.close()


@needs_mosquitto
async def test_a_traccar_forwarder_over_mqtt(
    tmp_path: Path, brokers: Callable[..., Broker]
) -> None:
    b = brokers("traccar").start()
    s = EventSession.open(event_file(tmp_path), tmp_path / "e.sqlite")
    p = s.route.point_at(42.0)
    when = (T0 + timedelta(minutes=1)).isoformat().replace("+00:00", ".000+00:00")
    envelope = {"position": {"id": 7, "deviceId": 3, "latitude": p.lat, "longitude": p.lon,
                             "fixTime": when, "speed": 10.0, "valid": True},
                "device": {"id": 3, "name": "Sufiya's phone", "uniqueId": "123456"}}  # fmt: skip
    async with feeding(s, f"{b.url}/traccar/+") as feed:
        assert publish(b, "traccar/3", json.dumps(envelope))
        await wait_for(lambda: feed.status().fixes == 1, "the forwarded position")
    (fix,) = s.tracker.fixes
    assert fix.time == T0 + timedelta(minutes=1)
    assert fix.speed_mps == pytest.approx(10.0 * 1852 / 3600)  # Traccar speaks knots
    assert fix.km == pytest.approx(42.0, abs=0.05)
    s.close()


def test_mqtt_feed_urls_are_checked(tmp_path: Path) -> None:
    with pytest.raises(FeedError, match="give the topic"):
        open_source("mqtt://127.0.0.1:1883")
    with pytest.raises(FeedError) as e:
        open_source("mqtt://u:hunter2@:1883/x")
    assert "hunter2" not in str(e.value)


class _Envelope(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def envelope_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Envelope)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


async def test_a_traccar_envelope_over_http(envelope_server: ThreadingHTTPServer) -> None:
    when = T0 + timedelta(minutes=3)
    _Envelope.body = json.dumps({
        "position": {"deviceId": 3, "latitude": 22.3072, "longitude": 73.1812,
                     "fixTime": when.isoformat(), "speed": 4.0, "course": 90.0, "valid": True},
        "device": {"id": 3, "name": "phone"},
    }).encode()  # fmt: skip
    port = envelope_server.server_address[1]
    source = open_source(f"http://127.0.0.1:{port}/forward?every=0.2")
    got: list[Fix] = []
    task = asyncio.create_task(source.run(got.append, lambda st: None))
    try:
        await wait_for(lambda: bool(got), "the envelope's position")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    fix = got[0]
    assert (fix.time, fix.lat, fix.lon, fix.course_deg) == (when, 22.3072, 73.1812, 90.0)
    assert fix.speed_mps == pytest.approx(4.0 * 1852 / 3600)
    assert source.status().rejected == 0
