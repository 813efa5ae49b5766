"""A big NMEA log read by a second process while this one logs its fixes (issue 11).

`companion follow --feed nmea:FILE` over a day of 10 Hz spent a fifth of its time in the parser
(~9 µs a line) and the rest placing, applying and writing each fix, all on one core. A log of
`CHILD_MIN_BYTES` or more is parsed here instead, by `python -m companion.sources.nmea_child
FILE`: the same `NmeaParser`, fed the same 64 KB reads, so it gives the same fixes in the same
order and the same count of bad lines (tests/unit/test_nmea_child.py holds the two to it on every
real log). The parent rebuilds each fix from its fields (~1.5 µs) while the child reads ahead.

What goes over the pipe: frames of a 4-byte length and a pickle, either (fields of each fix,
the parser's bad lines so far) for one read, or a str: why the file could not be read. The pickle
comes from our own child, never from outside. The child stops when the parent goes (a broken
pipe), and the parent kills the child when it stops reading (cancelled, or an error).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import struct
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import BinaryIO

from companion.core.models import Fix, fix_of
from companion.sources.nmea import NmeaParser

# sources.base (FeedLost, describe_os_error) is imported where used: it brings pyproj, ~0.15 s
# of the child's start, and the child needs it only to word an error.

log = logging.getLogger(__name__)

# Below this a log is read in this process (a child costs ~0.2 s to start; 8 MB is ~120k fixes).
CHILD_MIN_BYTES = 8 << 20
READ_BYTES = 65536  # one read, as NmeaFileSource's own
_LENGTH = struct.Struct("<I")

Block = tuple[list[Fix], int]  # the fixes one read completes, the bad lines so far


def parse_blocks(fh: BinaryIO, parser: NmeaParser) -> Iterator[Block]:
    """Each read's block, then the last epoch's: what `NmeaFileSource` hands on, either way."""
    while chunk := fh.read(READ_BYTES):
        yield parser.feed(chunk), parser.bad_lines
    yield parser.flush(), parser.bad_lines


async def child_blocks(path: Path, source: str) -> AsyncIterator[Block]:
    """The blocks of `path` as the child reads them. FeedLost when the child cannot be started
    or stops before the end (its stderr's last line logged); OSError's words when the file
    cannot be read."""
    from companion.sources.base import FeedLost, describe_os_error

    root = str(Path(__file__).resolve().parents[2])  # where `companion` is imported from
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", __name__, str(path), source,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=env,
        )  # fmt: skip
    except OSError as exc:
        why = describe_os_error(exc)
        raise FeedLost(f"cannot start the reader of {path.name}: {why}") from None
    assert proc.stdout is not None and proc.stderr is not None
    try:
        while True:
            try:
                head = await proc.stdout.readexactly(_LENGTH.size)
                frame = pickle.loads(await proc.stdout.readexactly(_LENGTH.unpack(head)[0]))
            except asyncio.IncompleteReadError:
                break
            if isinstance(frame, str):
                raise FeedLost(frame)
            rows, bad = frame
            yield [fix_of(*r) for r in rows], bad
        code = await proc.wait()
        if code != 0:
            last = (await proc.stderr.read()).decode("utf-8", "replace").strip().splitlines()
            log.error("the reader of %s stopped (exit %s): %s", path.name, code, last[-1:])
            raise FeedLost(f"the reader of {path.name} stopped (exit {code})")
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()


def _send(out: BinaryIO, frame: object) -> None:
    data = pickle.dumps(frame, pickle.HIGHEST_PROTOCOL)
    out.write(_LENGTH.pack(len(data)))
    out.write(data)


def main(argv: list[str]) -> int:
    """The child: parse `argv[0]` as fixes of source `argv[1]`, send each read's block."""
    path, source = Path(argv[0]), argv[1]
    out = sys.stdout.buffer
    parser = NmeaParser(source=source)
    try:
        with path.open("rb") as fh:
            for fixes, bad in parse_blocks(fh, parser):
                rows = [
                    (f.time, f.lat, f.lon, f.source, f.km, f.speed_mps, f.course_deg, f.alt_m,
                     f.accuracy_m, f.sats, f.label, f.mark)
                    for f in fixes
                ]  # fmt: skip
                _send(out, (rows, bad))
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            return 0  # the parent went: nothing to say to it
        from companion.sources.base import describe_os_error

        _send(out, f"reading {path.name}: {describe_os_error(exc)}")
    out.flush()
    return 0


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError, KeyboardInterrupt):
        sys.exit(main(sys.argv[1:]))
