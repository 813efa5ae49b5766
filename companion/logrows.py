"""How rows of the logbook's `events` table map to values: times, fixes and log-view entries.

Kept apart from `logbook` (which owns the connection, transactions and batching) so each stays
small; nothing here does IO.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from companion.core.models import CompanionError, Fix
from companion.core.times import EARLIEST, time_problem

# Fix fields stored in the JSON payload rather than in columns: nobody queries by them.
OPTIONAL_FIX_FIELDS = ("speed_mps", "course_deg", "alt_m", "accuracy_m", "sats")
# The columns fix_from_row expects, in order.
FIX_COLUMNS = "id, kind, time, lat, lon, km, source, ref, payload"
# The columns entry_from_row expects: a row, the row it refers to, and whether it was undone.
ENTRIES_QUERY = """
SELECT e.id, e.kind, e.logged_at, e.time, e.lat, e.lon, e.km, e.source, e.ref,
       e.payload, r.lat, r.lon, r.km, r.payload,
       e.kind IN ('fix', 'crew') AND EXISTS (
           SELECT 1 FROM events AS u WHERE u.kind = 'undo' AND u.ref = e.id),
       -- a fix: its latest edited time; an edit: the time the fix had before it
       CASE e.kind
         WHEN 'fix' THEN (SELECT x.time FROM events AS x
                          WHERE x.kind = 'edit' AND x.ref = e.id ORDER BY x.id DESC LIMIT 1)
         WHEN 'edit' THEN COALESCE((SELECT x.time FROM events AS x WHERE x.kind = 'edit'
                                    AND x.ref = e.ref AND x.id < e.id ORDER BY x.id DESC LIMIT 1),
                                   r.time)
       END
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
    time: datetime | None  # aware UTC: the fix time as it now counts (the new time for an edit)
    source: str | None
    ref: int | None  # the fix an undo or edit refers to
    summary: str  # one line for a person: "Valsad (km 171.0)", "undo #12: Valsad", ...
    undone: bool  # a fix that a later undo cancelled
    # An edited fix: the time it was logged with; an edit: the fix's time before that edit.
    was: datetime | None = None

    def line(self, tz: ZoneInfo) -> str:
        """The summary with any times in the event's timezone, for the log view."""
        if self.kind == "fix" and self.was is not None and self.time is not None:
            return f"{self.summary} · edited, was {_local(self.was, self.time, tz)}"
        if self.kind == "edit" and self.time is not None:
            new = _local(self.time, self.time, tz)
            old = f"{_local(self.was, self.time, tz)} → " if self.was is not None else ""
            return f"{self.summary}: time {old}{new}"
        return self.summary


def _local(t: datetime, beside: datetime, tz: ZoneInfo) -> str:
    """HH:MM in `tz`, with the date when it is not the day of `beside`."""
    local = t.astimezone(tz)
    same_day = local.date() == beside.astimezone(tz).date()
    return f"{local:%H:%M}" if same_day else f"{local:%a %d %b %H:%M}"


class RowError(CompanionError):
    """A row of the log that cannot be read back (damaged by hand, or by a broken version)."""


@dataclass(frozen=True, slots=True)
class SetAside:
    """A row left out of the replay because it cannot be read; the rest of the log counts."""

    id: int
    kind: str
    reason: str



_UTC_SECOND = "%04d-%02d-%02dT%02d:%02d:%02d."
_UTC_MICROS = "%s%06d+00:00"
_SECONDS: dict[tuple[int, int, int, int], tuple[int, str]] = {}
_SECONDS_KEPT = 256  # a second is read again within the second, if ever
# The clock's last second and its text, for utc_now_iso.
_NOW: list[tuple[int, str]] = [(-1, "")]


