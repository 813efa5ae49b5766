"""A peer's fix stamped far ahead of this car's clock (a phone with a wrong clock) is refused
(issue 12): it would be "the latest position" for hours. The rule: more than PEER_AHEAD (5 min)
past this car's clock is refused, with a notice naming the unit, once per unit; within it, taken.
The same for an edit moving a fix there. Refused rows are acknowledged: the rows after them
still come."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from helpers.mosquitto import Broker, brokers, needs_mosquitto, publish
from helpers.share_events import EVENT_ID, NOW, publishing, share_event, wait_for

from companion.logbook import Logbook
from companion.logrows import to_iso
from companion.service import EventSession
from companion.share.store import PEER_AHEAD, AheadOfClock, PeerRow, ShareStore

__all__ = ["brokers"]
PEER_LOG = f"companion/v1/{EVENT_ID}/car2/log"


def fix(row_id: int, ahead: timedelta, km: float = 12.0) -> PeerRow:
    return PeerRow("car2", row_id, "fix", to_iso(NOW + ahead), 19.2, 72.9, km, "gpsd", None, None)


def test_the_rule(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite"
    Logbook.open(db).close()
    store = ShareStore(db, clock=lambda: NOW)
    try:
        assert timedelta(minutes=5) == PEER_AHEAD
        assert store.merge(fix(1, timedelta(minutes=4, seconds=59))) is not None  # clocks differ
        assert store.merge(fix(2, PEER_AHEAD)) is not None  # at the bound: taken
        with pytest.raises(AheadOfClock) as e:
            store.merge(fix(3, timedelta(hours=3, minutes=10)))
        # NOW is 13:00 UTC; 3 h 10 min later is 16:10.
        assert str(e.value) == (
            "car2's fix at 2021-08-16 16:10 UTC is 3 h 10 min ahead of this car's clock "
            "(2021-08-16 13:00 UTC): refused; is car2's clock wrong?"
        )
        edit = PeerRow("car2", 4, "edit", to_iso(NOW + timedelta(hours=1)), None, None, None,
                       None, 1, None)  # fmt: skip
        with pytest.raises(AheadOfClock, match="car2's edit"):
            store.merge(edit)
        back = PeerRow("car2", 5, "edit", to_iso(NOW - timedelta(hours=1)), None, None, None,
                       None, 1, None)  # fmt: skip
        assert store.merge(back) is not None  # an edit into the past is the crew's business
    finally:
        store.close()
    with contextlib.closing(sqlite3.connect(db)) as c:
        remote = [r[0] for r in c.execute("SELECT remote_id FROM share_peer_rows ORDER BY 1")]
    assert remote == [1, 2, 5]  # 3 and 4 never stored, not even as seen


@needs_mosquitto
async def test_a_peer_with_a_wrong_clock(tmp_path: Path, brokers: Callable[..., Broker]) -> None:
    b = brokers("car").start()
    event, db = share_event(tmp_path, b.url, "car1", ("car2",))
    lines: list[str] = []
    with EventSession.open(event, db) as s:
        s.checkpoint("km 40", "2021-08-16T09:00", NOW)
        async with publishing(s, say=lines.append) as pub:
            await wait_for(lambda: pub.state.subscribed, "the subscription")
            p = s.route.point_at(45.0)
            for row_id, hours in ((7, 5), (8, 6)):  # its phone's clock 5 h ahead, twice
                doc = {"unit": "car2", "id": row_id, "kind": "fix",
                       "time": to_iso(NOW + timedelta(hours=hours)), "lat": p.lat, "lon": p.lon,
                       "km": 45.0, "source": "gpsd", "ref": None, "payload": None}  # fmt: skip
                assert publish(b, PEER_LOG, json.dumps(doc))
            good = {"unit": "car2", "id": 9, "kind": "fix", "time": to_iso(NOW), "lat": p.lat,
                    "lon": p.lon, "km": 45.0, "source": "manual", "ref": None,
                    "payload": {"label": "km 45"}}  # fmt: skip
            assert publish(b, PEER_LOG, json.dumps(good))
            await wait_for(lambda: pub.state.merged == 1, "the row after the refused ones")
            assert pub.state.dropped == 2
            last = s.tracker.last_fix
        refused = [line for line in lines if "ahead of this car's clock" in line]
        assert len(refused) == 1 and "car2's fix" in refused[0]  # said once for the unit
        assert last is not None and last.time == NOW  # not 18:00 or 19:00 UTC
