"""Position JSON from phone trackers and tracking servers, to fixes. Pure: no IO.

Shapes understood (../shared/PEERS.md has real examples):
- OwnTracks location: `{"_type":"location","lat","lon","tst" (epoch s),"vel" (km/h),"acc","alt",
  "cog"}`, alone or in a list (the Recorder's /api/0/last).
- Traccar `/api/positions`: a list of `{"latitude","longitude","fixTime" (ISO),"speed" (knots),
  "course","altitude","accuracy","valid"}`; `valid: false` entries are skipped. A Traccar
  forwarder's envelope `{"position": {...}, "device": {...}}` is unwrapped.
- Plain `{"lat","lon","time"}` (also `latitude`/`longitude`, `timestamp`; ISO or epoch s/ms).
- GeoJSON Point Feature (or a FeatureCollection of them) with a time in `properties`.
- SPOT API v2 feed: `response.feedMessageResponse.messages.message` (list or one object).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from companion.core.models import Fix

KNOT_MPS = 1852.0 / 3600.0


class PayloadError(ValueError):
    """JSON that holds no usable position; the message says what was wrong, for a person."""


def parse_positions(data: Any, *, source: str = "http") -> list[Fix]:
    """Every position in a decoded JSON document, in no particular order.

    Raises:
        PayloadError: the document is of no known shape or holds no valid position.
    """
    items = _items(data)
    fixes: list[Fix] = []
    problems: list[str] = []
    for item in items:
        try:
            fix = _one(item, source)
        except PayloadError as exc:
            problems.append(str(exc))
            continue
        except Exception as exc:  # one odd entry is that entry's problem
            problems.append(f"a position not understood ({type(exc).__name__})")
            continue
        if fix is not None:
            fixes.append(fix)
    if not fixes:
        if problems:
            raise PayloadError(problems[0])
        raise PayloadError("JSON without a position" if items else "an empty list of positions")
    return fixes


def newest(fixes: list[Fix]) -> Fix:
    return max(fixes, key=lambda f: f.time)


def _items(data: Any) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        if data.get("type") == "FeatureCollection" and isinstance(data.get("features"), list):
            return list(data["features"])
        spot = _dig(data, "response", "feedMessageResponse", "messages", "message")
        if spot is not None:
            return spot if isinstance(spot, list) else [spot]
        return [data]
    raise PayloadError("JSON that is neither an object nor a list")


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _one(item: Any, source: str) -> Fix | None:
    """A Fix from one object, None for an entry that says it is not valid."""
    if not isinstance(item, dict):
        raise PayloadError("a list entry that is not an object")
    if isinstance(item.get("position"), dict) and "latitude" not in item:
        item = item["position"]  # a Traccar forwarder's {"position": {...}, "device": {...}}
    if item.get("type") == "Feature":
        return _feature(item, source)
    if item.get("valid") is False:
        return None  # Traccar: the device itself says this position is not a fix
    if "_type" in item and item["_type"] != "location":
        return None  # OwnTracks transition, waypoint, card...: not a position
    lat = _number(item, "lat", "latitude")
    lon = _number(item, "lon", "longitude")
    if lat is None or lon is None:
        raise PayloadError("JSON without lat/lon")
    when = _time(item, "tst", "fixTime", "deviceTime", "time", "timestamp", "unixTime", "dateTime")
    if "vel" in item:  # OwnTracks: km/h
        vel = _number(item, "vel")
        speed = vel / 3.6 if vel is not None else None
    elif "fixTime" in item:  # Traccar: knots
        knots = _number(item, "speed")
        speed = knots * KNOT_MPS if knots is not None else None
    else:
        speed = _number(item, "speed_mps")
    accuracy = _number(item, "acc", "accuracy")
    return Fix(
        time=when,
        lat=lat,
        lon=lon,
        source=source,
        speed_mps=speed,
        course_deg=_number(item, "cog", "course"),
        alt_m=_number(item, "alt", "altitude"),
        accuracy_m=accuracy if accuracy else None,  # Traccar sends 0 for "unknown"
    )


def _feature(item: dict[str, Any], source: str) -> Fix:
    geometry = item.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        raise PayloadError("a GeoJSON feature that is not a Point")
    coords = geometry.get("coordinates")
    if not isinstance(coords, list) or len(coords) < 2:
        raise PayloadError("a GeoJSON Point without coordinates")
    lon, lat = _as_float(coords[0]), _as_float(coords[1])
    if lat is None or lon is None:
        raise PayloadError("a GeoJSON Point with coordinates that are not numbers")
    props = item.get("properties")
    props = props if isinstance(props, dict) else {}
    alt = _as_float(coords[2]) if len(coords) > 2 else None
    return Fix(
        time=_time(props, "time", "timestamp", "tst"),
        lat=lat,
        lon=lon,
        source=source,
        speed_mps=_number(props, "speed_mps"),
        course_deg=_number(props, "course", "bearing"),
        alt_m=alt,
        accuracy_m=_number(props, "accuracy", "acc"),
    )


def _number(item: dict[str, Any], *keys: str) -> float | None:
    for key in keys:
        if key in item:
            return _as_float(item[key])
    return None


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer beyond 1.8e308
        return None
    return number if math.isfinite(number) else None


def _short(value: object) -> str:
    """A value for a message, cut short (repr of a 5000-digit integer even raises)."""
    if isinstance(value, int) and abs(value) > 10**30:
        return "(a number of over 30 digits)"
    return repr(value)[:40]


def _time(item: dict[str, Any], *keys: str) -> datetime:
    for key in keys:
        if key in item and item[key] not in (None, ""):
            return parse_time(item[key])
    raise PayloadError("a position without a time")


def parse_time(value: Any) -> datetime:
    """ISO 8601 (with Z or an offset; no offset means UTC) or epoch seconds/milliseconds."""
    digits = value.strip().lstrip("-").replace(".", "", 1) if isinstance(value, str) else ""
    if digits.isascii() and digits.isdigit():  # not "²", which isdigit() but float() refuses
        value = float(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            seconds = float(value)  # OverflowError for an integer of 400 digits
            if seconds > 1e11:  # milliseconds since the epoch (JavaScript)
                seconds /= 1000.0
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise PayloadError(f"time {_short(value)} is out of range") from None
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        if len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():
            text = text[:-2] + ":" + text[-2:]  # "+0000" as SPOT writes it
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            raise PayloadError(f"time {value[:40]!r} is not a time") from None
        if when.tzinfo is None:
            return when.replace(tzinfo=UTC)
        try:
            return when.astimezone(UTC)
        except OverflowError:  # 0001-01-01T00:00+05:00 (the filter refuses year 1 anyway)
            raise PayloadError(f"time {value[:40]!r} is out of range") from None
    raise PayloadError("a time that is neither text nor a number")
