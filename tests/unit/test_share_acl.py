"""Security (issue 12) on a real Mosquitto run with the config and ACL `companion broker-config`
writes: with passwords, a unit writes only its own subtree (and its OwnTracks topics), never
another unit's; a follower cannot write at all, and both read the statuses. A Publisher with its
unit's password works through it. MQTT v5 clients, so the broker's PUBACK says "not authorized"
rather than dropping the message silently; a reader checks nothing denied got through."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

from helpers.mosquitto import Broker, Subscriber, brokers, free_port, needs_mosquitto, wait_until
from helpers.share_events import EVENT_ID, NOW, publishing, share_event, wait_for

from companion.service import EventSession
from companion.share.broker_config import Listener, event_acl, event_broker_conf

__all__ = ["brokers"]
pytestmark = needs_mosquitto
E = f"companion/v1/{EVENT_ID}"
USERS = {"car1": "pw-car1", "car2": "pw-car2", "family": "pw-family", "org": "pw-org"}
NOT_AUTHORIZED = 135


def acl_broker(tmp_path: Path, brokers: Callable[..., Broker]) -> Broker:
    d = tmp_path / "event-broker"
    d.mkdir()
    passwd = d / "passwd"
    for i, (user, pw) in enumerate(USERS.items()):
        cmd = ["mosquitto_passwd", "-b", *(["-c"] if i == 0 else []), str(passwd), user, pw]
        subprocess.run(cmd, check=True, capture_output=True, timeout=60)
    (d / "acl").write_text(event_acl(EVENT_ID, ("family", "org")))
    port = free_port()
    conf = event_broker_conf(
        Listener(port, "127.0.0.1"), str(d / "data"), str(passwd), str(d / "acl")
    )
    (d / "data").mkdir()
    b = brokers("event", port=port)
    b.raw = conf
    return b.start()


class V5:
    """A paho MQTT v5 client; `publish` returns the PUBACK's reason code."""

    def __init__(self, broker: Broker, user: str) -> None:
        import paho.mqtt.client as mqtt

        self.acks: dict[int, int] = {}
        self.done = threading.Condition()
        self.c = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=f"v5-{user}", protocol=mqtt.MQTTv5
        )
        self.c.username_pw_set(user, USERS[user])
        self.c.on_publish = self._acked
        self.c.connect("127.0.0.1", broker.port)
        self.c.loop_start()

    def _acked(self, client: object, userdata: object, mid: int, rc: object, props: object) -> None:
        with self.done:
            self.acks[mid] = int(rc.value if hasattr(rc, "value") else rc)  # type: ignore[attr-defined]
            self.done.notify_all()

    def publish(self, topic: str, payload: bytes = b"x") -> int:
        info = self.c.publish(topic, payload, qos=1)
        wait_until(lambda: info.mid in self.acks, f"the PUBACK for {topic}")
        return self.acks[info.mid]

    def close(self) -> None:
        self.c.disconnect()
        self.c.loop_stop()


def test_units_write_their_own_subtree_and_followers_only_read(
    tmp_path: Path, brokers: Callable[..., Broker]
) -> None:
    b = acl_broker(tmp_path, brokers)
    reader = Subscriber(b, [f"{E}/#", "owntracks/#"], "org-reader", persistent=False,
                        username="org", password=USERS["org"])  # fmt: skip
    car1, family = V5(b, "car1"), V5(b, "family")
    try:
        assert car1.publish(f"{E}/car1/log", b"own") == 0
        assert car1.publish("owntracks/sufiya-khan/car1", b"own-ot") == 0
        assert car1.publish(f"{E}/car2/log", b"forged") == NOT_AUTHORIZED
        assert car1.publish(f"{E}/car2/status", b"forged") == NOT_AUTHORIZED
        assert car1.publish("owntracks/sufiya-khan/car2", b"forged") == NOT_AUTHORIZED
        assert car1.publish("elsewhere/topic", b"forged") == NOT_AUTHORIZED
        for topic in (f"{E}/family/status", f"{E}/car1/status", "owntracks/x/family", "a/b"):
            assert family.publish(topic, b"forged") == NOT_AUTHORIZED
        assert car1.publish(f"{E}/car1/status", b"marker") == 0  # after all the others
        wait_until(lambda: any(m.payload == b"marker" for m in reader.got()), "the marker")
        assert [m.payload for m in reader.got()] == [b"own", b"own-ot", b"marker"]
    finally:
        car1.close()
        family.close()
        reader.close()


async def test_a_publisher_through_the_acl(tmp_path: Path, brokers: Callable[..., Broker]) -> None:
    b = acl_broker(tmp_path, brokers)
    url = f"mqtt://car1:{USERS['car1']}@127.0.0.1:{b.port}"
    event, db = share_event(tmp_path / "car1", url, "car1", athlete="Sufiya Khan")
    s = EventSession.open(event, db)
    s.checkpoint("km 70", "2021-08-16T10:00", NOW)
    family = Subscriber(b, [f"{E}/+/status", "owntracks/#"], "family-reader", persistent=False,
                        username="family", password=USERS["family"])  # fmt: skip
    try:
        async with publishing(s) as pub:
            await wait_for(
                lambda: any(m.topic == f"{E}/car1/status" for m in family.got()), "status"
            )
            ot = "owntracks/sufiya-khan/car1"
            await wait_for(lambda: any(m.topic == ot for m in family.got()), "the location")
            assert pub.state.cursor > 0 and pub.state.connected
    finally:
        family.close()
        s.close()
