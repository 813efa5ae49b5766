"""Commands that read an event: status, summary, export."""

from __future__ import annotations

import argparse
import json
import sys

from companion.cli.common import (
    Commands,
    UsageError,
    add,
    event_args,
    event_now,
    session,
    write_out,
)

# Each command imports what it needs (the session's and the route's numpy and pyproj): the
# parser, `--help` and `--version` stay light (issue 11's cold start).


def cmd_status(args: argparse.Namespace) -> int:
    from companion import render
    from companion.crew_status import crew_status
    from companion.status_doc import status_document

    with session(args, readonly=True) as s:
        now = event_now(args, s)
        if args.json:  # the one document the sharing publishes too
            print(json.dumps(status_document(s, now), ensure_ascii=False, indent=2))
        else:
            crew = crew_status(s, s.progress(now))  # feeding alerts, stops, timers
            p = crew.progress
            feed = s.logbook.last_feed_status()
            lines = render.status_text(s.event, p, feed).split("\n")
            at = len(lines)  # the crew's lines go just before the alerts, which end the text
            while at > 1 and lines[at - 1].startswith("! "):
                at -= 1
            print("\n".join([*lines[:at], *crew.lines, *lines[at:]]))
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    from companion import render

    with session(args, readonly=True) as s:
        print(render.summary(s.event, s.tracker, event_now(args, s), args.day))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from companion.formats.export import days_csv, entries_csv, gpx_track

    # --csv wrote two tables into one file, which no CSV reader takes; refused (not kept as an
    # alias) so that a script using it learns the new options instead of a silent change.
    if args.csv:
        raise UsageError(
            "export --csv is gone: the entries and the days are two files now; "
            "give --entries-csv FILE and/or --days-csv FILE"
        )
    outs = [o for o in (args.gpx, args.entries_csv, args.days_csv) if o]
    if not outs:
        raise UsageError("export needs --gpx FILE, --entries-csv FILE or --days-csv FILE")
    if outs.count("-") > 1:
        raise UsageError("export: only one of the outputs can be stdout (-)")
    with session(args, readonly=True) as s:
        fixes = s.tracker.fixes
        written = []  # on stderr: stdout may be the export itself (--gpx -)
        if args.gpx:
            write_out(args.gpx, gpx_track(s.event.name, fixes), args.force)
            written.append(f"wrote {args.gpx}: {len(fixes)} positions")
        if args.entries_csv:
            write_out(args.entries_csv, entries_csv(fixes, s.event.zone), args.force)
            written.append(f"wrote {args.entries_csv}: the checkpoints")
        if args.days_csv:
            write_out(args.days_csv, days_csv(s.tracker.day_totals()), args.force)
            written.append(f"wrote {args.days_csv}: the daily totals")
    out = sys.stderr if "-" in outs else sys.stdout
    for line in written:
        print(line, file=out)
    return 0


def register(sub: Commands) -> None:
    for name, help_, func in (
        ("status", "the numbers the dashboard shows", cmd_status),
        ("summary", "a short text to paste into a message", cmd_summary),
    ):
        sp = add(sub, name, help_)
        event_args(sp)
        if name == "status":
            sp.add_argument("--json", action="store_true", help="as JSON (times ISO 8601, s)")
        else:
            sp.add_argument("--day", help="YYYY-MM-DD (default: today, or the last day logged)")
        sp.add_argument("--now", help="the clock, ISO 8601 with offset (default: now)")
        sp.set_defaults(func=func)

    sp = add(sub, "export", "positions as GPX, checkpoints and daily totals as CSV")
    event_args(sp)
    sp.add_argument("--gpx", metavar="FILE", help="every position as a GPX 1.1 track (- stdout)")
    sp.add_argument("--entries-csv", metavar="FILE",
                    help="the checkpoints typed: time, label, km, lat, lon (- stdout)")  # fmt: skip
    sp.add_argument("--days-csv", metavar="FILE",
                    help="the daily totals: km, moving time, average (- stdout)")  # fmt: skip
    sp.add_argument("--csv", metavar="FILE", help="gone: use --entries-csv and --days-csv")
    sp.add_argument("--force", action="store_true", help="overwrite existing files")
    sp.set_defaults(func=cmd_export)
