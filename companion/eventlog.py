"""Where an event's log lives: beside its event file, so the log follows the event's folder.

`ride.toml`'s log is `ride.sqlite` in the same folder. Copying or moving the folder (to a USB stick,
to the other laptop in the car) takes the log with it, and a copy is a separate log from then on.
Why not name it by the event's `id` in a data dir: a folder copied to another laptop would arrive
without its log, and two copies of one folder (same id) would write the same log.

Logs of the old rule (`<data dir>/events/<stem>-<hash of the absolute path>.sqlite`,
locations.default_db_path) are carried over once: the first command that opens the event copies
the old log beside it with SQLite's backup API (consistent even with a WAL file beside it), then
removes the old one, and says so in one line.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from companion.core.models import CompanionError
from companion.locations import default_db_path

LOG_SUFFIX = ".sqlite"
_SIDE_FILES = ("-wal", "-shm", "-journal")


class EventLogError(CompanionError):
    """An old log that could not be carried over beside its event (the message says why)."""


@dataclass(frozen=True, slots=True)
class LogPlace:
    """Where the event's log is, and what was done to find it."""

    path: Path
    moved_from: Path | None = None  # an old log carried over beside the event just now
    # Old-rule logs of an event file of the same name elsewhere (the folder was moved before this
    # version): not taken, they may be another event's; the crew is told where they are.
    strays: tuple[Path, ...] = ()

    @property
    def message(self) -> str | None:
        if self.moved_from is not None:
            return f"moved the event's log from {self.moved_from} to {self.path} (beside the event)"
        if self.strays:
            listed = ", ".join(str(p) for p in self.strays[:3])
            return (
                f"no log beside the event yet; the data dir holds a log of an event file named "
                f"{self.path.stem}.toml elsewhere: {listed}. If it is this event's, move it to "
                f"{self.path} (or use --db)"
            )
        return None


def event_log_path(event_path: Path | str) -> Path:
    """The log of the event file at `event_path`: same folder, same stem, `.sqlite`."""
    p = Path(os.path.abspath(Path(event_path).expanduser()))
    return p.with_name(p.stem + LOG_SUFFIX)


def find_event_log(event_path: Path | str, *, carry_over: bool = True) -> LogPlace:
    """The event's log beside it; an old-rule log is carried over first when there is none.

    Args:
        carry_over: move an old-rule log beside the event (False: only say where it would be,
            for `companion paths`, which changes nothing).

    Raises:
        EventLogError: an old log exists and cannot be copied beside the event (a read-only
            folder, a full disk); it is left where it was.
    """
    beside = event_log_path(event_path)
    if beside.exists():
        return LogPlace(beside)
    old = default_db_path(event_path)
    if not old.is_file():
        return LogPlace(beside, strays=_strays(old))
    if not carry_over:
        return LogPlace(beside, moved_from=old)
    if not _carry_over(old, beside):
        return LogPlace(beside)  # another command carried it over first
    return LogPlace(beside, moved_from=old)


def _strays(old: Path) -> tuple[Path, ...]:
    """Old-rule logs with the same stem as `old` but another path's hash."""
    stem = old.name.rsplit("-", 1)[0]
    try:
        found = sorted(p for p in old.parent.glob(f"{stem}-*{LOG_SUFFIX}") if p != old)
    except OSError:
        return ()
    # The hash is 10 hex digits: "ride-2-<hash>" is another event file's, not a "ride" one.
    return tuple(p for p in found if len(p.stem) == len(stem) + 11)


def _carry_over(old: Path, new: Path) -> bool:
    """Copy `old` to `new` and remove it; False (`old` left) when `new` appeared meanwhile."""
    tmp = new.with_name(f".{new.name}.{os.getpid()}.moving")  # two commands at once: one each
    try:
        src = sqlite3.connect(f"{old.absolute().as_uri()}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(tmp)
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=WAL")  # as the logbook keeps it
            finally:
                dst.close()
        finally:
            src.close()
        placed = _place(tmp, new)
    except (OSError, sqlite3.Error) as e:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise EventLogError(
            f"cannot move the event's log from {old} beside the event as {new}: {e}; "
            f"it is still at {old} (use --db {old})"
        ) from None
    if not placed:
        return False
    for leftover in (old, *(old.with_name(old.name + s) for s in _SIDE_FILES)):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
    return True


def _place(tmp: Path, new: Path) -> bool:
    """`tmp` renamed `new` unless a log is there already: a command started at the same time
    may have carried the old log over first and written to it since (never replace that)."""
    try:
        os.link(tmp, new)  # fails if `new` exists, atomically
    except FileExistsError:
        placed = False
    except OSError:  # no hard links here (a FAT USB stick): a look, then a rename
        if new.exists():
            placed = False
        else:
            os.replace(tmp, new)
            return True
    else:
        placed = True
    tmp.unlink()
    return placed
