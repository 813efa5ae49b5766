"""`companion broker-config` (issue 12): the event broker's config and ACL and a car broker's
config, as written, run by a real Mosquitto: the car's publisher reaches a read-only follower on
the event broker through the bridge (with the unit's password put in), and a peer's log row
published on the event broker comes in to the car and is merged."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from helpers.mosquitto import Broker, Subscriber, brokers, free_port, needs_mosquitto, wait_until
from helpers.share_events import EVENT_ID, NOW, publishing, share_event, shared_ids, wait_for

from companion.service import EventSession
from companion.share.broker_config import PASSWORD_PLACEHOLDER

__all__ = ["brokers"]
pytestmark = needs_mosquitto
COMPANION = [sys.executable, "-m", "companion"]
E = f"companion/v1/{EVENT_ID}"
USERS = {"car1": "pw-car1", "car2": "pw-car2", "family": "pw-family"}


def run(*args: str) -> str:
    r = subprocess.run([*COMPANION, *args], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


async def test_the_written_configs_run(tmp_path: Path, brokers: Callable[..., Broker]) -> None:
    event_port, car_port = free_port(), free_port()
    event, db = share_event(tmp_path / "car1", f"mqtt://127.0.0.1:{car_port}", "car1", ("car2",),
                            athlete="Sufiya Khan")  # fmt: skip
    ev_dir, car_dir = tmp_path / "event-broker", tmp_path / "car-broker"
    said = run("broker-config", str(event), "event", "--out", str(ev_dir), "--port",
               str(event_port), "--host", "127.0.0.1", "--follower", "family")  # fmt: skip
    assert "mosquitto_passwd" in said and "UNIT family" in said
    for i, (user, pw) in enumerate(USERS.items()):
        cmd = [
            "mosquitto_passwd",
            "-b",
            *(["-c"] if i == 0 else []),
            str(ev_dir / "passwd"),
            user,
            pw,
        ]
        subprocess.run(cmd, check=True, capture_output=True, timeout=60)
    run("broker-config", str(event), "car", "--out", str(car_dir), "--port", str(car_port),
        "--remote", f"127.0.0.1:{event_port}")  # fmt: skip
    car_conf = (car_dir / "car-car1.conf").read_text()
    assert PASSWORD_PLACEHOLDER in car_conf and "pw-car1" not in car_conf  # never written by us
    for d in (ev_dir, car_dir):
        (d / "data").mkdir()
    eb = brokers("event", port=event_port)
    eb.raw = (ev_dir / "event.conf").read_text() + "log_type all\n"  # for bridge_up
    eb.start()
    cb = brokers("car1", port=car_port)
    cb.raw = car_conf.replace(PASSWORD_PLACEHOLDER, USERS["car1"]) + "log_type all\n"
    cb.start()
    name = f"bridge-{EVENT_ID}-car1"
    wait_until(lambda: cb.bridge_up(name, subscribed=True), "the bridge, with its password")
    family = Subscriber(eb, [f"{E}/+/status"], "family", persistent=False,
                        username="family", password=USERS["family"])  # fmt: skip
    s = EventSession.open(event, db)
    s.checkpoint("km 40", "2021-08-16T09:00", NOW)
    peer_row = {"unit": "car2", "id": 3, "kind": "fix", "time": "2021-08-16T06:30:00+00:00",
                "lat": 19.5, "lon": 72.9, "km": 55.0, "source": "manual", "ref": None,
                "payload": {"label": "km 55"}}  # fmt: skip
    try:
        async with publishing(s) as pub:
            await wait_for(lambda: pub.state.cursor == max(shared_ids(db)), "car1's row out")

            def seen() -> list[float]:
                return [json.loads(m.payload)["km_total"] for m in family.got()]

            await wait_for(lambda: 40.0 in seen(), "car1's status at the follower")
            car2 = Subscriber(eb, [], "car2-pub", persistent=False, username="car2",
                              password=USERS["car2"])  # fmt: skip
            car2.client.publish(f"{E}/car2/log", json.dumps(peer_row), qos=1)
            await wait_for(lambda: pub.state.merged == 1, "car2's row in, through the bridge")
            await wait_for(lambda: 55.0 in seen(), "the merged km in car1's status")
            car2.close()
    finally:
        family.close()
        s.close()
