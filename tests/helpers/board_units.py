"""Three units of one event, as their retained status messages, for the board's tests."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from helpers.share_events import share_event

from companion.service import EventSession
from companion.share.messages import status_message

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
            p = s.progress(now)
            out.append((unit, status_message(s.event, unit, p, None, len(entries), now)))
    return out
