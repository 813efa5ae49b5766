"""Three units of one event, as their retained status messages, for the board's tests."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from helpers.share_events import share_event

from companion.service import EventSession
from companion.share.messages import status_message
from companion.status_doc import status_document

NOW = datetime(2021, 8, 16, 13, 0, tzinfo=UTC)  # 18:30 IST
# unit, athlete, the entries typed (km, ISO time): the km each unit shows is the last one.
UNITS = (
    ("car1", "Sufiya Khan", ((40, "2021-08-16T09:00"), (70, "2021-08-16T18:00"))),
    ("car2", "Milind Soman", ((150, "2021-08-16T17:30"),)),
    ("org", "Ana Rao", ((30, "2021-08-16T12:10"),)),
)


def unit_statuses(folder: Path, now: datetime = NOW) -> list[tuple[str, bytes]]:
    """Each unit's status as its publisher would send it (status --json + unit, athlete...)."""
    out = []
    for unit, athlete, entries in UNITS:
        event, db = share_event(folder / unit, "mqtt://127.0.0.1:1", unit, athlete=athlete)
        with EventSession.open(event, db) as s:
            for km, at in entries:
                s.checkpoint(f"km {km}", at, now, force=True)
            doc = status_document(s, now)
            out.append((unit, status_message(s.event, unit, doc, len(entries), now)))
    return out


def fixed_statuses() -> list[tuple[str, bytes]]:
    """Three statuses written by hand (the fields the board reads), so the board's snapshot
    shows the board and does not move with the ETA model."""
    import json

    def doc(unit: str, athlete: str, km: float, today: float, nxt: str, to_go: float,
            eta: str, finish: str, last: str, seq: int) -> tuple[str, bytes]:  # fmt: skip
        body = {
            "event": "Unity", "unit": unit, "athlete": athlete, "seq": seq,
            "sent": "2021-08-16T18:30:00+05:30", "km_total": km, "km_today": today,
            "next_town": {"name": nxt, "km_to_go": to_go, "eta": eta},
            "towns_ahead": [{"name": nxt, "eta": eta}, {"name": "Statue of Unity", "eta": finish}],
            "finished": None, "last_fix": {"time": last, "source": "manual"},
        }  # fmt: skip
        return unit, json.dumps(body).encode()

    return [
        doc("car1", "Sufiya Khan", 70.0, 30.0, "Manor", 14.0, "2021-08-16T20:46:00+05:30",
            "2021-08-20T20:40:00+05:30", "2021-08-16T18:00:00+05:30", 2),
        doc("car2", "Milind Soman", 150.0, 62.5, "Vapi", 13.0, "2021-08-16T19:52:00+05:30",
            "2021-08-19T14:34:00+05:30", "2021-08-16T17:30:00+05:30", 1),
        doc("org", "Ana Rao", 30.0, 30.0, "Ghodbunder", 3.0, "2021-08-16T12:35:00+05:30",
            "2021-08-20T08:41:00+05:30", "2021-08-16T12:10:00+05:30", 1),
    ]  # fmt: skip
