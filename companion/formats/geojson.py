"""GeoJSON route files -> RouteData.

Accepted: a FeatureCollection, a single Feature, or a bare geometry (a GeometryCollection is
looked into). LineString and MultiLineString geometries are the path, joined end to end in file
order; positions are ``[lon, lat]`` or ``[lon, lat, ele]``. Point features whose properties have
a ``name`` (or ``Name``/``NAME``, as GDAL writes from KML) are towns, ``where="feature N"``
(1-based, in file order). A Point without a name, and every other geometry type, is ignored.
A town's ``cutoff`` property is its cut-off, ``"2021-08-22T18:00"`` (local time of the event
unless it has an offset). Its ``km`` property (a number, or a numeric string) is its route-book
km, honoured like a CSV book's column: the line is stretched so each such town falls at its km
(core/calibrate.py). Its ``aliases`` property, a list of strings or one string separated by
``;``, gives the other names a crew may type for it. A Point far from the line, or a second Point
of the same name, is left out with a warning (``companion info`` lists them).

Name: the first line feature's name property, else the collection's top-level ``name`` (GDAL
writes the file stem there), else the file stem. Description: a ``description``/``desc``
property of the first line feature, when there is one.
"""

from __future__ import annotations

import json
import math
import reprlib
from datetime import datetime
from pathlib import Path
from typing import Any

from companion.core.models import RouteData, RouteError, TownSpec
from companion.formats._common import (
    check_lat_lon,
    one_line,
    parse_cutoff,
    read_bytes,
    split_aliases,
)
from companion.formats.limits import DEFAULT_LIMITS, Limits, check_size, too_many

_LINE_TYPES = ("LineString", "MultiLineString")
_NAME_KEYS = ("name", "Name", "NAME")
_DESC_KEYS = ("description", "Description", "desc")
_MAX_DEPTH = 32  # GeometryCollections inside GeometryCollections: enough for any real file
_REPR = reprlib.Repr()
_REPR.maxstring = 40
_REPR.maxother = 40
_REPR.maxlist = 3
_REPR.maxlevel = 2


