"""The crew's commands: the stop ledger and its tags, "ate"/"drank", the shift handover."""

from __future__ import annotations

import argparse
import json

from companion.cli.common import Commands, UsageError, add, event_args, event_now, now_arg, session
from companion.core.stops import TAGS, off_bike_by_day, off_bike_text

# Each command imports what it needs (the crew's and the route's numpy and pyproj): the parser,
# `--help` and `--version` stay light (issue 11's cold start).

TAG_HELP = ", ".join(f"{i} {t}" for i, t in enumerate(TAGS, 1))

STOPS_EPILOG = f"""\
The stops are the ones the positions show (a GPS stop of 2 min or more) and
the crew's `companion stop` / `go`. Tag one by its number as listed (0 is the
newest, -1 the one before). Tags (a number, the name or its first letters):
  {TAG_HELP}
  companion stops EVENT --tag 3 food --note "dal rice"
  companion stops EVENT --tag 0 sleep
  companion stops EVENT --untag 3   (takes the tag back; the one before stands)
The list ends with the time off the bike by day and tag (a stop counts on the
day it began), as the dashboard's days screen (d) shows it.
"""

FED_EPILOG = """\
The event file sets the timers:
  [feeding]
  eat_every_min = 45
  drink_every_min = 20
Each counts from the last "ate" (or "drank") logged, else from the start of the
athlete's day (the event's start, or the morning's first entry after a night).
Both pause while the athlete is in a stop tagged sleep, and count again from
waking. Due for 10 min (or a quarter of the interval), then overdue.
  companion fed EVENT              (the timers)
  companion fed EVENT --eat banana
  companion fed EVENT --drink --time 14:05
  companion fed EVENT --undo       (takes back the newest ate/drank)
"""

HANDOVER_EPILOG = """\
The shift began at the last handover logged (--note or --end-shift logs one),
else at the start of today; --since overrides it.
  companion handover EVENT
  companion handover EVENT --since 06:00 --json
  companion handover EVENT --note "knee sore, ice at the next stop"
"""


def cmd_stops(args: argparse.Namespace) -> int:
    from companion import handover, render
    from companion.crew import Crew

    typed = now_arg(None)
    if args.note and not args.tag:
        raise UsageError("--note goes with --tag N TAG")
    with session(args, readonly=not (args.tag or args.untag is not None)) as s:
        now = event_now(args, s, typed)
        crew = Crew(s)
        tz = s.event.zone
        if args.tag:
            number = _number(args.tag[0])
            stop = crew.tag(number, args.tag[1], args.note or "", now)
            note = f" ({stop.tag.note})" if stop.tag is not None and stop.tag.note else ""
            print(f"stop {stop.number}: {stop.tag_name}{note}")
            return 0
        if args.untag is not None:
            stop = crew.untag(_number(args.untag), now)
            print(f"stop {stop.number}: {stop.tag_name}")
            return 0
        stops = crew.stops(now)
        if args.json:
            doc = [handover.stop_json(x, tz, now) for x in stops]
            print(json.dumps(doc, ensure_ascii=False, indent=2))
            return 0
        if not stops:
            print("no stops yet")
        for x in stops:
            end = render.clock(x.end, tz, now) if x.end else "now"
            note = f" — {x.tag.note}" if x.tag is not None and x.tag.note else ""
            print(
                f"{x.number:>3}. {render.clock(x.start, tz, now)}-{end:<5}  "
                f"{render.hm(x.duration_s(now)):>6}  km {x.km:6.1f} {x.town and x.where:<22} "
                f"{x.tag_name}{note}" + (" (crew)" if x.by == "crew" else "")
            )
        by_day = off_bike_by_day(stops, tz, now, s.tracker.day_of)
        if by_day:
            print("off the bike (a stop counts on the day it began):")
            for day, tags in sorted(by_day.items()):
                print(f"  {day:%a %d %b}  {render.hm(sum(tags.values()))}: {off_bike_text(tags)}")
    return 0


def _number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise UsageError(f"stop {text!r}: give its number as listed by `companion stops`") from None


