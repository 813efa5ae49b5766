"""The command line: parse arguments, build the pieces, run. No logic of its own.

Every command works without a terminal UI. Exit codes: 0 ok, 2 bad input (one line on stderr).
Each module of this package registers its commands; this one assembles them and runs one.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from companion.cli import entries, live, routes, share, views
from companion.cli.common import check_text_args
from companion.core.models import CompanionError
from companion.stdout import stdout_gone


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="companion", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (routes, entries, views, live, share):
        module.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "export" and not (args.gpx or args.csv):
        parser.error("export needs --gpx FILE or --csv FILE")
    try:
        check_text_args(args)
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
