"""A crew's own path (GPX, GeoJSON, FIT) with a CSV route book of towns and road km.

`companion new ride.gpx --towns book.csv`: the path is the file's track, the towns are the book's
rows. Each town snaps onto the path (core/towns.py; one more than DEFAULT_TOWN_MAX_OFF_M away is
an error naming the book's line), and the book's km calibrate it (core/calibrate.py): the km shown
are the book's at the towns and interpolated along the track between them. The path file's own
waypoints are not used: the book is the list of towns.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from companion.core.models import RouteData, TownSpec
from companion.formats.csv_route import load_csv
from companion.formats.limits import DEFAULT_LIMITS, Limits


def book_towns(book: str | Path, limits: Limits = DEFAULT_LIMITS) -> list[TownSpec]:
    """The towns of a CSV route book with their km (None where the book has no km column), each
    named in messages by the book and its line."""
    data = load_csv(book, limits)
    km_at = {i: km for i, km, _where in data.anchors}  # every row is a vertex of the book's path
    return [
        dataclasses.replace(t, km=km_at.get(i), where=f"{book} {t.where}")
        for i, t in enumerate(data.towns)
    ]


def with_book(path_data: RouteData, book: str | Path, limits: Limits = DEFAULT_LIMITS) -> RouteData:
    """`path_data`'s path with the book's towns instead of its own (strict: a town that does not
    snap onto the path refuses the route)."""
    return dataclasses.replace(
        path_data,
        towns=book_towns(book, limits),
        anchors=[],
        waypoints=False,
    )