def load_geojson(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> RouteData:
    """Read a GeoJSON file into RouteData (not yet a Route: see `core.route.build_route`).

    Raises:
        RouteError: one line naming the file and the feature/coordinate at fault, or the limit
            (`formats.limits`) the file is over.
    """
    p = Path(path)
    check_size(p, limits.geojson_bytes, "GeoJSON")
    return parse_geojson(read_bytes(p), str(p), default_name=p.stem, limits=limits)


def parse_geojson(
    data: bytes | str, source: str, default_name: str = "", limits: Limits = DEFAULT_LIMITS
) -> RouteData:
    """Parse GeoJSON text; `source` names it in messages."""
    doc = _decode(data, source)
    reader = _Reader(source, limits)
    reader.document(doc)
    if not reader.lats:
        raise RouteError(
            f"{source}: no LineString or MultiLineString geometry, so no path to follow"
        )
    if len(reader.lats) < 2:
        raise RouteError(f"{source}: the line has only one point; a route needs at least two")
    top_name = doc.get("name") if isinstance(doc, dict) else None
    name = one_line(top_name) if isinstance(top_name, str) else ""
    return RouteData(
        name=reader.line_name or name or default_name or Path(source).stem,
        source=source,
        lats=reader.lats,
        lons=reader.lons,
        eles=reader.eles,
        towns=reader.towns,
        description=reader.line_desc,
        waypoints=True,
    )


def _decode(data: bytes | str, source: str) -> Any:
    if isinstance(data, bytes):
        if not data.strip():
            raise RouteError(f"{source}: the file is empty")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RouteError(
                f"{source}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
            ) from None
    else:
        text = data.removeprefix("\ufeff")
    if not text.strip():
        raise RouteError(f"{source}: the file is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RouteError(
            f"{source}: line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}"
        ) from None
    except RecursionError:
        raise RouteError(f"{source}: invalid JSON: nested too deeply") from None
    except ValueError as exc:  # e.g. an integer with more digits than Python will convert
        raise RouteError(f"{source}: invalid JSON: {one_line(str(exc))}") from None


class _Reader:
    def __init__(self, source: str, limits: Limits) -> None:
        self.source = source
        self.limits = limits
        self.lats: list[float] = []
        self.lons: list[float] = []
        self.eles: list[float] = []
        self.towns: list[TownSpec] = []
        self.line_name = ""
        self.line_desc = ""

    def fail(self, where: str, message: str) -> RouteError:
        return RouteError(f"{self.source}: {where}: {message}")

    def document(self, doc: Any) -> None:
        if not isinstance(doc, dict):
            raise RouteError(f"{self.source}: not GeoJSON (the top level is not an object)")
        kind = doc.get("type")
        if kind == "FeatureCollection":
            features = doc.get("features")
            if not isinstance(features, list):
                raise RouteError(f"{self.source}: FeatureCollection without a 'features' list")
            for i, feature in enumerate(features, start=1):
                self.feature(feature, f"feature {i}")
        elif kind == "Feature":
            self.feature(doc, "feature 1")
        elif isinstance(kind, str):
            self.geometry(doc, "geometry", None, 0)
        else:
            raise RouteError(f"{self.source}: not GeoJSON (no 'type' at the top level)")

    def feature(self, feature: Any, where: str) -> None:
        if not isinstance(feature, dict):
            raise self.fail(where, "not a GeoJSON object")
        props = feature.get("properties")
        props = props if isinstance(props, dict) else {}
        geometry = feature.get("geometry")
        if geometry is None:
            return  # allowed by RFC 7946: a feature with no place
        self.geometry(geometry, where, props, 0)

    def geometry(self, geom: Any, where: str, props: dict[str, Any] | None, depth: int) -> None:
        if not isinstance(geom, dict):
            raise self.fail(where, "the geometry is not a GeoJSON object")
        kind = geom.get("type")
        if kind in _LINE_TYPES:
            coords = geom.get("coordinates")
            if not isinstance(coords, list):
                raise self.fail(where, f"{kind} without a 'coordinates' list")
            lines = [coords] if kind == "LineString" else coords
            for j, line in enumerate(lines, start=1):
                part = f"{where}, line {j}" if kind == "MultiLineString" else where
                if not isinstance(line, list):
                    raise self.fail(part, "a line's coordinates are not a list")
                self.line(line, part)
            if props is not None and not self.line_name:
                self.line_name = _text_prop(props, _NAME_KEYS)
                self.line_desc = self.line_desc or _text_prop(props, _DESC_KEYS)
        elif kind == "Point" and props is not None:
            name = _text_prop(props, _NAME_KEYS)
            if name:
                if len(self.towns) == self.limits.towns:
                    raise too_many(self.source, where, self.limits.towns, "named points (towns)")
                lon, lat, _ele = self.position(geom.get("coordinates"), where)
                cutoff = self.cutoff(props.get("cutoff"), where)
                km = self.km(props.get("km"), where)
                aliases = self.aliases(props.get("aliases"), where)
                self.towns.append(
                    TownSpec(name, lat, lon, where=where, km=km, cutoff=cutoff, aliases=aliases)
                )
        elif kind == "GeometryCollection" and depth < _MAX_DEPTH:
            members = geom.get("geometries")
            if isinstance(members, list):
                for member in members:
                    self.geometry(member, where, props, depth + 1)

    def cutoff(self, value: Any, where: str) -> datetime | None:
        """A Point's "cutoff" property (an ISO time string; null or absent: none)."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            raise self.fail(where, f"cutoff {_brief(value)} is not a date and time string")
        try:
            return parse_cutoff(value)
        except ValueError as exc:
            raise self.fail(where, str(exc)) from None

    def km(self, value: Any, where: str) -> float | None:
        """A Point's "km" property: its route-book km (null or absent: none)."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        km = _number(value)
        if km is None and isinstance(value, str):
            try:
                km = float(value.strip())
            except ValueError:
                km = None
        if km is None or not math.isfinite(km) or km < 0:
            raise self.fail(where, f"km {_brief(value)} is not a number of km (0 or more)")
        return km

    def aliases(self, value: Any, where: str) -> tuple[str, ...]:
        """A Point's "aliases" property: ["Baroda", "Vadodra"] or "Baroda;Vadodra"."""
        if value is None:
            return ()
        if isinstance(value, str):
            return split_aliases(value)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(a for v in value for a in split_aliases(v))
        raise self.fail(where, f"aliases {_brief(value)}: a list of names or a string")

    def line(self, coords: list[Any], where: str) -> None:
        lats, lons, eles = self.lats, self.lons, self.eles
        if len(lats) + len(coords) > self.limits.points:
            raise too_many(self.source, where, self.limits.points, "points")
        for k, pos in enumerate(coords, start=1):
            lon, lat, ele = self.position(pos, f"{where}, coordinate {k}")
            lats.append(lat)
            lons.append(lon)
            eles.append(ele)

    def position(self, pos: Any, where: str) -> tuple[float, float, float]:
        """(lon, lat, ele) from a GeoJSON position, or a RouteError naming it."""
        if not isinstance(pos, list) or len(pos) < 2:
            raise self.fail(where, f"expected [lon, lat], found {_brief(pos)}")
        lon, lat = _number(pos[0]), _number(pos[1])
        if lon is None:
            raise self.fail(where, f"longitude {_brief(pos[0])} is not a number")
        if lat is None:
            raise self.fail(where, f"latitude {_brief(pos[1])} is not a number")
        reason = check_lat_lon(lat, lon)
        if reason:
            raise self.fail(where, reason)
        ele = _number(pos[2]) if len(pos) > 2 else None
        return lon, lat, ele if ele is not None and math.isfinite(ele) else math.nan


def _number(value: Any) -> float | None:
    """A JSON number as a float (NaN/inf pass through for the range check); None otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return float(value)
    except OverflowError:  # an integer too big for a float
        return math.inf


def _text_prop(props: dict[str, Any], keys: tuple[str, ...]) -> str:
    for key in keys:
        value = props.get(key)
        if isinstance(value, str) and value.strip():
            return one_line(value)
    return ""


def _brief(value: Any) -> str:
    """A short, one-line rendering of a JSON value for a message."""
    return one_line(_REPR.repr(value))
