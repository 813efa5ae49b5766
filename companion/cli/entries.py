"""Commands that log what the crew says: a checkpoint, an undo, a time changed, stop and go."""

from __future__ import annotations

import argparse

from companion.cli.common import Commands, add, event_args, event_now, now_arg, session
from companion.core.models import ImplausibleEntry, PositionError

# `render` (the route's numpy) is imported by each command: the parser stays light (issue 11).


def cmd_checkpoint(args: argparse.Namespace) -> int:
    from companion import render

    entry = _entry_text(args)
    typed = now_arg(None)  # the moment it was typed, before any wait for the log (issue 10 F5)
    with session(args) as s:
        try:
            fix = s.checkpoint(entry, args.time, event_now(args, s, typed), force=args.force)
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
    from companion import render

    with session(args) as s:
        fix = s.undo()
        if fix is None:
            raise PositionError("nothing to undo: no manual entry in the log")
        print("undid " + render.logged_line(fix, s.event.zone))
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    from companion import render

    typed = now_arg(None)
    with session(args) as s:
        try:
            fix = s.edit_last_time(args.time, event_now(args, s, typed), force=args.force)
        except ImplausibleEntry as e:
            raise ImplausibleEntry(f"{e}; add --force to change it anyway") from None
        print("changed " + render.logged_line(fix, s.event.zone))
    return 0


def cmd_mark(args: argparse.Namespace) -> int:
    """`stop` / `go`: the crew says the athlete rests, or is on the move again."""
    from companion import render

    typed = now_arg(None)
    with session(args) as s:
        fix = s.mark(args.command, args.time, event_now(args, s, typed))
        print(render.logged_line(fix, s.event.zone))
    return 0


def register(sub: Commands) -> None:
    sp = add(sub, "checkpoint", "log where the athlete is")
    event_args(sp)
    where = sp.add_mutually_exclusive_group(required=True)
    where.add_argument("--town", help="a town of the route, by name")
    where.add_argument("--km", type=float, help="the km along the route")
    where.add_argument("--pos", metavar="LAT,LON", help="a position, placed on the route")
    where.add_argument("--plus", type=float, metavar="KM", help="km on from the last position")
    sp.add_argument("--time", help="HH:MM (latest past, event time) or ISO 8601; default now")
    sp.add_argument("--force", action="store_true",
                    help="log it even if it would need an impossible speed")  # fmt: skip
    sp.add_argument("--now", help=argparse.SUPPRESS)
    sp.set_defaults(func=cmd_checkpoint)

    sp = add(sub, "undo", "undo the last manual entry")
    event_args(sp)
    sp.set_defaults(func=cmd_undo)

    sp = add(sub, "edit", "change the time of the last manual entry")
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
        sp = add(sub, name, help_)
        event_args(sp)
        sp.add_argument("--time", help="HH:MM (latest past, event time) or ISO 8601; default now")
        sp.add_argument("--now", help=argparse.SUPPRESS)
        sp.set_defaults(func=cmd_mark)
