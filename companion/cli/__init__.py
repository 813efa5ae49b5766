"""The command line: parse arguments, build the pieces, run. No logic of its own.

Every command works without a terminal UI. Exit status: 0 ok, 1 a failure while running, 2 bad
input (one line on stderr); helptext.py says which is which, for `--help`.
Each module of this package registers its commands; this one assembles them and runs one.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from companion.cli import crew, entries, live, paths, routes, share, views
from companion.cli.common import check_text_args, exit_status, log_options
from companion.cli.helptext import DESCRIPTION, EPILOG
from companion.core.models import CompanionError
from companion.logsetup import configure, hide_secrets
from companion.stdout import stdout_gone
from companion.version import version

# Commands that draw a full screen: no log lines on stderr under them.
SCREEN_COMMANDS = ("run", "demo", "board")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="companion",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"companion {version()}")
    log_options(p, default=None)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (routes, entries, views, live, crew, share, paths):
        module.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        configure(args.verbose or 0, args.log, screen=args.command in SCREEN_COMMANDS)
        check_text_args(args)
        code = int(args.func(args))
        sys.stdout.flush()  # a closed pipe shows here, where it is handled, not at exit
        return code
    except CompanionError as e:
        print(f"companion: {e}", file=sys.stderr)
        return exit_status(e)
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
        # A path given that is not there (or not a file) is bad input; the rest (no space, an
        # I/O error, no permission) failed while running.
        return 2 if isinstance(e, FileNotFoundError | IsADirectoryError | NotADirectoryError) else 1
    except Exception as e:  # a fault of ours: one line and exit 1, the traceback with -vv or --log
        logging.getLogger("companion").debug("internal error", exc_info=e)
        said = hide_secrets(f"{type(e).__name__}: {e}")
        print(f"companion: internal error: {said} (-vv shows where)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
