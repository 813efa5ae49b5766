"""Two cars of one athlete (issue 12): each car publishes to its own Mosquitto, bridged to the
event's broker (its own subtree out, its peer's log and pos in). With the event broker killed
(SIGKILL) mid-stream, rows in flight to it, and started again, and a car broker restarted, every
log row of each car ends up on the other car once, and on a persistent subscriber of the event
broker in order; both cars show the same km, live and reopened from their logs."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

from helpers.mosquitto import Bridge, Broker, Subscriber, brokers, needs_mosquitto
from helpers.share_events import (
    EVENT_ID,
    NOW,
    publishing,
    received_ids,
    share_event,
    shared_ids,
    wait_for,
)

from companion.service import EventSession

__all__ = ["brokers"]
pytestmark = needs_mosquitto
E = f"companion/v1/{EVENT_ID}"


def car_broker(brokers: Callable[..., Broker], event: Broker, unit: str, peer: str) -> Broker:
    into = (f"{E}/{peer}/log", f"{E}/{peer}/pos")
    bridge = Bridge(event, f"{unit}-up", out=(f"{E}/{unit}/#",), into=into)
    return brokers(unit, bridges=[bridge]).start()


def saved(broker: Broker, client_ids: tuple[str, ...]) -> bool:
    """True once the broker's persistence file holds the sessions of `client_ids`."""
    path = broker.dir / "data" / "mosquitto.db"
    data = path.read_bytes() if path.exists() else b""
    return all(c.encode() in data for c in client_ids)


def merged_from(db: Path, unit: str) -> list[int]:
    """The remote ids of `unit` this log holds, and how often each row arrived in `events`."""
    with contextlib.closing(sqlite3.connect(db)) as c:
        ids = [r[0] for r in c.execute(
            "SELECT remote_id FROM share_peer_rows WHERE unit = ? AND local_id IS NOT NULL "
            "ORDER BY remote_id", (unit,))]  # fmt: skip
        rows = c.execute("SELECT count(*) FROM events WHERE source LIKE ?", (f"%@{unit}",))
        assert rows.fetchone()[0] == len(ids)  # each merged once, nothing else from it
    return ids


async def test_two_cars_one_timeline_through_outages(
    tmp_path: Path, brokers: Callable[..., Broker]
) -> None:
    # autosave_on_changes: it saves after each change, as the README's event broker does.
    event = brokers("event", extra="autosave_on_changes true").start()
    b1 = car_broker(brokers, event, "car1", "car2")
    b2 = car_broker(brokers, event, "car2", "car1")
    organiser = Subscriber(event, [f"{E}/+/log"], "organiser", persistent=True)
    ev1, db1 = share_event(tmp_path / "car1", b1.url, "car1", ("car2",))
    ev2, db2 = share_event(tmp_path / "car2", b2.url, "car2", ("car1",))
    s1, s2 = EventSession.open(ev1, db1), EventSession.open(ev2, db2)

    def car1(km: int, at: str) -> None:
        s1.checkpoint(f"km {km}", f"2021-08-15T{at}", NOW, force=True)

    def car2(km: int, at: str) -> None:
        s2.checkpoint(f"km {km}", f"2021-08-15T{at}", NOW, force=True)

    def complete() -> bool:
        return merged_from(db1, "car2") == shared_ids(db2) and merged_from(
            db2, "car1"
        ) == shared_ids(db1)

    try:
        async with publishing(s1) as p1, publishing(s2) as p2:
            # The first time only, a row sent before the far end's subscription exists would be
            # lost: the bridges and the peers' subscriptions are persistent from then on.
            await wait_for(lambda: b1.bridge_up("car1-up") and b2.bridge_up("car2-up"), "bridges")
            await wait_for(lambda: p1.state.subscribed and p2.state.subscribed, "subscriptions")
            car1(10, "07:00")
            car2(20, "08:30")
            car1(30, "10:00")
            await wait_for(lambda: p1.state.merged >= 1 and p2.state.merged >= 2, "the first rows")

            def organised(unit: str, db: Path) -> bool:
                return received_ids([m.payload for m in organiser.got()], unit) == shared_ids(db)

            # What it acknowledged is saved (its sessions, the organiser's queue): the kill then
            # loses nothing it took. A row it takes and dies before saving is the known limit.
            await wait_for(lambda: organised("car1", db1) and organised("car2", db2), "organiser")
            await wait_for(lambda: saved(event, ("organiser", "car1-up", "car2-up")), "its save")
            # The event's broker hangs (connections up, nothing answered), rows are sent into it,
            # and it is killed mid-stream: they are in flight, unacknowledged, in the car brokers.
            event.pause()
            car2(40, "12:00")
            car1(50, "14:00")
            s1.undo()  # takes back km 50, on both cars
            car2(48, "13:30")
            s2.edit_last_time("2021-08-15T13:45", NOW, force=True)
            await wait_for(lambda: p1.state.cursor == max(shared_ids(db1)), "car1 to its broker")
            await wait_for(lambda: p2.state.cursor == max(shared_ids(db2)), "car2 to its broker")
            event.kill()  # SIGKILL: only what it saved survives
            b1.restart()  # the car's broker restarts while the uplink is down
            car1(55, "16:00")
            event.start()
            car2(60, "18:00")
            await wait_for(complete, "every row of each car on the other", 60.0)
            await wait_for(lambda: organised("car1", db1) and organised("car2", db2), "organiser")
            assert p1.state.dropped == p2.state.dropped == 0
            live = (s1.progress(NOW).km_total, s2.progress(NOW).km_total)
        assert live == (60.0, 60.0)
        assert len(shared_ids(db1)) == 5 and len(shared_ids(db2)) == 5  # 4 + undo; 4 + edit
    finally:
        organiser.close()
        s1.close()
        s2.close()
    for ev, db in ((ev1, db1), (ev2, db2)):  # reopened: the log alone gives the same km
        with EventSession.open(ev, db, readonly=True) as again:
            p = again.progress(NOW)
            assert p.km_total == 60.0
            # km 50 undone and km 48 moved to 13:45 on both: the day's entries as hand-listed.
            kms = [f.km for f in again.tracker.fixes]
            assert kms == [10.0, 20.0, 30.0, 40.0, 48.0, 55.0, 60.0]


def test_a_peers_gps_fix_does_not_judge_this_cars_feed(tmp_path: Path) -> None:
    """The other car's GPS fix (merged, newer) does not make this car's next own fix 'time went
    backwards' after a replay: the feed's filter goes on from this car's own last fix."""
    from datetime import timedelta

    from companion.core.models import Fix
    from companion.share.store import PeerRow, ShareStore

    event, db = share_event(tmp_path, "mqtt://127.0.0.1:1", "car1", ("car2",))
    with EventSession.open(event, db) as s:
        t = NOW.replace(hour=3)
        p0, p1, p2 = (s.route.point_at(km) for km in (60.0, 60.05, 60.1))
        assert s.add_feed_fix(Fix(t, p0.lat, p0.lon, source="gpsd"), NOW).accepted
        s.flush()
        store = ShareStore(db)
        peer = PeerRow("car2", 7, "fix", (t + timedelta(seconds=30)).isoformat(), p2.lat, p2.lon,
                       60.1, "gpsd", None, None)  # fmt: skip
        merged = store.merge(peer)
        store.close()
        assert merged is not None and merged.fix is not None
        assert merged.fix.source == "gpsd@car2"
        s.replay()  # as an undo from a peer does
        own = Fix(t + timedelta(seconds=10), p1.lat, p1.lon, source="gpsd")
        result = s.add_feed_fix(own, NOW)
        assert result.accepted, result.reason
