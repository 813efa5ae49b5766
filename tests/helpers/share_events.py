"""Events with a [share] table for the sharing tests, and a publisher run in the test's loop."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sqlite3
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from companion.service import EventSession
from companion.share.publisher import Publisher

EVENT_ID = "unity-run-2021-t3st"
NOW = datetime(2021, 8, 16, 13, 0, tzinfo=UTC)  # 18:30 IST, day 2 of the Unity Run
WAIT_S = 30.0


def share_event(
    folder: Path, broker_url: str, unit: str, peers: tuple[str, ...] = (), athlete: str = "A"
) -> tuple[Path, Path]:
    """An event file on the bundled Unity Run with [share]; returns (event file, log db)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "event.toml"
    peer_list = ", ".join(f'"{p}"' for p in peers)
    path.write_text(
        f'name = "Unity"\nid = "{EVENT_ID}"\nathlete = "{athlete}"\nroute = "unity-run-2021"\n'
        'timezone = "Asia/Kolkata"\nplanned_kmh = 7.0\nstart = 2021-08-15T05:30:00\n'
        f'\n[share]\nbroker = "{broker_url}"\nunit = "{unit}"\npeers = [{peer_list}]\n',
        encoding="utf-8",
    )
    return path, folder / "event.sqlite"


def shared_ids(db: Path) -> list[int]:
    """The ids of a log's own shareable rows (fix, undo, edit), read with plain SQL."""
    with contextlib.closing(sqlite3.connect(db)) as c:
        rows = c.execute(
            "SELECT id FROM events WHERE kind IN ('fix', 'undo', 'edit') "
            "AND (source IS NULL OR instr(source, '@') = 0) ORDER BY id"
        ).fetchall()
    return [r[0] for r in rows]


def received_ids(payloads: list[bytes], unit: str) -> list[int]:
    """The row ids in log messages of `unit`, duplicates dropped (first kept), in arrival order."""
    seen: list[int] = []
    for data in payloads:
        doc = json.loads(data)
        if doc["unit"] == unit and doc["id"] not in seen:
            seen.append(doc["id"])
    return seen


async def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@asynccontextmanager
async def publishing(session: EventSession, **kwargs: object) -> AsyncIterator[Publisher]:
    """A Publisher for `session` running in this loop until the block ends."""
    pub = Publisher(session, now=lambda: NOW, **kwargs)  # type: ignore[arg-type]
    task = asyncio.create_task(pub.run())
    try:
        yield pub
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        pub.close()


def run_ok(cmd: list[str], timeout_s: float = 60.0) -> bytes:
    """Run a command (`companion checkpoint …`) and return its stdout; one that fails fails the
    test with all it said on stderr (pytest's locals cut a traceback short)."""
    r = subprocess.run(cmd, capture_output=True, timeout=timeout_s)
    said = r.stderr.decode(errors="replace")[-6000:]
    assert r.returncode == 0, f"{' '.join(cmd[2:4])}: exit {r.returncode}:\n{said}"
    return r.stdout


def wait_said(
    proc: subprocess.Popen[bytes], out: Path, text: str, what: str, timeout_s: float = WAIT_S
) -> None:
    """Wait until `proc` has written `text` to `out`. A process that ended first fails the test
    at once with what it said: a crash at start is its traceback, not a timeout 30 s later."""
    deadline = time.monotonic() + timeout_s
    while text not in (said := out.read_text()):
        if proc.poll() is not None and text not in (said := out.read_text()):  # read after it ended
            raise AssertionError(f"{what}: exit {proc.returncode} first:\n{said[-6000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}:\n{said[-6000:]}")
        time.sleep(0.05)


def stop(proc: subprocess.Popen[bytes], out: Path, wait_s: float = 60.0) -> int:
    """SIGTERM `proc` (started with PYTHONFAULTHANDLER=1) and return its exit status; one still
    running after `wait_s` is made to print every thread's stack (SIGABRT) and the test fails
    with it, so a hang says where it hung."""
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(wait_s)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGABRT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        said = out.read_text()[-6000:]
        raise AssertionError(f"still running {wait_s:g} s after SIGTERM:\n{said}") from None
