"""A feed fix chosen for the `pos` topic whose publish failed (the link dropped before its
PUBACK) goes out when the chunk is sent again: the thinning must not count it as sent. The link
is a stand-in client whose first publish fails as aiomqtt's does when the connection drops: a
real broker cannot be made to lose exactly that PUBACK on cue."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import aiomqtt
import pytest
from helpers.share_events import NOW, share_event

from companion.core.models import Fix
from companion.service import EventSession
from companion.share.publisher import Publisher


class DroppingLink:
    """Publishes into a list; the first publish fails as a dropped connection does."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes]] = []
        self.calls = 0

    async def publish(self, topic: str, payload: bytes, qos: int = 0, retain: bool = False) -> None:
        self.calls += 1
        if self.calls == 1:
            raise aiomqtt.MqttError("Operation timed out")
        self.sent.append((topic, payload))


async def test_a_pos_fix_whose_publish_failed_is_sent_again(tmp_path: Path) -> None:
    ev, db = share_event(tmp_path, "mqtt://127.0.0.1:9", "car1")
    with EventSession.open(ev, db) as s:
        # Two GPS fixes 10 s apart at one place: the second is thinned (under 30 s, 100 m).
        for dt_s in (0, 10):
            fix = Fix(NOW + timedelta(seconds=dt_s), 21.7051, 72.9959, source="nmea")
            assert s.add_feed_fix(fix, NOW + timedelta(seconds=dt_s), prefiltered=True).accepted
        s.flush()
        pub = Publisher(s, now=lambda: NOW)
        try:
            link = DroppingLink()
            with pytest.raises(aiomqtt.MqttError):
                await pub._drain(link)  # type: ignore[arg-type]
            await pub._drain(link)  # type: ignore[arg-type]  # after the reconnect
            pos = [t for t, _p in link.sent if t.endswith("/pos")]
            assert len(pos) == 1  # the first fix, not thinned away by its own failed send
        finally:
            pub.close()
