"""Commands that run live: the dashboard, the demo, a feed logged with no screen."""

from __future__ import annotations

import argparse
from pathlib import Path

from companion.cli.common import Commands, add, event_args


def cmd_run(args: argparse.Namespace) -> int:
    from companion.allocator import map_large_blocks
    from companion.app.launch import run_dashboard

    map_large_blocks()  # a long run's growing arrays: no heap holes (companion/allocator.py)
    return run_dashboard(Path(args.event), args.db, feed=args.feed)


def cmd_demo(args: argparse.Namespace) -> int:
    from companion.app.launch import run_demo

    return run_demo(speed=args.speed)


def cmd_follow(args: argparse.Namespace) -> int:
    from companion.allocator import map_large_blocks
    from companion.follow import follow

    map_large_blocks()  # a long run's growing arrays: no heap holes (companion/allocator.py)
    return follow(Path(args.event), args.db, args.feed, args.duration, args.every)


def register(sub: Commands) -> None:
    sp = add(sub, "run", "the dashboard")
    event_args(sp)
    sp.add_argument("--feed", help="a feed URL (overrides the event file's)")
    sp.set_defaults(func=cmd_run)

    sp = add(sub, "demo", "the dashboard on the bundled Unity Run 2021, live, no GPS or network")
    sp.add_argument("--speed", type=float, default=60.0, help="speed-up (default 60)")
    sp.set_defaults(func=cmd_demo)

    sp = add(sub, "follow", "log a feed with no screen, printing a status line every few seconds")
    event_args(sp)
    sp.add_argument("--feed", help="a feed URL (default: the event file's)")
    sp.add_argument("--duration", type=float, help="stop after this many seconds")
    sp.add_argument(
        "--every", type=float, default=5.0, metavar="S", help="status line interval (default 5)"
    )
    sp.set_defaults(func=cmd_follow)
