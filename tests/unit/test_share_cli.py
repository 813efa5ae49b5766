"""`companion share EVENT` as a person runs it beside `companion checkpoint` (issue 12): each entry
typed in another process reaches the broker, and the retained status counts it; SIGTERM ends it
cleanly, the cursor saved. The broker URL's password is never printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from helpers.mosquitto import Broker, Subscriber, brokers, needs_mosquitto, wait_until
from helpers.share_events import EVENT_ID, share_event, shared_ids, stop

__all__ = ["brokers"]
pytestmark = needs_mosquitto
COMPANION = [sys.executable, "-m", "companion"]


def test_share_publishes_what_checkpoint_logs(
    tmp_path: Path, brokers: Callable[..., Broker]
) -> None:
    car = brokers("car").start()
    url = f"mqtt://car1:hunter2-secret@127.0.0.1:{car.port}"  # anonymous broker: ignored
    event, db = share_event(tmp_path / "car1", url, "car1")
    now = ["--now", "2021-08-16T18:30:00+05:30"]

    def checkpoint(*args: str) -> None:
        cmd = [*COMPANION, "checkpoint", str(event), "--db", str(db), *args, *now]
        subprocess.run(cmd, check=True, capture_output=True, timeout=60)

    checkpoint("--town", "Virar Phata", "--time", "2021-08-15T17:00")
    sub = Subscriber(car, [f"companion/v1/{EVENT_ID}/car1/#"], "watch", persistent=False)
    out = (tmp_path / "share.out").open("w+")
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1"}
    cmd = [*COMPANION, "share", str(event), "--db", str(db)]
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:

        def statuses() -> list[dict[str, object]]:
            return [json.loads(m.payload) for m in sub.got() if m.topic.endswith("/status")]

        wait_until(lambda: any(st["seq"] == max(shared_ids(db)) for st in statuses()), "status 1")
        checkpoint("--km", "70", "--time", "2021-08-16T10:00")
        wait_until(lambda: any(st["seq"] == max(shared_ids(db)) for st in statuses()), "status 2")
        last = [st for st in statuses() if st["seq"] == max(shared_ids(db))][-1]
        assert last["km_total"] == 70.0  # typed in another process, counted by the publisher
        logs = [json.loads(m.payload) for m in sub.got() if m.topic.endswith("/log")]
        assert [d["id"] for d in logs] == shared_ids(db)
    finally:
        try:
            code = stop(proc, tmp_path / "share.out")
        finally:
            sub.close()
    out.seek(0)
    text = out.read()
    assert code == 0, text
    assert "hunter2-secret" not in text
    assert f"connected to mqtt://car1@127.0.0.1:{car.port} as car1" in text
    assert f"cursor at row {max(shared_ids(db))}" in text


def test_share_without_a_share_table_is_one_line(tmp_path: Path) -> None:
    event = tmp_path / "e.toml"
    event.write_text('name = "U"\nathlete = "A"\nroute = "unity-run-2021"\n'
                     'timezone = "Asia/Kolkata"\nplanned_kmh = 7.0\n')  # fmt: skip
    r = subprocess.run([*COMPANION, "share", str(event), "--db", str(tmp_path / "d.sqlite")],
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "no [share] table" in r.stderr


def test_board_needs_an_event_in_its_url() -> None:
    r = subprocess.run([*COMPANION, "board", "mqtt://u:hunter2@127.0.0.1:1883/"],
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    assert r.returncode == 2 and "give the event's id" in r.stderr
    assert "hunter2" not in r.stderr