def cmd_fed(args: argparse.Namespace) -> int:
    from companion import handover, render
    from companion.core.feeding import timer_text
    from companion.crew import Crew

    typed = now_arg(None)
    logging = args.eat is not None or args.drink is not None or args.undo
    if args.eat is not None and args.drink is not None:
        raise UsageError("one of --eat or --drink at a time")
    with session(args, readonly=not logging) as s:
        now = event_now(args, s, typed)
        crew = Crew(s)
        tz = s.event.zone
        if args.undo:
            gone = crew.undo_fed(now)
            if gone is None:
                raise UsageError("nothing to undo: no ate/drank in the log")
            word = "ate" if gone.kind == "eat" else "drank"
            print(f"undid {word} at {render.clock(gone.at, tz, now)}")
        elif logging:
            kind, what = ("eat", args.eat) if args.eat is not None else ("drink", args.drink)
            fed = crew.fed(kind, what, args.time, now)
            word = "ate" if kind == "eat" else "drank"
            what = f": {fed.what}" if fed.what else ""
            print(f"{word} at {render.clock(fed.at, tz, now)}{what}")
        timers = crew.timers(now)
        if args.json:
            print(json.dumps([handover.timer_json(t, now, tz) for t in timers], indent=2))
        elif s.event.feeding is None:
            print("no timers: the event file has no [feeding] table (see --help)")
        else:
            print(" · ".join(timer_text(t, now) for t in timers) or "no timers yet (not started)")
    return 0


def cmd_handover(args: argparse.Namespace) -> int:
    from companion import handover
    from companion.crew import Crew
    from companion.sources.manual import parse_time

    typed = now_arg(None)
    log_it = bool(args.note) or args.end_shift
    with session(args, readonly=not log_it) as s:
        now = event_now(args, s, typed)
        crew = Crew(s)
        tz = s.event.zone
        since = parse_time(args.since, now, tz) if args.since else None
        card = handover.build(crew, now, since, args.note or "")
        if log_it:
            handover.log(crew, card)
        if args.json:
            print(json.dumps(handover.as_json(card, tz), ensure_ascii=False, indent=2))
        else:
            print(handover.text(card, tz))
    return 0


def register(sub: Commands) -> None:
    sp = add(sub, "stops", "the stop ledger: each stop, where, how long, its tag")
    sp.epilog, sp.formatter_class = STOPS_EPILOG, argparse.RawDescriptionHelpFormatter
    event_args(sp)
    sp.add_argument("--json", action="store_true", help="the stops as JSON")
    sp.add_argument("--tag", nargs=2, metavar=("N", "TAG"), help=f"tag stop N: {TAG_HELP}")
    sp.add_argument("--note", help="a note with --tag (\"dal rice\", \"puncture, rear\")")
    sp.add_argument("--untag", metavar="N", help="take back stop N's tag")
    sp.add_argument("--now", help=argparse.SUPPRESS)
    sp.set_defaults(func=cmd_stops)

    sp = add(sub, "fed", "log that the athlete ate or drank; show the feeding timers")
    sp.epilog, sp.formatter_class = FED_EPILOG, argparse.RawDescriptionHelpFormatter
    event_args(sp)
    sp.add_argument("--eat", nargs="?", const="", metavar="WHAT", help="the athlete ate (what)")
    sp.add_argument("--drink", nargs="?", const="", metavar="WHAT", help="the athlete drank")
    sp.add_argument("--undo", action="store_true", help="take back the newest ate/drank")
    sp.add_argument("--time", help="HH:MM (latest past, event time) or ISO 8601; default now")
    sp.add_argument("--json", action="store_true", help="the timers as JSON")
    sp.add_argument("--now", help=argparse.SUPPRESS)
    sp.set_defaults(func=cmd_fed)

    sp = add(sub, "handover", "a card for the incoming shift: since it began, and now")
    sp.epilog, sp.formatter_class = HANDOVER_EPILOG, argparse.RawDescriptionHelpFormatter
    event_args(sp)
    since_help = "the shift began then (HH:MM or ISO); default: the last handover"
    sp.add_argument("--since", metavar="TIME", help=since_help)
    sp.add_argument("--note", help="the outgoing shift's note (logs this handover)")
    log_help = "log this handover without a note (the next shift starts now)"
    sp.add_argument("--end-shift", action="store_true", help=log_help)
    sp.add_argument("--json", action="store_true", help="the card as JSON")
    sp.add_argument("--now", help=argparse.SUPPRESS)
    sp.set_defaults(func=cmd_handover)
