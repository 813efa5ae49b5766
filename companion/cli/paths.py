"""`companion paths EVENT`: where the event file, its route and its log are (changes nothing)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from companion.cli.common import Commands, add
from companion.locations import bundled_routes_dir


def cmd_paths(args: argparse.Namespace) -> int:
    from companion.event import load_event, resolve_route_path
    from companion.event_route import resolve_towns_path
    from companion.eventlog import find_event_log

    event = load_event(args.event)
    route = resolve_route_path(event)
    towns = resolve_towns_path(event)
    bundled = route.parent.resolve() == bundled_routes_dir().resolve()
    strays: tuple[Path, ...] = ()
    if args.db:
        log, old = Path(args.db).absolute(), None
    else:
        place = find_event_log(event.path, carry_over=False)
        log, old, strays = place.path, place.moved_from, place.strays
    doc = {
        "event": str(event.path),
        "id": event.id,
        "route": str(route.resolve()),
        "route_bundled": bundled,
        "towns": str(towns.resolve()) if towns is not None else None,  # the route book laid on it
        "log": str(log),
        "log_exists": log.exists(),
        # An old-rule log (by the event file's former absolute path) that the next command that
        # opens the event will move to "log".
        "old_log": str(old) if old is not None else None,
        # Old logs of an event file of this name elsewhere (a folder moved before logs moved
        # beside their events): not taken, as they may be another event's.
        "other_logs": [str(p) for p in strays],
    }
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return 0
    print(f"event  {doc['event']}" + (f"  (id {event.id})" if event.id else ""))
    print(f"route  {doc['route']}" + ("  (bundled)" if bundled else ""))
    if towns is not None:
        print(f"towns  {doc['towns']}")
    state = "" if log.exists() else "  (not written yet)"
    print(f"log    {doc['log']}{state}")
    if old is not None:
        print(f"old    {old}  (moved beside the event by the next command that opens it)")
    for stray in strays:
        print(f"other  {stray}  (an old log of an event file of this name elsewhere; not taken)")
    return 0


def register(sub: Commands) -> None:
    sp = add(sub, "paths", "where the event file, its route and its log are")
    sp.add_argument("event", help="the event file (TOML)")
    sp.add_argument("--db", help="a log database given instead of the one beside the event")
    sp.add_argument("--json", action="store_true", help="as JSON: event, id, route, log")
    sp.set_defaults(func=cmd_paths)
