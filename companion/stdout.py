"""Writing to a stdout that may go away: `companion follow ... | head -1`, a closed terminal.

A program that only reports must never stop its real work because nobody reads the report.
"""

from __future__ import annotations

import contextlib
import os
import sys


def stdout_gone() -> None:
    """Point file descriptor 1 at /dev/null: later writes (and Python's flush at exit) succeed
    silently instead of raising BrokenPipeError again."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)


class StatusPrinter:
    """Prints lines while stdout takes them; once it fails (a pipe closed by `head`, EIO from a
    hung-up terminal, a full disk) it goes quiet for good and says so on stderr once."""

    def __init__(self) -> None:
        self.closed = False

    def __call__(self, line: str) -> None:
        if self.closed:
            return
        try:
            print(line, flush=True)
        except (OSError, ValueError) as exc:  # ValueError: sys.stdout was closed
            self.closed = True
            stdout_gone()
            if not isinstance(exc, BrokenPipeError):  # a closed pipe is normal, not news
                with contextlib.suppress(OSError, ValueError):
                    print("companion: stdout failed; logging goes on silently", file=sys.stderr)
