"""A peer's row is acknowledged to the broker only once it is committed to this car's log
(issue 12): `companion share` killed with SIGKILL after it received a row it could not commit
gets that row again from its persistent session when it is started again.

Deterministic, not timed: a trigger on the real log refuses the peer's rows, so the merge fails
every time; the process says so on stdout, and only then is it killed. A row refused as
malformed before it is acknowledged all the same (else the broker resends it forever): the
restarted process drops nothing."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from helpers.mosquitto import Broker, brokers, needs_mosquitto, publish, wait_until
from helpers.share_events import EVENT_ID, share_event, stop, wait_said

__all__ = ["brokers"]
pytestmark = needs_mosquitto
COMPANION = [sys.executable, "-m", "companion"]
PEER_LOG = f"companion/v1/{EVENT_ID}/car2/log"
SECRET = "pw-Ack-7f3e"
REFUSE = (
    "CREATE TRIGGER refuse_car2 BEFORE INSERT ON events WHEN NEW.source LIKE '%@car2' "
    "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
)


def peer_row(row_id: int, km: float) -> bytes:
    doc = {"unit": "car2", "id": row_id, "kind": "fix", "time": f"2021-08-15T0{row_id}:00:00Z",
           "lat": 19.2, "lon": 72.9, "km": km, "source": "manual", "ref": None,
           "payload": {"label": f"km {km:g}"}}  # fmt: skip
    return json.dumps(doc).encode()


def merged(db: Path) -> list[tuple[int, float]]:
    """(remote id, km) of every car2 row in the log, read with plain SQL."""
    with contextlib.closing(sqlite3.connect(db)) as c:
        return list(c.execute(
            "SELECT p.remote_id, e.km FROM share_peer_rows p JOIN events e ON e.id = p.local_id "
            "WHERE p.unit = 'car2' ORDER BY p.remote_id"))  # fmt: skip


def sql(db: Path, statement: str) -> None:
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as c:
        c.execute(statement)


def test_a_row_received_and_not_committed_comes_again_after_a_kill(
    tmp_path: Path, brokers: Callable[..., Broker]
) -> None:
    b = brokers("car").start()
    url = b.url.replace("mqtt://", f"mqtt://car1:{SECRET}@")  # taken, as there is no passwd file
    event, db = share_event(tmp_path, url, "car1", ("car2",))
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1"}
    outs = [tmp_path / "share1.out", tmp_path / "share2.out"]

    def share(out: Path) -> subprocess.Popen[bytes]:
        with out.open("w") as f:
            return subprocess.Popen([*COMPANION, "share", str(event), "--db", str(db)],
                                    stdout=f, stderr=subprocess.STDOUT, env=env)  # fmt: skip

    first = share(outs[0])
    second = None
    try:
        wait_said(first, outs[0], "share: connected", "share to connect")

        def row_one_in() -> bool:  # sent again until its subscription exists (then persistent)
            return bool(merged(db)) or (publish(b, PEER_LOG, peer_row(1, 10)) and False)

        wait_until(row_one_in, "car2's first row")
        sql(db, REFUSE)
        assert publish(b, PEER_LOG, b"not a log row")  # refused: acknowledged, never again
        assert publish(b, PEER_LOG, peer_row(2, 20))
        wait_said(first, outs[0], "cannot merge a peer's entry", "the refusal")
        first.send_signal(signal.SIGKILL)  # received, not committed: still the broker's
        first.wait()
        sql(db, "DROP TRIGGER refuse_car2")
        assert merged(db) == [(1, 10.0)]

        second = share(outs[1])
        wait_until(lambda: len(merged(db)) == 2, "car2's second row, from the broker", 60.0)
        assert merged(db) == [(1, 10.0), (2, 20.0)]  # each once
        assert stop(second, outs[1]) == 0
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
    said = outs[1].read_text()
    assert "1 merged from peers, 0 dropped" in said, said
    # The password: in what either process said, its retries included, nor in the log.
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("event.sqlite*"))
    assert SECRET not in outs[0].read_text() + said and SECRET.encode() not in stored
