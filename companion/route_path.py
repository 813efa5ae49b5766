"""Where an event's route file is: beside the event file, or a route bundled with Companion."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from companion.event_values import EventError
from companion.locations import bundled_routes_dir

if TYPE_CHECKING:
    from companion.event import Event

# Extensions tried, in order, when the route is a bundled route's name.
ROUTE_SUFFIXES = (".csv", ".gpx", ".geojson")


def bundled_route_names() -> list[str]:
    """Names of the routes shipped with Companion, sorted (file names without extension)."""
    folder = bundled_routes_dir()
    if not folder.is_dir():
        return []
    return sorted(
        {p.stem for p in folder.iterdir() if p.is_file() and p.suffix.lower() in ROUTE_SUFFIXES}
    )


def resolve_route_path(event: Event) -> Path:
    """The route file of `event`.

    `route` is first taken as a path relative to the event file's directory (or absolute); if no
    such file exists it is taken as the name of a bundled route (`unity-run-2021` →
    `routes/unity-run-2021.csv`).

    Raises:
        EventError: neither exists; the message lists the bundled routes.
    """
    written = Path(event.route).expanduser()
    candidate = written if written.is_absolute() else event.path.parent / written
    if candidate.is_file():
        return candidate
    folder = bundled_routes_dir()
    for name in (event.route, *(event.route + s for s in ROUTE_SUFFIXES)):
        bundled = folder / name
        # A name with a separator is a path that is missing, not a bundled route.
        if "/" not in name and "\\" not in name and bundled.is_file():
            return bundled
    names = bundled_route_names()
    listed = ", ".join(names) if names else "none"
    raise EventError(
        f"{event.path}: route: no file {str(candidate)!r} and no bundled route named "
        f"{event.route!r} (bundled routes: {listed})"
    )
