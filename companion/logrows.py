"""How rows of the logbook's `events` table map to values: times, fixes and log-view entries.

Kept apart from `logbook` (which owns the connection, transactions and batching) so each stays
small; nothing here does IO.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from companion.core.models import Fix

# Fix fields stored in the JSON payload rather than in columns: nobody queries by them.
OPTIONAL_FIX_FIELDS = ("speed_mps", "course_deg", "alt_m", "accuracy_m", "sats")
# The columns fix_from_row expects, in order.
FIX_COLUMNS = "id, kind, time, lat, lon, km, source, ref, payload"
# The columns entry_from_row expects: a row, the row it refers to, and whether it was undone.
ENTRIES_QUERY = """
SELECT e.id, e.kind, e.logged_at, e.time, e.lat, e.lon, e.km, e.source, e.ref,
       e.payload, r.lat, r.lon, r.km, r.payload,
       e.kind = 'fix' AND EXISTS (
           SELECT 1 FROM events AS u WHERE u.kind = 'undo' AND u.ref = e.id)
FROM events AS e LEFT JOIN events AS r ON r.id = e.ref
WHERE (? = 0 OR e.kind != 'fix' OR e.source = 'manual')
  AND (? = 0 OR (e.kind = 'fix' AND e.source = 'manual'))
ORDER BY e.id DESC LIMIT ?
"""


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One raw row of the log, for the dashboard's log view."""

    id: int
    kind: str  # "fix", "undo", "edit", "feed", "note"
    logged_at: datetime  # aware UTC, wall clock when it was logged
    time: datetime | None  # aware UTC: the fix time (the new time for an edit)
    source: str | None
    ref: int | None  # the fix an undo or edit refers to
    summary: str  # one line for a person: "Valsad (km 171.0)", "undo #12: Valsad", ...
    undone: bool  # a fix that a later undo cancelled


def to_iso(value: datetime) -> str:
    """An aware datetime as fixed-width UTC ISO 8601, so stored times also sort as text."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()}: Companion stores aware UTC times")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def from_iso(text: str) -> datetime:
    """A stored ISO time back as an aware UTC datetime."""
    return datetime.fromisoformat(text).astimezone(UTC)


def fix_payload(fix: Fix) -> dict[str, Any] | None:
    """The optional fields of `fix` (and its label) for the payload column; None when empty."""
    payload: dict[str, Any] = {
        k: getattr(fix, k) for k in OPTIONAL_FIX_FIELDS if getattr(fix, k) is not None
    }
    if fix.label:
        payload["label"] = fix.label
    if fix.mark:
        payload["mark"] = fix.mark
    return payload or None


def _payload(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    value = json.loads(text)
    return value if isinstance(value, dict) else {}


def fix_from_row(row: tuple[Any, ...]) -> Fix:
    _id, _kind, fix_time, lat, lon, km, source, _ref, payload_text = row
    payload = _payload(payload_text)
    return Fix(
        time=from_iso(fix_time),
        lat=lat,
        lon=lon,
        source=source,
        km=km,
        speed_mps=payload.get("speed_mps"),
        course_deg=payload.get("course_deg"),
        alt_m=payload.get("alt_m"),
        accuracy_m=payload.get("accuracy_m"),
        sats=payload.get("sats"),
        label=payload.get("label", ""),
        mark=payload.get("mark", ""),
    )


def _describe_fix(
    lat: float | None, lon: float | None, km: float | None, payload: str | None
) -> str:
    label = _payload(payload).get("label") or (
        f"{lat:.5f}, {lon:.5f}" if lat is not None and lon is not None else "?"
    )
    return f"{label} (km {km:.1f})" if km is not None else str(label)


def entry_from_row(row: tuple[Any, ...]) -> LogEntry:
    (entry_id, kind, logged_at, fix_time, lat, lon, km, source, ref, payload) = row[:10]
    ref_lat, ref_lon, ref_km, ref_payload, undone = row[10:]
    when = from_iso(fix_time) if fix_time else None
    if kind == "fix":
        summary = _describe_fix(lat, lon, km, payload)
    elif kind == "undo":
        summary = f"undo #{ref}: {_describe_fix(ref_lat, ref_lon, ref_km, ref_payload)}"
    elif kind == "edit":
        new = when.strftime("%Y-%m-%d %H:%M:%S UTC") if when else "?"
        summary = f"edit #{ref} {_describe_fix(ref_lat, ref_lon, ref_km, ref_payload)}: time {new}"
    elif kind == "feed":
        data = _payload(payload)
        detail = data.get("detail") or ""
        summary = f"feed {data.get('status', '?')}" + (f": {detail}" if detail else "")
    elif kind == "note":
        summary = str(_payload(payload).get("text", ""))
    else:  # written by a newer Companion; show it rather than fail
        summary = kind
    return LogEntry(
        id=entry_id,
        kind=kind,
        logged_at=from_iso(logged_at),
        time=when,
        source=source,
        ref=ref,
        summary=summary,
        undone=bool(undone),
    )
