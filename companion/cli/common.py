"""What every command shares: its errors, the clock, the route and event arguments."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from companion.core.models import CompanionError
from companion.core.times import time_problem
from companion.locations import bundled_routes_dir

if TYPE_CHECKING:  # the session (numpy, pyproj, SQLite) is imported by the command that opens one
    from companion.service import EventSession

# argparse's sub-parsers object (its class is private).
Commands = Any


class UsageError(CompanionError):
    """Bad command-line input."""


class RunFailure(CompanionError):
    """The input was fine but the run failed: exit status 1, not 2 (see helptext.EPILOG)."""


class WriteError(RunFailure):
    """An output file that cannot be written (the message names it)."""


def exit_status(e: CompanionError) -> int:
    """1 for a failure while running (the log or an output file cannot be written, a full disk),
    2 for bad input (every other CompanionError: a bad file, entry, option or feed URL)."""
    # A LogbookError's module is loaded if one was raised: not imported here (SQLite), where a
    # process out of memory could not load it and would end in a traceback instead.
    schema = sys.modules.get("companion.logschema")
    logbook_error = schema is not None and isinstance(e, schema.LogbookError)
    return 1 if isinstance(e, RunFailure) or logbook_error else 2


def now_arg(text: str | None) -> datetime:
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


def event_now(
    args: argparse.Namespace, session: EventSession, wall: datetime | None = None
) -> datetime:
    """--now, else the event's clock: the wall clock (`wall`, read before the session opened),
    or a replayed event's own (see EventSession.now), so a command agrees with the dashboard
    that watched the replay."""
    return now_arg(args.now) if args.now else session.now(wall or now_arg(None))


def route_arg(name: str) -> Path:
    """A route file path, or the name of a bundled route."""
    p = Path(name)
    if p.exists():
        return p
    for suffix in (".csv", ".gpx", ".geojson"):
        cand = bundled_routes_dir() / f"{name}{suffix}"
        if cand.exists():
            return cand
    names = ", ".join(sorted(f.stem for f in bundled()))
    raise UsageError(f"{name}: no such route file or bundled route (bundled: {names})")


def bundled() -> list[Path]:
    d = bundled_routes_dir()
    return sorted(p for p in d.iterdir() if p.suffix in (".csv", ".gpx", ".geojson"))


def session(args: argparse.Namespace, readonly: bool = False) -> EventSession:
    from companion.logrows import set_aside_alert
    from companion.service import EventSession

    session = EventSession.open(args.event, args.db, readonly=readonly)
    if session.log_note:  # an old log carried over beside the event, once
        print(f"companion: {session.log_note}", file=sys.stderr)
    if session.logbook.set_aside:  # every command says so, status --json and undo too
        alert = set_aside_alert(session.logbook.set_aside)
        print(f"companion: {session.db_path}: {alert}", file=sys.stderr)
    return session


def write_out(name: str, text: str, force: bool = False) -> None:
    """Write an export to `name` ("-": stdout), naming the file when that fails (a full disk:
    /dev/full says only "No space left on device", and with no file name).

    The one rule for overwriting, as `new` does: an existing regular file is refused unless
    `force`; a device or a pipe (/dev/stdout, a FIFO) is written, since that is what it is for.
    """
    if name == "-":
        sys.stdout.write(text)
        return
    path = Path(name)
    if path.is_file() and not force:
        raise UsageError(f"{name}: already exists; give --force to overwrite it")
    special = path.exists() and not path.is_file()
    # A file is written aside and renamed, so a crash or a full disk never leaves half of it
    # (or half of an older export overwritten); a device or a pipe is written as it is.
    target = path if special else path.with_name(f".{path.name}.tmp")
    try:
        target.write_text(text, encoding="utf-8")
        if not special:
            os.replace(target, path)
    except OSError as e:
        if not special:
            with contextlib.suppress(OSError):
                target.unlink(missing_ok=True)
        raise WriteError(f"{name}: cannot write it: {e.strerror or e}") from None


def check_text_args(args: argparse.Namespace) -> None:
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


def event_args(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("event", help="the event file (TOML)")
    sp.add_argument("--db", help="the log database (default: EVENT.sqlite beside the event file)")


def log_options(p: argparse.ArgumentParser, default: object = argparse.SUPPRESS) -> None:
    """-v and --log, on the main parser and (SUPPRESS: not overriding it) on every command, so
    `companion follow EV -v` works as well as `companion -v follow EV`."""
    p.add_argument("-v", "--verbose", action="count", default=default,
                   help="log more to stderr: -v the feed's events, -vv everything")  # fmt: skip
    p.add_argument("--log", metavar="FILE", default=default,
                   help="append the log to FILE too (secrets are redacted)")  # fmt: skip


def add(sub: Commands, name: str, help_: str) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(name, help=help_, description=help_)
    log_options(p)
    return p
