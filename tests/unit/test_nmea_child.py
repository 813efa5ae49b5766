"""A big NMEA log read by a child process (sources/nmea_child.py) against the same log read here.

The child runs the same parser on the same reads, so the blocks must be equal field for field
(each value's type too) with the same bad-line counts, on every real log in ../shared and on messy
mutations of them. A real `python -m companion.sources.nmea_child` is started each time; a killed
child is a real SIGKILL, and the source must go on in this process without a fix twice or lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import reduce
from operator import xor
from pathlib import Path

import pytest
from feed_recorder import Recorder
from test_nmea_block import LOGS, SHARED
from test_nmea_block import _fields as _fix  # a fix as (type, value) of each field
from test_nmea_feeds import messy, rmc_times

from companion.core.models import Fix
from companion.sources import nmea_child
from companion.sources.base import FeedLost, FeedState, open_source
from companion.sources.nmea import NmeaParser
from companion.sources.nmea_child import Block, child_blocks, parse_blocks

pytestmark = pytest.mark.skipif(not LOGS, reason=f"{SHARED} is not beside the checkout")


def _fields(block: Block) -> tuple[int, list[tuple[tuple[type, object], ...]]]:
    fixes, bad = block
    return bad, [_fix(f) for f in fixes]


def _here(path: Path) -> list[tuple[int, list[tuple[tuple[type, object], ...]]]]:
    with path.open("rb") as fh:
        return [_fields(b) for b in parse_blocks(fh, NmeaParser(source="nmea"))]


async def _child(path: Path) -> list[tuple[int, list[tuple[tuple[type, object], ...]]]]:
    return [_fields(b) async for b in child_blocks(path, "nmea")]


async def test_every_real_log_read_by_the_child_as_here() -> None:
    ready = asyncio.Semaphore(4)  # four children at a time: ~0.2 s each to start

    async def compared(path: Path) -> int:
        async with ready:
            theirs = await _child(path)
        here = _here(path)
        assert theirs == here, path.name
        return sum(len(fixes) for _, fixes in here)

    assert sum(await asyncio.gather(*map(compared, LOGS))) > 1000  # the corpus was read


async def test_messy_logs_read_by_the_child_as_here(tmp_path: Path) -> None:
    lines = [ln for p in LOGS for ln in p.read_text("utf-8", "replace").splitlines(keepends=True)]
    for seed in range(3):
        rng = random.Random(seed)
        data = bytearray(messy(lines, rng))
        for _ in range(200):  # cut, doubled and flipped bytes
            i = rng.randrange(len(data))
            data[i : i + rng.randint(0, 3)] = bytes([rng.randrange(256)]) * rng.randint(0, 2)
        path = tmp_path / f"messy-{seed}.nmea"
        path.write_bytes(bytes(data) + b"$GPRMC,12")  # and a last line cut short
        here = _here(path)
        assert await _child(path) == here, seed
        assert any(bad for bad, _ in here)  # the mutations were seen as bad lines


async def test_an_unreadable_log_is_said_not_raised(tmp_path: Path) -> None:
    with pytest.raises(FeedLost, match=r"reading .*: "):
        await _child(tmp_path)  # a folder: the child says why, as a feed's words


def _rmc(t: datetime, lat: float) -> str:
    body = (
        f"GPRMC,{t:%H%M%S}.{t.microsecond // 10000:02d},A,{int(lat)}{(lat % 1) * 60:07.4f},N,"
        f"07250.0000,E,10.0,45.0,{t:%d%m%y},,,A"
    )
    return f"${body}*{reduce(xor, body.encode(), 0):02X}\r\n"


@pytest.fixture
def big_log(tmp_path: Path) -> Path:
    """40,000 10 Hz RMC lines (~3 MB): the child is still reading when the test acts."""
    t0 = datetime(2026, 5, 1, 4, 0, tzinfo=UTC)
    path = tmp_path / "ten-hz.nmea"
    path.write_text(
        "".join(_rmc(t0 + timedelta(seconds=i / 10), 19.0 + i * 5e-7) for i in range(40_000))
    )
    return path


def _readers(path: Path) -> list[int]:
    """The pids of our children reading `path` (from /proc)."""
    out = []
    for pid in os.listdir("/proc"):
        with contextlib.suppress(OSError):
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if b"companion.sources.nmea_child" in cmd and str(path).encode() in cmd:
                out.append(int(pid))
    return out


async def test_the_source_reads_a_big_log_by_the_child_as_here(
    big_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[Path] = []
    real = nmea_child.child_blocks

    def counted(path: Path, source: str):  # type: ignore[no-untyped-def]
        started.append(path)
        return real(path, source)

    monkeypatch.setattr(nmea_child, "child_blocks", counted)
    recs = []
    for threshold in (0, 1 << 62):
        monkeypatch.setattr(nmea_child, "CHILD_MIN_BYTES", threshold)
        rec = Recorder()
        await asyncio.wait_for(open_source(f"nmea:{big_log}").run(rec.on_fix, rec.on_status), 60)
        recs.append(rec)
    assert started == [big_log]  # the first by the child, the second here
    child, here = recs
    assert [_fix(f) for f in child.fixes] == [_fix(f) for f in here.fixes]
    assert [f.time for f in child.fixes] == rmc_times(big_log.read_text())
    last = here.statuses[-1]
    assert replace(child.statuses[-1], since=last.since) == last  # counts, state, words
    assert child.statuses[-1].detail == f"end of {big_log.name}: 40000 fixes"


@pytest.fixture
def by_child(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every log read by the child, whatever its size."""
    monkeypatch.setattr(nmea_child, "CHILD_MIN_BYTES", 0)


@pytest.mark.usefixtures("by_child")
async def test_a_killed_reader_is_followed_here_without_a_fix_twice_or_lost(big_log: Path) -> None:
    rec = Recorder()
    killed: list[int] = []

    def on_fix(fix: Fix) -> None:
        if not killed:  # the first fix: the child is blocked writing what comes next
            killed.extend(_readers(big_log))
            for pid in killed:
                os.kill(pid, signal.SIGKILL)
        rec.on_fix(fix)

    source = open_source(f"nmea:{big_log}", backoff_initial=0.05)
    await asyncio.wait_for(source.run(on_fix, rec.on_status), 60)
    assert len(killed) == 1
    assert FeedState.LOST in rec.states() and rec.states()[-1] is FeedState.STOPPED
    lost = next(s for s in rec.statuses if s.state is FeedState.LOST)
    assert lost.detail == f"the reader of {big_log.name} stopped (exit -9)"
    assert [f.time for f in rec.fixes] == rmc_times(big_log.read_text())  # each once, in order
    assert rec.statuses[-1].detail == f"end of {big_log.name}: 40000 fixes"


@pytest.mark.usefixtures("by_child")
async def test_a_stopped_source_leaves_no_reader_behind(big_log: Path) -> None:
    rec = Recorder()
    task = asyncio.create_task(open_source(f"nmea:{big_log}").run(rec.on_fix, rec.on_status))
    while not rec.fixes:
        await asyncio.sleep(0.01)
    assert len(_readers(big_log)) == 1
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert _readers(big_log) == []  # killed and reaped, not left reading
    assert 0 < len(rec.fixes) < 40_000
