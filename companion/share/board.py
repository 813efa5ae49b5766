"""The organiser's board (issue 12): every unit of an event from its retained `status` and
`online` topics, as rows of text. Pure: the app (companion/app/board.py) feeds it messages and
a clock, and draws the rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from companion.share.config import unit_problem

# A unit with no `online` message is taken as online while its status is younger than this.
STATUS_FRESH_S = 5 * 60.0
COLUMNS = ("Unit", "Athlete", "km", "Today", "Next town", "ETA", "Finish ETA", "Last pos", "Online")


@dataclass(frozen=True, slots=True)
class UnitStatus:
    """What the board shows of one unit, from its latest status."""

    unit: str
    athlete: str
    seq: int
    sent: datetime | None
    km_total: float | None
    km_today: float | None
    next_town: str
    next_km_to_go: float | None
    next_eta: datetime | None
    finish_eta: datetime | None
    finished_at: datetime | None
    last_fix: datetime | None


def aware_time(value: object) -> datetime | None:
    """An ISO time with an offset from a status document; None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        return None
    return t if t.tzinfo is not None else None


def number(value: object) -> float | None:
    """A JSON number as a float; None for anything else (a bool, text, 10**400)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return float(value)
    except OverflowError:  # an integer too big for a float: not a km
        return None


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def parse_status(unit: str, data: bytes) -> UnitStatus | None:
    """A unit's status message; None when it is not one (empty: a retained status cleared)."""
    try:
        doc = json.loads(data) if data else None
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or doc.get("unit") != unit:
        return None
    nxt = _dict(doc.get("next_town"))
    ahead = doc.get("towns_ahead")
    finish = _dict(ahead[-1]) if isinstance(ahead, list) and ahead else {}
    seq = doc.get("seq")
    return UnitStatus(
        unit=unit,
        athlete=str(doc.get("athlete") or ""),
        seq=seq if isinstance(seq, int) and not isinstance(seq, bool) else 0,
        sent=aware_time(doc.get("sent")),
        km_total=number(doc.get("km_total")),
        km_today=number(doc.get("km_today")),
        next_town=str(nxt.get("name") or ""),
        next_km_to_go=number(nxt.get("km_to_go")),
        next_eta=aware_time(nxt.get("eta")),
        finish_eta=aware_time(finish.get("eta")),
        finished_at=aware_time(_dict(doc.get("finished")).get("at")),
        last_fix=aware_time(_dict(doc.get("last_fix")).get("time")),
    )


def age_words(seconds: float | None) -> str:
    """'just now', '4 min', '2 h 05', '3 d'."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return "just now"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60:02d}"
    return f"{minutes // (24 * 60)} d"


def _clock(t: datetime | None, now: datetime) -> str:
    """HH:MM in the time's own offset (the event's zone), with the weekday when not today."""
    if t is None:
        return "—"
    same_day = t.date() == now.astimezone(t.tzinfo).date()
    return f"{t:%H:%M}" if same_day else f"{t:%a %H:%M}"


class Board:
    """Every unit seen on the event, kept from their retained messages."""

    def __init__(self) -> None:
        self.units: dict[str, UnitStatus] = {}
        self.online: dict[str, bool] = {}

    def message(self, unit: str, kind: str, data: bytes) -> bool:
        """Take one message of `unit`; True when the board changed."""
        if unit_problem(unit) is not None:
            return False
        if kind == "online":
            state = data.strip().lower()
            if state not in (b"online", b"offline"):
                return False
            self.online[unit] = state == b"online"
            return True
        if kind != "status":
            return False
        status = parse_status(unit, data)
        held = self.units.get(unit)
        # A restarted bridge may bring an older retained copy: the newer status wins.
        if status is None or (
            held is not None and (status.seq, _key(status)) < (held.seq, _key(held))
        ):
            return False
        self.units[unit] = status
        return True

    def online_words(self, unit: str, now: datetime) -> str:
        said = self.online.get(unit)
        if said is not None:
            return "online" if said else "OFFLINE"
        st = self.units.get(unit)
        if st is None or st.sent is None:
            return "?"
        fresh = (now - st.sent).total_seconds() < STATUS_FRESH_S
        return "online?" if fresh else "silent"

    def rows(self, now: datetime) -> list[tuple[str, ...]]:
        """One row of COLUMNS per unit, by athlete then unit."""
        out: list[tuple[str, ...]] = []
        for st in sorted(self.units.values(), key=lambda s: (s.athlete.lower(), s.unit)):
            age = (now - st.last_fix).total_seconds() if st.last_fix else None
            if st.finished_at is not None:
                nxt, eta, finish = "finished", "", f"done {_clock(st.finished_at, now)}"
            else:
                to_go = f" in {st.next_km_to_go:.1f}" if st.next_km_to_go is not None else ""
                nxt = f"{st.next_town}{to_go}" if st.next_town else "—"
                eta, finish = _clock(st.next_eta, now), _clock(st.finish_eta, now)
            out.append((
                st.unit, st.athlete,
                f"{st.km_total:.1f}" if st.km_total is not None else "—",
                f"{st.km_today:.1f}" if st.km_today is not None else "—",
                nxt, eta, finish, age_words(age), self.online_words(st.unit, now),
            ))  # fmt: skip
        for unit in sorted(set(self.online) - set(self.units)):  # online, no status yet
            out.append((unit, "", "—", "—", "—", "", "", "—", self.online_words(unit, now)))
        return out


def _key(st: UnitStatus) -> float:
    return st.sent.timestamp() if st.sent is not None else 0.0
