"""Commands that read an event: status, summary, export."""

from __future__ import annotations

import argparse
import json

from companion import render
from companion.cli.common import Commands, add, event_args, event_now, session, write_out
from companion.formats.export import checkpoints_csv, gpx_track


def cmd_status(args: argparse.Namespace) -> int:
    with session(args, readonly=True) as s:
        p = s.progress(event_now(args, s))
        feed = s.logbook.last_feed_status()
        if args.json:
            doc = render.status_json(s.event, p, feed)
            print(json.dumps(doc, ensure_ascii=False, indent=2))
        else:
            print(render.status_text(s.event, p, feed))
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    with session(args, readonly=True) as s:
        print(render.summary(s.event, s.tracker, event_now(args, s), args.day))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    with session(args, readonly=True) as s:
        fixes = s.tracker.fixes
        if args.gpx:
            write_out(args.gpx, gpx_track(s.event.name, fixes))
            print(f"wrote {args.gpx}: {len(fixes)} positions")
        if args.csv:
            text = checkpoints_csv(fixes, s.tracker.day_totals(), s.event.zone)
            write_out(args.csv, text)
            print(f"wrote {args.csv}: checkpoints and daily totals")
    return 0


def register(sub: Commands) -> None:
    for name, help_, func in (
        ("status", "the numbers the dashboard shows", cmd_status),
        ("summary", "a short text to paste into a message", cmd_summary),
    ):
        sp = add(sub, name, help_)
        event_args(sp)
        if name == "status":
            sp.add_argument("--json", action="store_true")
        else:
            sp.add_argument("--day", help="YYYY-MM-DD (default: today, or the last day logged)")
        sp.add_argument("--now", help="the clock, ISO 8601 with offset (default: now)")
        sp.set_defaults(func=func)

    sp = add(sub, "export", "positions as GPX, checkpoints and daily totals as CSV")
    event_args(sp)
    sp.add_argument("--gpx", metavar="FILE")
    sp.add_argument("--csv", metavar="FILE")
    sp.set_defaults(func=cmd_export)