def utc_now_iso() -> str:
    """`to_iso(datetime.now(UTC))` without building the datetime (issue 11: once a feed fix,
    for its logged_at; ~1.9 -> ~0.9 us). now() reads the same clock and floors it to the
    microsecond, as this does; the text up to the second is kept for the second."""
    second, micro = divmod(time.time_ns() // 1000, 1_000_000)
    kept_second, text = _NOW[0]
    if kept_second != second:
        whole = datetime.fromtimestamp(second, UTC).replace(tzinfo=None)
        text = whole.isoformat() + "."
        _NOW[0] = (second, text)
    return _UTC_MICROS % (text, micro)


def to_iso(value: datetime) -> str:
    """An aware datetime as fixed-width UTC ISO 8601, so stored times also sort as text.

    `isoformat` rather than strftime: strftime("%Y") writes year 999 as "999", which
    `fromisoformat` cannot read back (issue 10: one such time bricked the event).
    """
    if value.tzinfo is UTC:  # the usual case, as isoformat writes it, at ~40% of its cost
        # The text up to the seconds is kept per second: 10 fixes a second share it, and so do
        # the `logged_at` of a batch (issue 11). Keyed by day and time, checked by month.
        key = (value.day, value.hour, value.minute, value.second)
        month = value.year * 12 + value.month
        kept = _SECONDS.get(key)
        if kept is None or kept[0] != month:
            if len(_SECONDS) >= _SECONDS_KEPT:
                _SECONDS.clear()
            kept = _SECONDS[key] = (month, _UTC_SECOND % (value.year, value.month, *key))
        return _UTC_MICROS % (kept[1], value.microsecond)
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()}: Companion stores aware UTC times")
    try:
        utc = value.astimezone(UTC)
    except OverflowError:  # year 1 east of UTC, year 9999 west of it: not a time we store
        raise ValueError(f"{value.isoformat()} is out of range in UTC") from None
    return utc.replace(tzinfo=None).isoformat(timespec="microseconds") + "+00:00"


def from_iso(text: object) -> datetime:
    """A stored ISO time back as an aware UTC datetime.

    Raises:
        RowError: not a time with an offset (a damaged row).
    """
    if not isinstance(text, str):
        raise RowError(f"time {text!r} is not text")
    try:
        value = datetime.fromisoformat(text)
        if value.utcoffset() is None:
            raise ValueError("no offset")
        return value.astimezone(UTC)
    except (ValueError, OverflowError):
        raise RowError(f"time {text[:40]!r} is not an ISO time with an offset") from None


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
    try:
        value = json.loads(text)
    except (ValueError, TypeError, RecursionError):
        raise RowError("its payload is not JSON") from None
    return value if isinstance(value, dict) else {}


def stored_fix_time(text: object) -> datetime:
    """A stored fix time (of a fix or an edit), refused as the doors refuse it when it is
    outside the window every time must be in (a row written before that rule existed)."""
    when = from_iso(text)
    problem = time_problem(when)
    if problem is not None:
        raise RowError(problem)
    return when


