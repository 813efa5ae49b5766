"""How big a route file may be: far above any real event, well below what brings a laptop to its
knees (issue 10 F7: a 2 GiB GPX took 215 s and 7.4 GB of memory; a 100,000-row route book 116 s).

The figures, and why:

* **points: 3,000,000** track or route points. A 1000 km ride recorded every second is ~150,000
  points; the 8-day 416 km run recorded every second around the clock is 691,200. 3 M is four
  times that, and loads in ~10 s with ~500 MB at its peak (the 200k-point GPX of bench/ takes
  0.6 s and 32 MB, and both grow linearly).
* **towns: 20,000** towns (route book rows, named waypoints, named points). The route books of
  routes/ have 10-100 rows; a cue sheet of a 4,800 km race across America with a turn every
  250 m would have ~19,000. 20,000 towns snap in ~2 s.
* **GPX: 512 MiB.** A GPX point with time, elevation and heart rate/cadence extensions is
  ~150-250 bytes: the 8-day run at 1 s is ~170 MB of such points. The GPX is read in 1 MB
  chunks and the points limit stops a long file early, so this is mostly about time: expat
  reads ~10 MB/s with our handlers (2 GiB took 215 s).
* **GeoJSON: 128 MiB.** 3 M positions `[lon, lat, ele]` at 6 decimals are ~105 MB of text, and
  the whole document is parsed at once into Python lists that take ~5 times the text.
* **CSV route book: 16 MiB.** 20,000 rows of name, coordinates, km and a few notes columns are
  1-10 MB.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from companion.core.models import RouteError

MIB = 1 << 20


@dataclass(frozen=True, slots=True)
class Limits:
    """The limits a route file is read under (tests pass smaller ones)."""

    points: int = 3_000_000
    towns: int = 20_000
    gpx_bytes: int = 512 * MIB
    geojson_bytes: int = 128 * MIB
    csv_bytes: int = 16 * MIB
    # FIT packs a record in ~30 bytes where GPX needs ~100: a 64 MiB FIT is ~2 million records.
    fit_bytes: int = 64 * MIB


DEFAULT_LIMITS = Limits()


def size_text(n: int) -> str:
    """`n` bytes for a person: "2.0 GiB", "600 MiB", "17 KB"."""
    if n >= 1 << 30:
        return f"{n / (1 << 30):.1f} GiB"
    if n >= MIB:
        return f"{n / MIB:.0f} MiB"
    return f"{max(n // 1000, 1)} KB"


def check_size(path: Path, limit: int, what: str) -> None:
    """Refuse a file over `limit` bytes before reading it (a sparse 2 GiB file too).

    `what` names the format for the message: "GPX", "GeoJSON", "CSV route book". A file that
    cannot be stat'ed is left to the reader, which names the problem.
    """
    try:
        size = os.stat(path).st_size
    except OSError:
        return
    if size > limit:
        raise RouteError(
            f"{path}: {size_text(size)} is too big for a {what} file "
            f"(the limit is {size_text(limit)}, far above any real route)"
        )


def too_many(source: str, where: str, limit: int, what: str) -> RouteError:
    """The error for a file with more than `limit` of `what` ("track points", "towns")."""
    at = f"{where}: " if where else ""
    return RouteError(
        f"{source}: {at}more than {limit:,} {what}; a route file may have at most {limit:,} "
        "(far above any real route)"
    )
