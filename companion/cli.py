"""The command line: parse arguments, build the pieces, run. No logic of its own.

Every command works without a terminal UI. Exit codes: 0 ok, 2 bad input (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from companion import render
from companion.core.models import CompanionError, ImplausibleEntry, PositionError
from companion.core.times import time_problem
from companion.event import Event, write_event
from companion.formats import load_route
from companion.formats.export import checkpoints_csv, gpx_track
from companion.locations import bundled_routes_dir
from companion.logrows import set_aside_alert
from companion.service import EventSession
from companion.stdout import stdout_gone


class UsageError(CompanionError):
    """Bad command-line input."""


class WriteError(CompanionError):
    """An output file that cannot be written (the message names it)."""


def _now(text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC)
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--now {text!r}: not an ISO 8601 time") from None
    if t.tzinfo is None:
        raise UsageError(f"--now {text!r}: give a UTC offset, e.g. {text}+05:30")
    # The one rule for times (core/times.py): year 1 or 9999 used to overflow in a traceback.
    if (problem := time_problem(t)) is not None:
        raise UsageError(f"--now {text!r}: {problem}")
    return t.astimezone(UTC)


def _event_now(
    args: argparse.Namespace, session: EventSession, wall: datetime | None = None
) -> datetime:
    """--now, else the event's clock: the wall clock (`wall`, read before the session opened),
    or a replayed event's own (see EventSession.now), so a command agrees with the dashboard
    that watched the replay."""
    return _now(args.now) if args.now else session.now(wall or _now(None))


def _route_arg(name: str) -> Path:
    """A route file path, or the name of a bundled route."""
    p = Path(name)
    if p.exists():
        return p
    for suffix in (".csv", ".gpx", ".geojson"):
        cand = bundled_routes_dir() / f"{name}{suffix}"
        if cand.exists():
            return cand
    names = ", ".join(sorted(f.stem for f in _bundled()))
    raise UsageError(f"{name}: no such route file or bundled route (bundled: {names})")


def _bundled() -> list[Path]:
    d = bundled_routes_dir()
    return sorted(p for p in d.iterdir() if p.suffix in (".csv", ".gpx", ".geojson"))


def _session(args: argparse.Namespace, readonly: bool = False) -> EventSession:
    session = EventSession.open(args.event, args.db, readonly=readonly)
    if session.logbook.set_aside:  # every command says so, status --json and undo too
        alert = set_aside_alert(session.logbook.set_aside)
        print(f"companion: {session.db_path}: {alert}", file=sys.stderr)
    return session


# --- commands -----------------------------------------------------------------------------------
def cmd_routes(args: argparse.Namespace) -> int:
    rows = []
    for path in _bundled():
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
    r = load_route(_route_arg(args.route))
    if args.json:
        doc = {
            "name": r.name,
            "length_km": round(r.length_km, 3),
            # Straight lines between towns: km between two towns are approximate.
            "town_to_town": r.town_to_town,
            "towns": [{"name": t.name, "km": round(t.km, 3)} for t in r.towns],
        }
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return 0
    print(render.route_info(r))
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    route_path = _route_arg(args.route)
    load_route(route_path)  # refuse an unreadable route now, not on the road
    out = Path(args.output)
    if route_path.parent.resolve() == bundled_routes_dir().resolve():
        route_ref = route_path.stem
    else:
        import os

        route_ref = os.path.relpath(route_path.resolve(), out.resolve().parent)
    start = None
    if args.start:
        try:
            start = datetime.fromisoformat(args.start)
        except ValueError:
            raise UsageError(f"--start {args.start!r}: not an ISO 8601 time") from None
    event = Event(
        name=args.name or route_path.stem,
        athlete=args.athlete or "",
        route=route_ref,
        timezone=args.tz,
        planned_kmh=args.speed,
        start=start,
        feed=args.feed,
        day_hours=args.day_hours,
    )
    write_event(event, out, overwrite=args.force)
    print(f"wrote {out} (route {route_ref}, {args.tz}, {args.speed:g} km/h planned)")
    return 0


def cmd_checkpoint(args: argparse.Namespace) -> int:
    entry = _entry_text(args)
    typed = _now(None)  # the moment it was typed, before any wait for the log (issue 10 F5)
    with _session(args) as s:
        try:
            fix = s.checkpoint(entry, args.time, _event_now(args, s, typed), force=args.force)
        except ImplausibleEntry as e:
            raise ImplausibleEntry(f"{e}; add --force to log it anyway") from None
        print(render.logged_line(fix, s.event.zone))
    return 0


def _entry_text(args: argparse.Namespace) -> str:
    if args.town is not None:
        return str(args.town)
    if args.km is not None:
        return f"km {args.km}"
    if args.pos is not None:
        return str(args.pos)
    return f"+{args.plus}"


def cmd_undo(args: argparse.Namespace) -> int:
    with _session(args) as s:
        fix = s.undo()
        if fix is None:
            raise PositionError("nothing to undo: no manual entry in the log")
        print("undid " + render.logged_line(fix, s.event.zone))
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    typed = _now(None)
    with _session(args) as s:
        try:
            fix = s.edit_last_time(args.time, _event_now(args, s, typed), force=args.force)
        except ImplausibleEntry as e:
            raise ImplausibleEntry(f"{e}; add --force to change it anyway") from None
        print("changed " + render.logged_line(fix, s.event.zone))
    return 0


def cmd_mark(args: argparse.Namespace) -> int:
    """`stop` / `go`: the crew says the athlete rests, or is on the move again."""
    typed = _now(None)
    with _session(args) as s:
        fix = s.mark(args.command, args.time, _event_now(args, s, typed))
        print(render.logged_line(fix, s.event.zone))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    with _session(args, readonly=True) as s:
        p = s.progress(_event_now(args, s))
        feed = s.logbook.last_feed_status()
        if args.json:
            doc = render.status_json(s.event, p, feed)
            print(json.dumps(doc, ensure_ascii=False, indent=2))
        else:
            print(render.status_text(s.event, p, feed))
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    with _session(args, readonly=True) as s:
        print(render.summary(s.event, s.tracker, _event_now(args, s), args.day))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    with _session(args, readonly=True) as s:
        fixes = s.tracker.fixes
        if args.gpx:
            _write_out(args.gpx, gpx_track(s.event.name, fixes))
            print(f"wrote {args.gpx}: {len(fixes)} positions")
        if args.csv:
            text = checkpoints_csv(fixes, s.tracker.day_totals(), s.event.zone)
            _write_out(args.csv, text)
            print(f"wrote {args.csv}: checkpoints and daily totals")
    return 0


def _write_out(name: str, text: str) -> None:
    """Write an export, naming the file when that fails (a full disk: /dev/full says only
    "No space left on device", and with no file name)."""
    try:
        Path(name).write_text(text, encoding="utf-8")
    except OSError as e:
        raise WriteError(f"{name}: cannot write it: {e.strerror or e}") from None


def cmd_run(args: argparse.Namespace) -> int:
    from companion.app.app import run_dashboard

    return run_dashboard(Path(args.event), args.db, feed=args.feed)


def cmd_demo(args: argparse.Namespace) -> int:
    from companion.app.app import run_demo

    return run_demo(speed=args.speed)


def cmd_follow(args: argparse.Namespace) -> int:
    from companion.follow import follow

    return follow(Path(args.event), args.db, args.feed, args.duration, args.every)


def _check_text_args(args: argparse.Namespace) -> None:
    """Refuse a text argument with a byte the terminal's encoding could not decode: Python keeps
    it as a lone surrogate, which fails only later, in a traceback, when it is logged or printed.
    File names are left alone (any bytes are a valid path)."""
    for name in ("feed", "name", "athlete", "tz", "start", "town", "pos", "time", "now", "day"):
        value = getattr(args, name, None)
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as e:
                raise UsageError(
                    f"--{name}: not UTF-8 text (a byte that cannot be read at {e.start})"
                ) from None


# --- parser -------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="companion", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def cmd(name: str, help_: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_, description=help_)

    def event_args(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("event", help="the event file (TOML)")
        sp.add_argument("--db", help="the log database (default: one per event in the data dir)")

    sp = cmd("routes", "list the bundled routes")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_routes)

    sp = cmd("info", "a route's towns with their km and leg lengths")
    sp.add_argument("route", help="a route file or a bundled route's name")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_info)

    sp = cmd("new", "write a new event file")
    sp.add_argument("route", help="a route file or a bundled route's name")
    sp.add_argument("-o", "--output", required=True, help="the event file to write")
    sp.add_argument("--name")
    sp.add_argument("--athlete")
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

    sp = cmd("checkpoint", "log where the athlete is")
    event_args(sp)
    where = sp.add_mutually_exclusive_group(required=True)
    where.add_argument("--town")
    where.add_argument("--km", type=float)
    where.add_argument("--pos", metavar="LAT,LON")
    where.add_argument("--plus", type=float, metavar="KM")
    sp.add_argument("--time", help="HH:MM today (event timezone) or ISO 8601; default now")
    sp.add_argument("--force", action="store_true",
                    help="log it even if it would need an impossible speed")  # fmt: skip
    sp.add_argument("--now", help=argparse.SUPPRESS)
    sp.set_defaults(func=cmd_checkpoint)

    sp = cmd("undo", "undo the last manual entry")
    event_args(sp)
    sp.set_defaults(func=cmd_undo)

    sp = cmd("edit", "change the time of the last manual entry")
    event_args(sp)
    sp.add_argument("--time", required=True, help="HH:MM or ISO 8601")
    sp.add_argument("--force", action="store_true",
                    help="change it even if it puts the entries out of km order or needs an "
                    "impossible speed")  # fmt: skip
    sp.add_argument("--now", help=argparse.SUPPRESS)
    sp.set_defaults(func=cmd_edit)

    for name, help_ in (
        ("stop", "the athlete rests from now (or --time): ETAs count from the clock"),
        ("go", "the athlete is on the move again"),
    ):
        sp = cmd(name, help_)
        event_args(sp)
        sp.add_argument("--time", help="HH:MM today (event timezone) or ISO 8601; default now")
        sp.add_argument("--now", help=argparse.SUPPRESS)
        sp.set_defaults(func=cmd_mark)

    for name, help_, func in (
        ("status", "the numbers the dashboard shows", cmd_status),
        ("summary", "a short text to paste into a message", cmd_summary),
    ):
        sp = cmd(name, help_)
        event_args(sp)
        if name == "status":
            sp.add_argument("--json", action="store_true")
        else:
            sp.add_argument("--day", help="YYYY-MM-DD (default: today, or the last day logged)")
        sp.add_argument("--now", help="the clock, ISO 8601 with offset (default: now)")
        sp.set_defaults(func=func)

    sp = cmd("export", "positions as GPX, checkpoints and daily totals as CSV")
    event_args(sp)
    sp.add_argument("--gpx", metavar="FILE")
    sp.add_argument("--csv", metavar="FILE")
    sp.set_defaults(func=cmd_export)

    sp = cmd("run", "the dashboard")
    event_args(sp)
    sp.add_argument("--feed", help="a feed URL (overrides the event file's)")
    sp.set_defaults(func=cmd_run)

    sp = cmd("demo", "the dashboard on the bundled Unity Run 2021, live, no GPS or network")
    sp.add_argument("--speed", type=float, default=60.0, help="speed-up (default 60)")
    sp.set_defaults(func=cmd_demo)

    sp = cmd("follow", "log a feed with no screen, printing a status line every few seconds")
    event_args(sp)
    sp.add_argument("--feed", help="a feed URL (default: the event file's)")
    sp.add_argument("--duration", type=float, help="stop after this many seconds")
    sp.add_argument(
        "--every", type=float, default=5.0, metavar="S", help="status line interval (default 5)"
    )
    sp.set_defaults(func=cmd_follow)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "export" and not (args.gpx or args.csv):
        parser.error("export needs --gpx FILE or --csv FILE")
    try:
        _check_text_args(args)
        code = int(args.func(args))
        sys.stdout.flush()  # a closed pipe shows here, where it is handled, not at exit
        return code
    except CompanionError as e:
        print(f"companion: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `companion status --json | head -c 10`: the reader has all it wanted. Quietly, as a C
        # tool killed by SIGPIPE (128 + 13), and with stdout on /dev/null so that Python's
        # last flush at exit does not complain either.
        stdout_gone()
        return 141
    except OSError as e:
        where = f"{e.filename}: " if e.filename else ""
        print(f"companion: {where}{e.strerror or e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
