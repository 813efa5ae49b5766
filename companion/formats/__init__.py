"""Route files in, core values out: GPX, GeoJSON, CSV route books and FIT activities/courses.

`load_route(path)` is the one entry point most callers need. Every failure is a `RouteError`
whose message is one line starting with the file path; no other exception type escapes. Files
over the limits of `formats.limits` (size, points, towns) are refused with the limit named, and
running out of memory while reading one is a RouteError that says so.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from companion.core.models import RouteData, RouteError
from companion.core.route import Route, build_route
from companion.formats._common import describe_os_error, one_line
from companion.formats.book import with_book
from companion.formats.csv_route import load_csv
from companion.formats.fit import load_fit
from companion.formats.geojson import load_geojson
from companion.formats.gpx import load_gpx
from companion.formats.limits import DEFAULT_LIMITS, Limits, size_text

__all__ = ["detect_format", "load_route", "load_route_data"]

_BY_EXTENSION = {
    ".gpx": "gpx", ".geojson": "geojson", ".json": "geojson", ".csv": "csv", ".fit": "fit",
}  # fmt: skip
# Formats people will try that we know and do not read: say so rather than "not a GPX file".
_KNOWN_UNSUPPORTED = {".tcx": "TCX", ".kml": "KML", ".kmz": "KMZ"}
_LOADERS: dict[str, Callable[[Path, Limits], RouteData]] = {
    "gpx": load_gpx,
    "geojson": load_geojson,
    "csv": load_csv,
    "fit": load_fit,
}
_SNIFF_BYTES = 4096


def load_route(
    path: str | Path, *, limits: Limits = DEFAULT_LIMITS, towns: str | Path | None = None
) -> Route:
    """Load a route file (GPX, GeoJSON or CSV route book) and build the Route.

    Args:
        towns: a CSV route book whose towns and km replace the file's own (formats/book.py).

    Raises:
        RouteError: a one-line message starting with the path.
    """
    data = load_route_data(path, limits=limits)
    if towns is not None:
        data = with_book(data, towns, limits)
    try:
        return build_route(data)
    except RouteError:
        raise
    except MemoryError:
        raise RouteError(_out_of_memory(Path(path), "build")) from None
    except Exception as exc:  # a bug in a layer below must not become a traceback in the UI
        raise RouteError(f"{path}: cannot build the route: {_reason(exc)}") from exc


def load_route_data(path: str | Path, *, limits: Limits = DEFAULT_LIMITS) -> RouteData:
    """Read a route file into RouteData, choosing the reader by extension or, failing that,
    by content.

    Raises:
        RouteError: a one-line message starting with the path.
    """
    p = Path(path)
    fmt = detect_format(p)
    try:
        return _LOADERS[fmt](p, limits)
    except RouteError:
        raise
    except OSError as exc:
        raise RouteError(describe_os_error(p, exc)) from None
    except MemoryError:  # under the limits, on a machine with less memory than the file needs
        raise RouteError(_out_of_memory(p, "read")) from None
    except Exception as exc:  # pragma: no cover - a loader bug; still one line for a person
        raise RouteError(f"{p}: cannot read the route: {_reason(exc)}") from exc


def _out_of_memory(p: Path, doing: str) -> str:
    try:
        size = f" of {size_text(p.stat().st_size)}"
    except OSError:
        size = ""
    return (
        f"{p}: not enough memory to {doing} this route{size}; close other programs, or "
        "simplify the track (fewer points) and load it again"
    )


def _reason(exc: Exception) -> str:
    """The exception's message, or its kind when it has none (MemoryError() says nothing)."""
    return one_line(str(exc)) or type(exc).__name__


def detect_format(path: str | Path) -> str:
    """ "gpx", "geojson" or "csv" for a route file, by extension or else by its first bytes.

    Raises:
        RouteError: the file is missing or unreadable, or not in a format we read.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if not p.exists():
        raise RouteError(f"{p}: no such file")
    if suffix in _KNOWN_UNSUPPORTED:
        raise RouteError(
            f"{p}: unsupported route format ({_KNOWN_UNSUPPORTED[suffix]}); "
            "use GPX, GeoJSON, FIT or a CSV route book"
        )
    if suffix in _BY_EXTENSION:
        return _BY_EXTENSION[suffix]
    try:
        with p.open("rb") as f:
            head = f.read(_SNIFF_BYTES)
    except OSError as exc:
        raise RouteError(describe_os_error(p, exc)) from None
    return _sniff(p, head)


def _sniff(p: Path, head: bytes) -> str:
    """The format from the first few KB, for files whose extension says nothing."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a BOM: only our XML uses it
        text = head.decode("utf-16", errors="replace").encode("utf-8", errors="replace")
    else:
        text = head.removeprefix(b"\xef\xbb\xbf")
    if head[8:12] == b".FIT":  # the FIT header's signature, whatever the extension
        return "fit"
    text = text.lstrip()
    if not text:
        raise RouteError(f"{p}: the file is empty")
    if b"\x00" not in text:
        if text.startswith(b"<") and (b"<gpx" in text or b":gpx" in text):
            return "gpx"
        if text.startswith((b"{", b"[")):
            return "geojson"
        lines = text.decode("utf-8", errors="replace").lower().splitlines()
        header = next((ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")), "")
        if "lat" in header and ("lon" in header or "lng" in header):
            return "csv"
    raise RouteError(f"{p}: unsupported route format; use GPX, GeoJSON or a CSV route book")
