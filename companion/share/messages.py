"""The JSON of what is published (log rows, status, OwnTracks location and card) and the checks
on what is received from a peer. No IO here.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

from companion.core.models import CompanionError, Progress
from companion.event import Event
from companion.logrows import from_iso, to_iso
from companion.share.config import unit_problem
from companion.share.store import OwnRow, PeerRow

KINDS = ("fix", "undo", "edit")
MAX_MESSAGE_BYTES = 64 * 1024  # a log row is a few hundred bytes; more is not ours


class MessageError(CompanionError):
    """A message from the broker that is not one of ours (dropped, with this reason)."""


def log_message(unit: str, row: OwnRow) -> bytes:
    """One row of this car's log for the `log` (or `pos`) topic: the row as stored, with its id."""
    doc = {
        "unit": unit,
        "id": row.id,
        "kind": row.kind,
        "time": row.time,
        "lat": row.lat,
        "lon": row.lon,
        "km": row.km,
        "source": row.source,
        "ref": row.ref,
        "payload": row.payload,
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def parse_log(data: bytes, unit: str) -> PeerRow:
    """A peer's log message, checked for its shape; the topic's `unit` must be the message's.

    Raises:
        MessageError: not JSON, not an object, a field of the wrong type, or another unit's.
    """
    if len(data) > MAX_MESSAGE_BYTES:
        raise MessageError(f"{len(data)} bytes: too long for a log row")
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        raise MessageError("not JSON") from None
    if not isinstance(doc, dict):
        raise MessageError("not a JSON object")
    if doc.get("unit") != unit or unit_problem(unit) is not None:
        raise MessageError(f"unit {doc.get('unit')!r} is not the topic's {unit!r}")
    kind = doc.get("kind")
    if kind not in KINDS:
        raise MessageError(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    row_id = _int(doc, "id")
    if row_id is None or row_id < 1:
        raise MessageError("no id")
    ref = _int(doc, "ref")
    if kind != "fix" and ref is None:
        raise MessageError(f"an {kind} without ref")
    payload = doc.get("payload")
    if payload is not None and not isinstance(payload, dict):
        raise MessageError("payload is not an object")
    source = doc.get("source")
    if source is not None and (not isinstance(source, str) or len(source) > 40):
        raise MessageError("source is not a short text")
    time = doc.get("time")
    if time is not None:
        if not isinstance(time, str):
            raise MessageError("time is not text")
        try:
            time = to_iso(from_iso(time))  # stored as our own rows are: fixed-width UTC
        except (CompanionError, ValueError) as e:
            raise MessageError(f"time: {e}") from None
    if kind in ("fix", "edit") and time is None:
        raise MessageError(f"a {kind} without time")
    return PeerRow(
        unit=unit,
        id=row_id,
        kind=kind,
        time=time,
        lat=_float(doc, "lat"),
        lon=_float(doc, "lon"),
        km=_float(doc, "km"),
        source=source,
        ref=ref,
        payload=payload,
    )


def _int(doc: dict[str, Any], key: str) -> int | None:
    value = doc.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise MessageError(f"{key} is not a row id")
    return value


def _float(doc: dict[str, Any], key: str) -> float | None:
    value = doc.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MessageError(f"{key} is not a number")
    try:
        number = float(value)
    except OverflowError:  # an integer of 400 digits
        raise MessageError(f"{key} is out of range") from None
    if not math.isfinite(number):
        raise MessageError(f"{key} is not a finite number")
    return number


def status_message(event: Event, unit: str, doc: dict[str, Any], seq: int, sent: datetime) -> bytes:
    """The retained status: `doc` (`status --json`, status_doc.py) plus unit, athlete, seq (the
    last log row it counts) and sent (when it was published)."""
    doc = dict(doc)
    doc.update(
        unit=unit, athlete=event.athlete, seq=seq, sent=sent.astimezone(event.zone).isoformat()
    )
    return json.dumps(doc, ensure_ascii=False).encode()


def owntracks_location(unit: str, p: Progress) -> bytes | None:
    """The athlete's last position as an OwnTracks location (retained), for OwnTracks apps."""
    f = p.last_fix
    if f is None:
        return None
    doc: dict[str, Any] = {
        "_type": "location",
        "tid": unit[:2],
        "tst": int(f.time.timestamp()),
        "lat": round(f.lat, 6),
        "lon": round(f.lon, 6),
    }
    if f.speed_mps:
        doc["vel"] = round(f.speed_mps * 3.6)  # OwnTracks: km/h, an integer, only when not 0
    if f.accuracy_m:
        doc["acc"] = round(f.accuracy_m)
    return json.dumps(doc).encode()


def owntracks_card(athlete: str) -> bytes:
    return json.dumps({"_type": "card", "name": athlete}, ensure_ascii=False).encode()
