"""`companion follow`: log a feed with no screen, printing a status line every few seconds.

For a box in the car with no display, and for scripts: fixes go through the same path as in the
dashboard (filter -> log -> tracker); `companion status` afterwards shows what was logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from datetime import UTC, datetime
from pathlib import Path

from companion import render
from companion.core.models import Fix
from companion.event import redact
from companion.service import EventSession
from companion.sources.base import FeedError, FeedStatus, open_source
from companion.stdout import StatusPrinter

# How often the status line is printed.
STATUS_EVERY_S = 5.0
# How often batched fixes are committed (the log's promise: at most a second at risk).
FLUSH_EVERY_S = 0.5


def follow(event_path: Path, db: str | None, feed: str | None, duration: float | None) -> int:
    with EventSession.open(event_path, db) as session:
        url = feed or session.event.feed
        if not url:
            raise FeedError(f"{event_path}: no feed: give --feed URL or set feed in the event file")
        return asyncio.run(_follow(session, url, duration))


async def _follow(session: EventSession, url: str, duration: float | None) -> int:
    source = open_source(url, max_kmh=session.event.max_kmh)
    session.attach(source)
    clock = session.clock(source, lambda: datetime.now(UTC))  # a replay's, if it is one
    tz = session.event.zone
    logged = 0
    say = StatusPrinter()  # `follow ... | head -1` must go on logging after head is gone

    def on_fix(fix: Fix) -> None:
        nonlocal logged
        session.add_feed_fix(fix, prefiltered=True)
        logged += 1

    def on_status(status: FeedStatus) -> None:
        if session.log_feed_status(status):
            session.flush()
            local = status.since.astimezone(tz).strftime("%H:%M:%S")
            say(f"[{local}] feed {status.state.value}: {status.detail}")

    say(f"following {redact(url)} for {session.event.name}")
    task = asyncio.create_task(source.run(on_fix, on_status))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # all stop it cleanly, flushed
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, task.cancel)
    started = time.monotonic()
    next_status = started + STATUS_EVERY_S
    try:
        while not task.done():
            await asyncio.wait({task}, timeout=FLUSH_EVERY_S)
            session.flush()
            now = time.monotonic()
            if duration is not None and now - started >= duration:
                task.cancel()
            if now >= next_status:
                next_status = now + STATUS_EVERY_S
                say(_line(session, source.status(), logged, clock()))
        with contextlib.suppress(asyncio.CancelledError):
            await task
    finally:
        session.flush()
    say(_line(session, source.status(), logged, clock()))
    return 0


def _line(session: EventSession, status: FeedStatus, logged: int, now: datetime) -> str:
    p = session.progress(now)
    tz = session.event.zone
    last = render.clock(p.last_fix.time, tz) if p.last_fix else "—"
    # The detail says what the state alone hides: "no data since 14:02:11Z", "no fix".
    detail = f" ({status.detail})" if status.detail not in ("", "connected") else ""
    return (
        f"{now.astimezone(tz):%H:%M:%S} {status.state.value}{detail}: km {p.km_total:.2f} of "
        f"{p.route_km:.1f}, today {p.km_today:.2f}; {logged} fixes logged, "
        f"{status.rejected} rejected, {status.bad_lines} bad lines; last position {last}"
    )
