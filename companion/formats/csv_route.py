"""CSV route books -> RouteData.

The format, for a route book typed from an organiser's PDF::

    # name: Mumbai to Ahmedabad
    # source: organiser's route book v3, 2024-01-10; km are road km from the start
    name,lat,lon,km
    Mumbai,19.0760,72.8777,0
    "Virar, Palghar",19.4559,72.8111,62.5

* The header is ``name,lat,lon`` with an optional ``km``: case-insensitive, surrounding spaces
  ignored, any order, extra columns ignored (``latitude``/``longitude``/``lng`` are accepted as
  well). The delimiter is a comma, or a semicolon or tab when the header uses one.
* Lines starting with ``#`` are comments. ``# name: X`` gives the route name; the other comment
  lines before the header are kept, in order, as the description (where the figures come from).
* The path is the straight line through the rows in order (no elevation); each row is a town,
  ``where="line N"``. With a ``km`` column every row needs a km, and the rows become anchors:
  `build_route` stretches distances so each town falls at its route-book km and refuses km that
  do not increase. TownSpec.km is left unset: the anchors already put each town at its km.
* An optional ``cutoff`` column gives a town's cut-off, ``2021-08-22T18:00`` (local time of the
  event unless it has an offset); an empty cell is a town without one.
* An optional ``aliases`` column gives other names the crew may type for the town, separated by
  ``;`` (``Baroda;Vadodra``; quote the cell when the delimiter is ``;`` too). An empty cell is none.
* Blank lines are skipped. Quoted fields may hold the delimiter, but not a line break.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from companion.core.models import RouteData, RouteError, TownSpec
from companion.formats._common import (
    check_lat_lon,
    one_line,
    parse_cutoff,
    read_bytes,
    show,
    split_aliases,
)
from companion.formats.limits import DEFAULT_LIMITS, Limits, check_size, too_many

_ALIASES = {
    "name": "name",
    "town": "name",
    "lat": "lat",
    "latitude": "lat",
    "lon": "lon",
    "lng": "lon",
    "long": "lon",
    "longitude": "lon",
    "km": "km",
    "cutoff": "cutoff",
    "cut-off": "cutoff",
    "aliases": "aliases",
    "alias": "aliases",
}
# Columns a row may leave off at its end (a town without a cut-off or an alias).
_OPTIONAL = ("cutoff", "aliases")


def load_csv(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> RouteData:
    """Read a CSV route book into RouteData (not yet a Route: see `core.route.build_route`).

    Raises:
        RouteError: one line naming the file and the line (and column) at fault, or the limit
            (`formats.limits`) the file is over.
    """
    p = Path(path)
    check_size(p, limits.csv_bytes, "CSV route book")
    return parse_csv(read_bytes(p), str(p), default_name=p.stem, limits=limits)


def parse_csv(
    data: bytes | str, source: str, default_name: str = "", limits: Limits = DEFAULT_LIMITS
) -> RouteData:
    """Parse a CSV route book from bytes or text; `source` names it in messages."""
    text = _decode(data, source) if isinstance(data, bytes) else data.removeprefix("\ufeff")
    if "\x00" in text:
        raise RouteError(f"{source}: not a text file (it contains NUL bytes)")
    name = ""
    notes: list[str] = []
    columns: dict[str, int] | None = None
    delimiter = ","
    lats: list[float] = []
    lons: list[float] = []
    towns: list[TownSpec] = []
    anchors: list[tuple[int, float, str]] = []
    # CR alone ends a line too (old Mac exports): split on it, or the file is one long comment.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r")
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            comment = stripped.lstrip("#").strip()
            key, sep, value = comment.partition(":")
            if sep and key.strip().lower() == "name" and value.strip():
                name = one_line(value)
            elif columns is None and comment:
                notes.append(one_line(comment))
            continue
        where = f"line {number}"
        if columns is None:
            delimiter = _delimiter(line)
            columns = _header(_cells(line, delimiter, source, where), source, where)
            continue
        cells = _cells(line, delimiter, source, where)
        # A last cutoff or aliases column may be left off a row without one.
        needed = max(i for k, i in columns.items() if k not in _OPTIONAL) + 1
        if len(cells) < needed:
            raise RouteError(
                f"{source}: {where}: expected at least {needed} columns, found {len(cells)}"
            )
        town = cells[columns["name"]].strip()
        if not town:
            raise RouteError(f"{source}: {where}: the name is empty")
        lat = _number(cells, columns, "lat", source, where)
        lon = _number(cells, columns, "lon", source, where)
        reason = check_lat_lon(lat, lon)
        if reason:
            raise RouteError(f"{source}: {where}: {reason}")
        if "km" in columns:
            km = _number(cells, columns, "km", source, where)
            anchors.append((len(lats), km, where))
        cutoff = None
        col = columns.get("cutoff", len(cells))
        if col < len(cells) and (raw_cut := cells[col].strip()):
            try:
                cutoff = parse_cutoff(raw_cut)
            except ValueError as exc:
                raise RouteError(f"{source}: {where}: column cutoff: {exc}") from None
        if len(lats) == limits.towns:  # every row is a town
            raise too_many(source, where, limits.towns, "rows (towns)")
        lats.append(lat)
        lons.append(lon)
        col = columns.get("aliases", len(cells))
        aliases = split_aliases(cells[col]) if col < len(cells) else ()
        towns.append(
            TownSpec(one_line(town), lat, lon, where=where, cutoff=cutoff, aliases=aliases)
        )
    if columns is None:
        raise RouteError(f"{source}: the file is empty (no header line name,lat,lon)")
    if len(lats) < 2:
        raise RouteError(f"{source}: a route book needs at least two rows, found {len(lats)}")
    return RouteData(
        name=name or default_name or Path(source).stem,
        source=source,
        lats=lats,
        lons=lons,
        eles=[math.nan] * len(lats),
        towns=towns,
        anchors=anchors,
        description="\n".join(notes),
    )


def _decode(data: bytes, source: str) -> str:
    if b"\x00" in data:
        raise RouteError(f"{source}: not a text file (it contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise RouteError(
            f"{source}: line {line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); "
            "save the file as UTF-8"
        ) from None


def _delimiter(header: str) -> str:
    if "," in header:
        return ","
    if ";" in header:
        return ";"
    return "\t" if "\t" in header else ","


def _cells(line: str, delimiter: str, source: str, where: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error as exc:
        raise RouteError(f"{source}: {where}: {one_line(str(exc))}") from None


def _header(cells: list[str], source: str, where: str) -> dict[str, int]:
    columns: dict[str, int] = {}
    for i, cell in enumerate(cells):
        key = _ALIASES.get(cell.strip().lower())
        if key is not None and key not in columns:
            columns[key] = i
    missing = [c for c in ("name", "lat", "lon") if c not in columns]
    if missing:
        raise RouteError(
            f"{source}: {where}: the header lacks column(s) {', '.join(missing)}; "
            "expected name,lat,lon[,km]"
        )
    return columns


def _number(cells: list[str], columns: dict[str, int], key: str, source: str, where: str) -> float:
    raw = cells[columns[key]].strip()
    if not raw:
        raise RouteError(f"{source}: {where}: column {key}: empty; every row needs a {key}")
    try:
        value = float(raw)
    except ValueError:
        raise RouteError(f"{source}: {where}: column {key}: {show(raw)} is not a number") from None
    if not math.isfinite(value):
        raise RouteError(f"{source}: {where}: column {key}: {show(raw)} is not a number")
    return value