def _coordinate(name: str, value: object, limit: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RowError(f"{name} {value!r} is not a number")
    if not abs(value) <= limit or not math.isfinite(value):  # the range first: a huge int
        raise RowError(f"{name} {value!r} is out of range")
    return float(value)


def _number(payload: dict[str, Any], key: str) -> float | None:
    value = payload.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RowError(f"{key} {value!r} is not a number")
    try:
        return float(value)
    except OverflowError:  # an integer too big for a float (a peer's row, a damaged one)
        raise RowError(f"{key}: a number too big") from None


def _count(payload: dict[str, Any], key: str) -> int | None:
    value = payload.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise RowError(f"{key} {value!r} is not a whole number")
    return value


def _text(payload: dict[str, Any], key: str) -> str:
    value = payload.get(key, "")
    if not isinstance(value, str):
        raise RowError(f"{key} {value!r} is not text")
    return value


def fix_from_row(row: tuple[Any, ...]) -> Fix:
    """The Fix a row of FIX_COLUMNS holds.

    Raises:
        RowError: the row cannot be read as a fix (the logbook sets it aside).
    """
    _id, _kind, time_text, lat, lon, km, source, _ref, payload_text = row
    payload = _payload(payload_text)
    if km is not None:
        km = _coordinate("km", km, 1e7)
    if not isinstance(source, str):
        raise RowError(f"source {source!r} is not text")
    return Fix(
        time=stored_fix_time(time_text),
        lat=_coordinate("latitude", lat, 90.0),
        lon=_coordinate("longitude", lon, 180.0),
        source=source,
        km=km,
        speed_mps=_number(payload, "speed_mps"),
        course_deg=_number(payload, "course_deg"),
        alt_m=_number(payload, "alt_m"),
        accuracy_m=_number(payload, "accuracy_m"),
        sats=_count(payload, "sats"),
        label=_text(payload, "label"),
        mark=_text(payload, "mark"),
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
    ref_lat, ref_lon, ref_km, ref_payload, undone, other_time = row[10:16]
    when = from_iso(fix_time) if fix_time else None
    other = _readable(other_time)
    was = None
    if kind == "fix":
        summary = _describe_fix(lat, lon, km, payload)
        if other is not None:  # edited: shown at its new time, the logged one noted
            when, was = other, when
    elif kind == "undo" and ref_lat is None and ref_km is None:  # a crew entry taken back
        summary = f"undo #{ref}: {crew_summary(_payload(ref_payload))}"
    elif kind == "undo":
        summary = f"undo #{ref}: {_describe_fix(ref_lat, ref_lon, ref_km, ref_payload)}"
    elif kind == "edit":
        # The times are added by LogEntry.line, in the event's timezone.
        summary = f"edit #{ref} {_describe_fix(ref_lat, ref_lon, ref_km, ref_payload)}"
        was = other
    elif kind == "feed":
        data = _payload(payload)
        detail = data.get("detail") or ""
        summary = f"feed {data.get('status', '?')}" + (f": {detail}" if detail else "")
    elif kind == "note":
        summary = str(_payload(payload).get("text", ""))
    elif kind == "crew":
        summary = crew_summary(_payload(payload))
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
        was=was,
    )


def crew_summary(data: dict[str, Any]) -> str:
    """One line for a crew entry (companion/crewlog.py): "tag food: dal rice", "ate: banana"."""
    kind = str(data.get("type", "?"))
    kind = {"eat": "ate", "drink": "drank"}.get(kind, kind)
    what = str(data.get("tag", "")) if kind == "tag" else ""
    text = str(data.get("note") or data.get("what") or "")
    head = f"{kind} {what}".strip()
    return f"{head}: {text}" if text else head


def _readable(text: object) -> datetime | None:
    """A stored time of another row (an edit), None when absent or unreadable: a damaged edit
    is shown as its own row, it must not hide the fix it refers to."""
    try:
        return from_iso(text) if text else None
    except RowError:
        return None


def read_entry(row: tuple[Any, ...]) -> LogEntry:
    """`entry_from_row`, except that a row it cannot read is shown as such, not raised: the log
    view must open on a log with a damaged row, to show which one."""
    try:
        entry = entry_from_row(row)
        reason = _entry_problem(entry)
    except (RowError, ValueError, TypeError, OverflowError) as e:
        reason = str(e) if isinstance(e, RowError) else "a damaged row"
    if reason is None:
        return entry
    try:
        logged_at = from_iso(row[2])
        if time_problem(logged_at) is not None:
            logged_at = EARLIEST
    except RowError:
        logged_at = EARLIEST  # the log view needs some time; this one says "not known"
    return LogEntry(
        id=row[0],
        kind="unreadable",
        logged_at=logged_at,
        time=None,
        source=None,
        ref=None,
        summary=f"row #{row[0]} set aside: {reason}",
        undone=False,
    )


def _entry_problem(entry: LogEntry) -> str | None:
    """What the log view could not show of an entry that parsed: a kind that is not text, or a
    time it would fail to put in the event's timezone (year 9999 in UTC+5:30)."""
    if not isinstance(entry.kind, str) or not isinstance(entry.summary, str):
        return f"kind {entry.kind!r} is not text"
    for when in (entry.logged_at, entry.time, entry.was):
        if when is not None and (problem := time_problem(when)) is not None:
            return problem
    return None


def set_aside_alert(rows: list[SetAside]) -> str:
    """One alert line for the rows a replay left out: the first named, the rest counted."""
    first = rows[0]
    which = f"log row #{first.id}" if len(rows) == 1 else f"{len(rows)} log rows, first #{first.id}"
    return f"SET ASIDE: {which} ({first.kind}) left out, unreadable: {first.reason}"
