"""A feed's plain row read back without json (issue 11): reopening a day of 10 Hz fixes read
864,000 rows through `logrows.fix_from_row`, ~15 us each, most of it json and checks.

`plain_fix` takes only the rows Companion itself writes for a feed's fix: a time in the log's own
fixed-width UTC form within 2000-2099, float coordinates in range, a finite float km or none, and
a payload of the optional numbers alone (`logbatch.plain_payload`'s text, or json's of the same
dict). It gives the Fix `fix_from_row` would; anything else (a label, a mark, NaN, a number
written some other way, a damaged row) returns None and goes through `fix_from_row`, which
judges it as before.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from companion.core.models import Fix

# A JSON number with at most 30 digits (json.loads reads longer integers as ints that float()
# may refuse: those are fix_from_row's to judge).
_NUM = r"-?(?:0|[1-9][0-9]{0,29})(?:\.[0-9]{1,30})?(?:[eE][-+]?[0-9]{1,3})?"
_INT = r"-?(?:0|[1-9][0-9]{0,17})"
_ITEM = rf'"(?:speed_mps|course_deg|alt_m|accuracy_m)": {_NUM}|"sats": {_INT}'
_PAYLOAD = re.compile(rf"\{{(?:{_ITEM})(?:, (?:{_ITEM}))*\}}")
# to_iso's form: 2026-11-01T06:00:00.000000+00:00
_TIME = re.compile(r"20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}\+00:00")


def plain_fix(row: tuple[Any, ...]) -> Fix | None:
    """The Fix of a row of logrows.FIX_COLUMNS if it is a plain feed row, else None."""
    _id, _kind, text, lat, lon, km, source, _ref, payload = row
    if type(text) is not str or _TIME.fullmatch(text) is None:
        return None
    if type(lat) is not float or type(lon) is not float or type(source) is not str:
        return None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):  # NaN fails too
        return None
    if km is not None and (type(km) is not float or not -1e7 <= km <= 1e7):
        return None
    values: dict[str, Any] = {}
    if payload is not None:
        if type(payload) is not str or _PAYLOAD.fullmatch(payload) is None:
            return None
        for item in payload[1:-1].split(", "):
            key, _sep, value = item.partition(": ")
            values[key[1:-1]] = int(value) if key == '"sats"' else float(value)
    try:
        when = datetime.fromisoformat(text).astimezone(UTC)
    except ValueError:
        return None  # month 13: fix_from_row says so
    return Fix(
        when, lat, lon, source, km, values.get("speed_mps"), values.get("course_deg"),
        values.get("alt_m"), values.get("accuracy_m"), values.get("sats"),
    )  # fmt: skip
