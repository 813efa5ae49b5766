"""GPX 1.0 / 1.1 route files -> RouteData.

What is read (tags matched on their local name, so any namespace or prefix works):

* The path is every ``trkpt`` of every ``trkseg`` of every ``trk``, in file order. A file with no
  track points uses the ``rtept`` of every ``rte`` instead. Parts are joined end to end (the gap
  between two segments counts as distance, which is what a stage race's tracks need).
* Towns are the named ``wpt`` and, when the path comes from ``rte``, the named ``rtept``. Names
  that are only automatic numbering ("#001", "001", "RPT012", "WPT7", "TP3") are skipped: tools
  such as gpx.py and GPSBabel name every route point that way. Route points are not towns when a
  track is the path (the route is then usually a rough plan drawn alongside it).
* A town's cut-off: ``<extensions><cutoff>2021-08-22T18:00</cutoff></extensions>`` (any prefix),
  or ``cutoff: 2021-08-22T18:00`` in its ``<desc>`` or ``<cmt>``; local time of the event unless
  it has an offset.
* A town's other names (what a crew may type for it): ``<extensions><alias>Baroda</alias>
  </extensions>`` (any prefix, repeatable), or ``aliases: Baroda; Vadodra`` on a line of its
  ``<desc>`` or ``<cmt>``; names are separated by ``;``.
* A waypoint far from the path, or a second one of the same name, is left out with a warning
  (``companion info`` lists them); the file still loads. A file of waypoints only is a
  town-to-town route through them in file order.
* ``<ele>`` is kept; NaN when absent, empty or not a number (elevation only draws the profile, so
  a garbled one does not stop a route from loading). Latitude and longitude must be numbers in
  range: a bad one is a RouteError naming the line.
* Name: ``metadata/name`` (GPX 1.1) or ``gpx/name`` (1.0), else the first ``trk``/``rte`` name,
  else the file stem. Description: the first ``desc`` found at the same levels.

Why pyexpat with our own handlers, not ``defusedxml.ElementTree.iterparse`` or gpxpy: it is the
only one of the three that is fast, gives line numbers and refuses entity tricks by itself.
Measured on a 200k-point, 20 MB track (median of 3): stdlib ``ET.iterparse`` with ``clear()``
0.54 s but no line numbers; defusedxml's iterparse 0.88 s (it swaps in the pure-Python tree
builder) and no line numbers either; pyexpat with Python handlers 0.55 s for the bare loop, and
``CurrentLineNumber`` is there in every handler. gpxpy is ~10x slower. Security: a DOCTYPE is
refused as soon as expat reports it (entities can only be declared inside one, so billion laughs
and external entities never get as far as being expanded or fetched); entity-declaration and
external-entity handlers refuse too, and parameter-entity parsing is off. The file is fed in
1 MB chunks, and nothing but the numbers we keep is retained. A file's plain track segments are
read apart by formats/gpx_fast.py (~2x faster, issue 11), the rest by the handlers here.
"""

from __future__ import annotations

import io
import math
import pyexpat
import re
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from companion.core.models import RouteData, RouteError, TownSpec
from companion.formats._common import (
    check_lat_lon,
    describe_os_error,
    is_auto_name,
    one_line,
    parse_cutoff,
    show,
    split_aliases,
)
from companion.formats.gpx_fast import FAST_MAX_BYTES, cut_plain_segments
from companion.formats.gpx_xml import parse_all, safe_parser
from companion.formats.limits import DEFAULT_LIMITS, Limits, check_size, too_many

_NAN = math.nan
_POINT_PARENT = {"trkpt": "trkseg", "rtept": "rte", "wpt": "gpx"}
_TEXT_TAGS = frozenset(("ele", "name", "desc", "cmt", "cutoff", "alias"))
# A <trkseg> inside one of these: its points change what is read around it (a point's name, a
# text's), so gpx_fast.py's cut is not the same file there.
_NOT_AROUND_A_SEGMENT = frozenset(("wpt", "rtept", "trkpt", *_TEXT_TAGS))
# "cutoff: 2021-08-22T18:00" in a waypoint's <desc> or <cmt> (what a GPX editor lets one type).
_CUTOFF_NOTE = re.compile(r"\bcut-?off\s*[:=]\s*(\S+(?:[ T]\S+)?)", re.IGNORECASE)
# "aliases: Baroda; Vadodra" on a line of a waypoint's <desc> or <cmt>.
_ALIAS_NOTE = re.compile(r"\b(?:aliases|alias)\s*[:=]\s*([^\n]*)", re.IGNORECASE)


