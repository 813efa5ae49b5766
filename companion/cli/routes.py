"""Commands about routes: list the bundled ones, show one, write a new event file."""

from __future__ import annotations

import argparse
import json
import os
from datetime import datetime
from pathlib import Path

from companion.cli.common import Commands, UsageError, WriteError, add, bundled, route_arg
from companion.locations import bundled_routes_dir

# Each command imports what it needs (the route's numpy and pyproj, the event): building the
# parser, `--help` and `--version` stay light (issue 11's cold start).


def cmd_routes(args: argparse.Namespace) -> int:
    from companion.formats import load_route

    rows = []
    for path in bundled():
        r = load_route(path)
        rows.append(
            {
                "name": path.stem,
                "title": r.name,
                "length_km": round(r.length_km, 3),
                "towns": len(r.towns),
            }
        )
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for row in rows:
            print(
                f"{row['name']:<22} {row['length_km']:>8.1f} km  {row['towns']:>3} towns  "
                f"{row['title']}"
            )
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from companion import render
    from companion.formats import load_route

    if Path(args.route).suffix.lower() == ".toml" and args.towns is None:
        # An event file: its route as the event has it (with its route book of towns).
        from companion.event import load_event
        from companion.event_route import load_event_route

        r = load_event_route(load_event(args.route))
    else:
        r = load_route(route_arg(args.route), towns=args.towns)
    if args.json:
        doc = {
            "name": r.name,
            "length_km": round(r.length_km, 3),
            # Straight lines between towns: km between two towns are approximate.
            "town_to_town": r.town_to_town,
            "towns": [
                {"name": t.name, "km": round(t.km, 3), "aliases": list(t.aliases)}
                for t in r.towns
            ],
            # What the file held and was left out: a waypoint far from the path, a name twice.
            "warnings": list(r.warnings),
        }
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return 0
    print(render.route_info(r))
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    from companion.event import Event, EventError, write_event
    from companion.event_id import new_event_id
    from companion.formats import load_route

    route_path = route_arg(args.route)
    book = Path(args.towns) if args.towns else None
    if book is not None and not book.is_file():
        raise UsageError(f"--towns {args.towns}: no such route book")
    # Refuse an unreadable route (or a book town that does not snap onto it) now, not on the road.
    route = load_route(route_path, towns=book)
    out = Path(args.output)
    if route_path.parent.resolve() == bundled_routes_dir().resolve():
        route_ref = route_path.stem
    else:
        route_ref = os.path.relpath(route_path.resolve(), out.resolve().parent)
    towns_ref = os.path.relpath(book.resolve(), out.resolve().parent) if book else None
    start = None
    if args.start:
        try:
            start = datetime.fromisoformat(args.start)
        except ValueError:
            raise UsageError(f"--start {args.start!r}: not an ISO 8601 time") from None
    name = args.name or route_path.stem
    event = Event(
        name=name,
        athlete=args.athlete or "",
        route=route_ref,
        timezone=args.tz,
        planned_kmh=args.speed,
        start=start,
        feed=args.feed,
        day_hours=args.day_hours,
        id=new_event_id(name),
        towns=towns_ref,
    )
    # The one rule for an existing file, as export's (common.write_out): refused unless --force.
    if out.exists() and not args.force:
        raise UsageError(f"{out}: already exists; give --force to overwrite it")
    try:
        write_event(event, out, overwrite=args.force)
    except EventError as e:  # the file could not be written: a failure while running
        raise WriteError(str(e)) from None
    print(f"wrote {out} (route {route_ref}, {args.tz}, {args.speed:g} km/h planned)")
    if towns_ref is not None:
        print(f"towns from {towns_ref}: {len(route.towns)} on the path, {route.length_km:.1f} km")
    for warning in route.warnings:
        print(f"warning: {warning}")
    return 0


def register(sub: Commands) -> None:
    sp = add(sub, "routes", "list the bundled routes")
    sp.add_argument("--json", action="store_true", help="as JSON: name, title, length, towns")
    sp.set_defaults(func=cmd_routes)

    sp = add(sub, "info", "a route's towns with their km and leg lengths")
    sp.add_argument(
        "route", help="a route file, a bundled route's name, or an event file (its route)"
    )
    sp.add_argument("--json", action="store_true", help="as JSON: the towns with their km")
    sp.add_argument("--towns", metavar="BOOK.csv", help="lay a CSV route book's towns on it")
    sp.set_defaults(func=cmd_info)

    sp = add(sub, "new", "write a new event file")
    sp.add_argument("route", help="a route file or a bundled route's name")
    sp.add_argument("-o", "--output", required=True, help="the event file to write")
    sp.add_argument(
        "--towns",
        metavar="BOOK.csv",
        help="a CSV route book of towns and road km laid on the route's path (a GPX track): "
        "the towns snap onto it and the book's km calibrate it",
    )
    sp.add_argument("--name", help="the event's name (default: the route's file name)")
    sp.add_argument("--athlete", help="the athlete's name, shown in the header")
    sp.add_argument("--tz", default="Asia/Kolkata", help="IANA timezone (default Asia/Kolkata)")
    sp.add_argument("--speed", type=float, default=8.0, help="planned speed, km/h (default 8)")
    sp.add_argument("--start", help="start time, ISO 8601 (local to --tz without an offset)")
    sp.add_argument("--feed", help="a feed URL (gpsd://, nmea:, http://, replay:)")
    sp.add_argument(
        "--day-hours",
        metavar="HH:MM-HH:MM",
        help="on the road each day (multi-day events): ETAs skip the nights",
    )
    sp.add_argument("--force", action="store_true", help="overwrite an existing file")
    sp.set_defaults(func=cmd_new)
