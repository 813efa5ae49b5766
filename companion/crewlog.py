"""The crew's entries in the logbook: a stop's tag, "ate"/"drank", a shift's handover note.

Each is one row of kind "crew" (committed before the call returns, like a checkpoint) with a JSON
payload: {"type": "tag", "stop": <start>, "tag": "food", "note": "dal rice"}, {"type": "eat" or
"drink", "what": "banana"}, {"type": "handover", "note": "..."}; its `time` column is when it
happened. Taking one back is an "undo" row that refers to it, as for a fix. Rows are read whole
each time (a few hundred over an event); one that cannot be read is left out and counted.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from companion.core.feeding import KINDS as FED_KINDS
from companion.core.feeding import Fed
from companion.core.models import CompanionError
from companion.core.stops import TAGS, StopTag
from companion.logbook import Logbook
from companion.logrows import RowError, from_iso, to_iso

# A note is a line on a card, not a diary.
MAX_NOTE = 300


class CrewError(CompanionError):
    """A crew entry that cannot be logged (the message says why)."""


@dataclass(frozen=True, slots=True)
class HandoverNote:
    at: datetime
    note: str
    entry_id: int | None = None


@dataclass(frozen=True, slots=True)
class CrewEntries:
    tags: tuple[StopTag, ...] = ()
    fed: tuple[Fed, ...] = ()
    handovers: tuple[HandoverNote, ...] = ()
    unreadable: int = 0  # rows left out


def clean_note(text: str | None, what: str = "note") -> str:
    """`text` as one line: control characters and line breaks become spaces, trimmed.

    Raises:
        CrewError: longer than MAX_NOTE, or not encodable text (a lone surrogate).
    """
    if not text:
        return ""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise CrewError(f"{what}: not UTF-8 text") from None
    flat = "".join(" " if unicodedata.category(c)[0] in "CZ" and c != " " else c for c in text)
    flat = " ".join(flat.split())
    if len(flat) > MAX_NOTE:
        raise CrewError(f"{what}: {len(flat)} characters; at most {MAX_NOTE}")
    return flat


def log_tag(book: Logbook, stop_start: datetime, tag: str, note: str, when: datetime) -> int:
    if tag not in TAGS:
        raise CrewError(f"tag {tag!r}: one of {', '.join(TAGS)}")
    payload = {"type": "tag", "stop": to_iso(stop_start), "tag": tag, "note": clean_note(note)}
    return book.append_crew(payload, when)


def log_fed(book: Logbook, kind: str, what: str, when: datetime) -> int:
    if kind not in FED_KINDS:
        raise CrewError(f"{kind!r}: 'eat' or 'drink'")
    return book.append_crew({"type": kind, "what": clean_note(what, "what")}, when)


def log_handover(book: Logbook, note: str, when: datetime) -> int:
    return book.append_crew({"type": "handover", "note": clean_note(note)}, when)


def read(book: Logbook) -> CrewEntries:
    """Every crew entry standing (not undone), in the order logged."""
    tags: list[StopTag] = []
    fed: list[Fed] = []
    handovers: list[HandoverNote] = []
    bad = 0
    for entry_id, time_text, payload_text in book.crew_rows():
        try:
            at = from_iso(time_text)
            data = json.loads(payload_text) if payload_text else {}
            if not isinstance(data, dict):
                raise ValueError("not an object")
            kind = data.get("type")
            if kind == "tag":
                tag, note = data.get("tag"), data.get("note", "")
                if tag not in TAGS or not isinstance(note, str):
                    raise ValueError("a bad tag")
                tags.append(StopTag(from_iso(data.get("stop")), tag, note, entry_id))
            elif kind in FED_KINDS:
                what = data.get("what", "")
                fed.append(Fed(at, kind, what if isinstance(what, str) else "", entry_id))
            elif kind == "handover":
                note = data.get("note", "")
                handovers.append(HandoverNote(at, note if isinstance(note, str) else "", entry_id))
            # another type: written by a newer Companion; not ours to read
        except (RowError, ValueError, TypeError, RecursionError):
            bad += 1
    return CrewEntries(tuple(tags), tuple(fed), tuple(handovers), bad)
