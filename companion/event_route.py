"""An event's route as the crew set it up: the route file, and the CSV route book of towns laid
on it when the event file has `towns` (formats/book.py). The one place the two are put together,
for the session and for `companion paths`."""

from __future__ import annotations

from pathlib import Path

from companion.core.route import Route
from companion.event import Event, EventError, resolve_route_path
from companion.formats import load_route


def resolve_towns_path(event: Event) -> Path | None:
    """The event's route book of towns, relative to the event file (or absolute); None if none.

    Raises:
        EventError: the event names a book that does not exist.
    """
    if event.towns is None:
        return None
    written = Path(event.towns).expanduser()
    book = written if written.is_absolute() else event.path.parent / written
    if not book.is_file():
        raise EventError(f"{event.path}: towns: no file {str(book)!r}")
    return book


def load_event_route(event: Event) -> Route:
    """The event's Route: its route file, with the towns of its route book when it has one.

    Raises:
        EventError: a file is missing. RouteError: a file cannot be used (one line, naming it).
    """
    return load_route(resolve_route_path(event), towns=resolve_towns_path(event))
