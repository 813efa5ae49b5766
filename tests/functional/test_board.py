"""The organiser's board (issue 12) in Pilot, live from a real Mosquitto: three units' retained
statuses become three rows; a unit going offline says so; an older retained copy (a restarted
bridge) does not undo a newer status."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from helpers.board_units import NOW, unit_statuses
from helpers.mosquitto import Broker, brokers, needs_mosquitto, publish
from helpers.share_events import EVENT_ID, wait_for
from textual.widgets import DataTable

from companion.app.board.app import BoardApp, Message, State
from companion.share.config import parse_broker_url
from companion.share.watch import watch

__all__ = ["brokers"]
TOPIC = f"companion/v1/{EVENT_ID}"


def cells(app: BoardApp) -> dict[str, list[str]]:
    table = app.query_one(DataTable)
    return {
        str(row[0]): [str(c) for c in row]
        for row in (table.get_row_at(i) for i in range(table.row_count))
    }


@needs_mosquitto
async def test_three_units_live(tmp_path: Path, brokers: Callable[..., Broker]) -> None:
    b = brokers("event").start()
    for unit, doc in unit_statuses(tmp_path):
        assert publish(b, f"{TOPIC}/{unit}/status", doc, retain=True)
    assert publish(b, f"{TOPIC}/car1/online", "online", retain=True)
    assert publish(b, f"{TOPIC}/car2/online", "online", retain=True)
    broker = parse_broker_url(b.url, env={})

    async def run(on_message: Message, on_state: State) -> None:
        await watch(broker, EVENT_ID, on_message, on_state)

    app = BoardApp(EVENT_ID, b.url, run, clock=lambda: NOW)
    async with app.run_test(size=(120, 24)) as pilot:
        await wait_for(lambda: app.query_one(DataTable).row_count == 3, "three rows")
        await pilot.pause()
        rows = cells(app)
        # The km each unit typed last, the athletes, and online as each unit said.
        assert [rows[u][:4] for u in ("car1", "car2", "org")] == [
            ["car1", "Sufiya Khan", "70.0", "70.0"],  # km 40 and 70 both on day 2
            ["car2", "Milind Soman", "150.0", "150.0"],
            ["org", "Ana Rao", "30.0", "30.0"],
        ]
        assert [rows[u][8] for u in ("car1", "car2", "org")] == ["online", "online", "online?"]
        assert rows["car1"][7] == "30 min"  # last entry 18:00, the clock at 18:30
        assert rows["org"][7] == "6 h 20"  # 12:10 -> 18:30
        assert "connected to" in app.state

        assert publish(b, f"{TOPIC}/car2/online", "offline", retain=True)  # its last will
        await wait_for(lambda: cells(app)["car2"][8] == "OFFLINE", "car2 offline")
        old = json.loads(dict(unit_statuses(tmp_path / "again"))["car1"])
        old.update(seq=1, km_total=10.0)  # an older retained copy from a restarted bridge
        assert publish(b, f"{TOPIC}/car1/status", json.dumps(old), retain=True)
        assert publish(b, f"{TOPIC}/car1/online", "offline", retain=True)  # a marker after it
        await wait_for(lambda: app.board.online.get("car1") is False, "the marker")
        assert cells(app)["car1"][2] == "70.0"
        b.stop()
        await wait_for(lambda: "NOT CONNECTED" in app.state, "the lost broker shown")


async def test_a_hundred_units(tmp_path: Path) -> None:
    """No broker needed: the statuses as the watcher hands them on; the table holds them all."""
    (_unit, doc), *_ = unit_statuses(tmp_path)
    template = json.loads(doc)
    app = BoardApp(EVENT_ID, "mqtt://127.0.0.1:1883", clock=lambda: NOW)
    async with app.run_test(size=(120, 30)) as pilot:
        for i in range(100):
            name = f"rider{i:03d}"
            body = {**template, "unit": name, "athlete": f"Rider {i:03d}", "km_total": float(i)}
            app.take(name, "status", json.dumps(body).encode())
        await pilot.pause()
        rows = cells(app)
        assert len(rows) == 100
        assert rows["rider042"][1:3] == ["Rider 042", "42.0"]
        table = app.query_one(DataTable)
        table.focus()
        for _ in range(3):
            await pilot.press("down")
        assert table.cursor_row == 3  # rider003 (sorted by athlete)
        # A new status of another unit and a new unit: the cursor stays on rider003.
        body = {**template, "unit": "rider050", "athlete": "Rider 050", "km_total": 77.0}
        app.take("rider050", "status", json.dumps(body).encode())
        body = {**template, "unit": "aaa", "athlete": "Aaa", "km_total": 1.0}
        app.take("aaa", "status", json.dumps(body).encode())
        await pilot.pause()
        assert cells(app)["rider050"][2] == "77.0" and len(cells(app)) == 101
        assert table.get_row_at(table.cursor_row)[0] == "rider003"