def load_gpx(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> RouteData:
    """Read a GPX file into RouteData (not yet a Route: see `core.route.build_route`).

    Raises:
        RouteError: one line naming the file and the line, for anything that stops the load,
            or the limit (`formats.limits`) the file is over.
    """
    p = Path(path)
    check_size(p, limits.gpx_bytes, "GPX")
    try:
        with p.open("rb") as f:
            if p.stat().st_size > FAST_MAX_BYTES:
                return parse_gpx(f, str(p), default_name=p.stem, limits=limits)
            whole = f.read()
        # Its plain track segments by regular expressions (gpx_fast.py), else as a stream.
        fast = _read_fast(whole, str(p), p.stem, limits)
        if fast is not None:
            return fast
        return _GpxReader(str(p), limits).run(io.BytesIO(whole), p.stem)
    except OSError as exc:
        raise RouteError(describe_os_error(p, exc)) from None


def parse_gpx(
    data: bytes | BinaryIO, source: str, default_name: str = "", limits: Limits = DEFAULT_LIMITS
) -> RouteData:
    """Parse GPX from bytes or a binary stream; `source` names it in messages."""
    name = default_name or Path(source).stem
    if isinstance(data, bytes | bytearray):
        fast = _read_fast(bytes(data), source, name, limits)
        if fast is not None:
            return fast
    return _GpxReader(source, limits).run(data, name)


def _read_fast(data: bytes, source: str, default_name: str, limits: Limits) -> RouteData | None:
    """The file with its plain track segments cut out and read apart (gpx_fast.py), or None:
    then the caller reads it all as before, which says whatever was wrong exactly as before."""
    cut = cut_plain_segments(data, limits.points)
    if cut is None:
        return None
    reader = _GpxReader(source, limits)
    reader.t_lats += cut.lats  # the rest holds no track point: file order is kept
    reader.t_lons += cut.lons
    reader.t_eles += cut.eles
    try:
        data_read = reader.run(cut.rest, default_name)
    except RouteError:
        return None  # e.g. over a limit the stream would have stopped at sooner, or elsewhere
    if len(reader.named) - len(reader.r_lats) > limits.towns:
        return None  # a stream stops at the chunk past the limit, naming its line
    if reader.segment_in_point:
        return None  # its points would have changed what was read around them
    return data_read


class _GpxReader:
    """One parse. Handlers are closures over local lists: attribute lookups cost at 1M calls."""

    def __init__(self, source: str, limits: Limits) -> None:
        self.source = source
        self.limits = limits
        self.t_lats: list[float] = []
        self.t_lons: list[float] = []
        self.t_eles: list[float] = []
        self.r_lats: list[float] = []
        self.r_lons: list[float] = []
        self.r_eles: list[float] = []
        # Named rtept/wpt in file order: (kind, name, lat, lon, line).
        # (kind, name, lat, lon, line, cutoff as written or "")
        self.named: list[tuple[str, str, float, float, int, str]] = []
        # Aliases as written, by index into `named` (few waypoints have any).
        self.aliases: dict[int, list[str]] = {}
        self.n_wpt = 0
        self.doc_name = ""
        self.doc_desc = ""
        self.part_name = ""
        self.part_desc = ""
        self.trk_named = False
        self.seen_root = False
        self.segment_in_point = False  # a <trkseg> inside a point or a text (see _read_fast)

    def fail(self, line: int, message: str) -> RouteError:
        return RouteError(f"{self.source}: line {line}: {message}")

    def run(self, data: bytes | BinaryIO, default_name: str) -> RouteData:
        parser = safe_parser(self.fail)
        parser.ordered_attributes = True  # a list, not a dict: 20% faster on big tracks
        self._install(parser)
        parse_all(
            parser,
            data,
            source=self.source,
            fail=self.fail,
            after_chunk=self._check_counts,
            seen_root=lambda: self.seen_root,
        )
        return self._result(default_name)

    def _check_counts(self, line: int) -> None:
        """Stop a file over the limits as it is read (one chunk past them), not at its end."""
        most = self.limits.points
        if len(self.t_lats) > most or len(self.r_lats) > most:
            raise too_many(self.source, f"line {line}", most, "track or route points")
        # Named route points are at most the route points: the rest of `named` are waypoints.
        if len(self.named) - len(self.r_lats) > self.limits.towns:
            raise too_many(self.source, f"line {line}", self.limits.towns, "named waypoints")

    def _install(self, parser: pyexpat.XMLParserType) -> None:
        # Local names of the open elements; the "" sentinel makes stack[-1] always valid.
        stack: list[str] = [""]
        push, pop = stack.append, stack.pop
        t_lats, t_lons, t_eles = self.t_lats, self.t_lons, self.t_eles
        r_lats, r_lons, r_eles = self.r_lats, self.r_lons, self.r_eles
        named = self.named
        text: list[str] = []
        on_text = text.append
        # The point being read: its kind ("" when none), name, position, line, and the list its
        # elevation goes into (None for waypoints, whose elevation we do not keep).
        kind = ""
        name = ""
        cutoff = ""
        lat = lon = 0.0
        line = 0
        eles: list[float] | None = None
        point_aliases: list[str] = []  # the point's aliases as written (cleared per point)
        local_names: dict[str, str] = {}
        point_parent = _POINT_PARENT.get
        text_tags = _TEXT_TAGS
        nan = _NAN
        isfinite = math.isfinite

        def start(tag: str, attrs: list[str]) -> None:
            nonlocal kind, name, cutoff, lat, lon, line, eles
            local = local_names.get(tag)
            if local is None:
                local = local_names[tag] = tag.rpartition(":")[2]
                if len(stack) == 1:
                    self._check_root(parser, tag, local)
            parent = stack[-1]
            if local == "trkseg" and not _NOT_AROUND_A_SEGMENT.isdisjoint(stack):
                self.segment_in_point = True
            push(local)
            want = point_parent(local)
            if want is not None:
                if want != parent:
                    return  # e.g. a <wpt> inside <extensions>: not ours
                try:
                    if len(attrs) == 4 and attrs[0] == "lat" and attrs[2] == "lon":
                        lat = float(attrs[1])
                        lon = float(attrs[3])
                    else:
                        named_attrs = dict(zip(attrs[::2], attrs[1::2], strict=False))
                        lat = float(named_attrs["lat"])
                        lon = float(named_attrs["lon"])
                except (KeyError, ValueError):
                    raise self._bad_point(parser, local, attrs) from None
                if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):  # NaN fails too
                    raise self._bad_point(parser, local, attrs)
                kind = local
                name = ""
                cutoff = ""
                if local == "trkpt":
                    t_lats.append(lat)
                    t_lons.append(lon)
                    t_eles.append(nan)
                    eles = t_eles
                elif local == "rtept":
                    r_lats.append(lat)
                    r_lons.append(lon)
                    r_eles.append(nan)
                    eles = r_eles
                    line = parser.CurrentLineNumber
                    point_aliases.clear()  # (not per track point: those never keep a name)
                else:
                    self.n_wpt += 1
                    eles = None
                    line = parser.CurrentLineNumber
                    point_aliases.clear()
            elif local in text_tags:
                text.clear()
                parser.CharacterDataHandler = on_text

        def end(tag: str) -> None:
            nonlocal kind, name, cutoff, eles
            local = pop()
            if local == kind:
                if kind != "trkpt" and name and not is_auto_name(name):
                    named.append((kind, name, lat, lon, line, cutoff))
                    if point_aliases:
                        self.aliases[len(named) - 1] = point_aliases[:]
                kind = ""
                eles = None
            elif local in text_tags:
                parser.CharacterDataHandler = None
                parent = stack[-1]
                if parent == kind:  # a point we are reading (not one we skipped)
                    if local == "ele":
                        if eles is not None:
                            # A garbled elevation is left NaN: it only draws the profile.
                            try:
                                ele = float("".join(text))
                            except ValueError:
                                ele = nan
                            eles[-1] = ele if isfinite(ele) else nan
                    elif local == "name":
                        name = one_line("".join(text))
                    elif local == "cutoff":
                        cutoff = one_line("".join(text))
                    elif local == "alias":
                        point_aliases.append("".join(text))
                    elif kind != "trkpt":  # <desc> or <cmt>: notes a GPX editor lets one type
                        note_text = "".join(text)
                        if not cutoff:
                            note = _CUTOFF_NOTE.search(note_text)
                            cutoff = note[1] if note else ""
                        if alias_note := _ALIAS_NOTE.search(note_text):
                            point_aliases.append(alias_note[1])
                elif parent == "extensions" and stack[-2] == kind != "":
                    if local == "cutoff":
                        cutoff = one_line("".join(text))
                    elif local == "alias":
                        point_aliases.append("".join(text))
                elif parent in ("metadata", "gpx"):
                    self._doc_text(local, "".join(text))
                elif parent in ("trk", "rte"):
                    self._part_text(local, "".join(text), parent)

        parser.StartElementHandler = start
        parser.EndElementHandler = end

    def _doc_text(self, local: str, value: str) -> None:
        if local == "name" and not self.doc_name:
            self.doc_name = one_line(value)
        elif local == "desc" and not self.doc_desc:
            self.doc_desc = value.strip()

    def _part_text(self, local: str, value: str, parent: str) -> None:
        # A track's name beats a route's: when both exist the track is the path.
        if local == "name" and (not self.part_name or (parent == "trk" and not self.trk_named)):
            self.part_name = one_line(value)
            self.trk_named = self.trk_named or (parent == "trk" and bool(self.part_name))
        elif local == "desc" and not self.part_desc:
            self.part_desc = value.strip()

    def _check_root(self, parser: pyexpat.XMLParserType, tag: str, local: str) -> None:
        if local != "gpx":
            raise self.fail(
                parser.CurrentLineNumber, f"the root element is <{tag}>, not <gpx>: not a GPX file"
            )
        self.seen_root = True

    def _cutoff(self, text: str, line: int) -> datetime | None:
        if not text:
            return None
        try:
            return parse_cutoff(text)
        except ValueError as exc:
            raise self.fail(line, str(exc)) from None

    def _bad_point(self, parser: pyexpat.XMLParserType, tag: str, attrs: list[str]) -> RouteError:
        line = parser.CurrentLineNumber
        named_attrs = dict(zip(attrs[::2], attrs[1::2], strict=False))
        for key, label in (("lat", "latitude"), ("lon", "longitude")):
            raw = named_attrs.get(key)
            if raw is None:
                return self.fail(line, f"<{tag}> has no {key} attribute")
            try:
                value = float(raw)
            except ValueError:
                return self.fail(line, f"{label} {show(raw)} is not a number")
            if not math.isfinite(value):
                return self.fail(line, f"{label} {show(raw)} is not a number")
        lat, lon = float(named_attrs["lat"]), float(named_attrs["lon"])
        return self.fail(line, check_lat_lon(lat, lon) or f"bad coordinates in <{tag}>")

    def _result(self, default_name: str) -> RouteData:
        if self.t_lats:
            lats, lons, eles, what = self.t_lats, self.t_lons, self.t_eles, "track"
        elif self.r_lats:
            lats, lons, eles, what = self.r_lats, self.r_lons, self.r_eles, "route"
        elif len(self.named) >= 2:
            # Waypoints only (a crew's towns clicked on a map): town to town through them.
            lats = [n[2] for n in self.named]
            lons = [n[3] for n in self.named]
            eles, what = [_NAN] * len(lats), "route"
        else:
            # Fewer than two named waypoints cannot make a town-to-town route either.
            extra = f" (only waypoints: {self.n_wpt})" if self.n_wpt else ""
            raise RouteError(f"{self.source}: the file has no track or route points{extra}")
        if len(lats) < 2:
            raise RouteError(
                f"{self.source}: the {what} has only one point; a route needs at least two"
            )
        if len(lats) > self.limits.points:
            raise too_many(self.source, "", self.limits.points, f"{what} points")
        towns = [
            TownSpec(
                name, lat, lon, where=f"line {line}", cutoff=self._cutoff(cut, line),
                aliases=tuple(a for raw in self.aliases.get(i, ()) for a in split_aliases(raw)),
            )
            for i, (kind, name, lat, lon, line, cut) in enumerate(self.named)
            if kind == "wpt" or what == "route"
        ]  # fmt: skip
        if len(towns) > self.limits.towns:
            raise too_many(self.source, "", self.limits.towns, "named points (towns)")
        return RouteData(
            name=self.doc_name or self.part_name or default_name,
            source=self.source,
            lats=lats,
            lons=lons,
            eles=eles,
            towns=towns,
            description=self.doc_desc or self.part_desc,
            waypoints=True,
        )
