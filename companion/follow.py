"""`companion follow`: log a feed with no screen, printing a status line every few seconds.

For a box in the car with no display, and for scripts: fixes go through the same path as in the
dashboard (filter -> log -> tracker); `companion status` afterwards shows what was logged.

A full disk does not stop it (issue 10 F3): it says NOT SAVING, goes on reading the feed, probes
the disk with each fix (or retries opening the log, if even that fails) and says when it saves
again.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from companion import render
from companion.core.models import Fix
from companion.event import redact
from companion.feedblock import add_feed_fixes
from companion.headspill import HeadSpill
from companion.logbook import NotSaved
from companion.service import EventSession
from companion.sources.base import FeedError, FeedState, FeedStatus, open_source
from companion.statekeep import StateKeeper
from companion.stdout import StatusPrinter
from companion.stopping import stop_task

# How often the status line is printed.
STATUS_EVERY_S = 5.0
# How often batched fixes are committed (the log's promise: at most a second at risk).
FLUSH_EVERY_S = 0.5
# How often a log that cannot be opened (a full disk) is tried again.
REOPEN_EVERY_S = 2.0


def follow(
    event_path: Path,
    db: str | None,
    feed: str | None,
    duration: float | None,
    every_s: float = STATUS_EVERY_S,
) -> int:
    started = time.monotonic()
    session = _open(event_path, db, started, duration)
    if session is None:  # --duration ran out while the log could not be opened: nothing logged
        _failed(f"{event_path}: the log could not be opened in {duration:g} s; nothing was logged")
        return 1
    if session.log_note:  # an old log carried over beside the event (eventlog.py), said once
        print(f"companion: {session.log_note}", file=sys.stderr)
    with session:
        url = feed or session.event.feed
        if not url:
            raise FeedError(f"{event_path}: no feed: give --feed URL or set feed in the event file")
        left = None if duration is None else max(0.0, duration - (time.monotonic() - started))
        return asyncio.run(_follow(session, url, left, max(every_s, 0.1)))


def _open(
    event_path: Path, db: str | None, started: float, duration: float | None
) -> EventSession | None:
    """Open the event, waiting while its log cannot be opened for lack of room (SQLite needs a
    little to open a log, even to read it)."""
    say = StatusPrinter()
    said = False
    while True:
        try:
            return EventSession.open(event_path, db)
        except NotSaved as e:
            if not said:
                say(f"[{datetime.now(UTC):%H:%M:%SZ}] NOT SAVING: {e}; retrying")
                said = True
        if duration is not None and time.monotonic() - started >= duration:
            return None
        time.sleep(REOPEN_EVERY_S)


async def _follow(session: EventSession, url: str, duration: float | None, every_s: float) -> int:
    source = open_source(url, max_kmh=session.event.max_kmh)
    session.attach(source)
    clock = session.clock(source, lambda: datetime.now(UTC))  # a replay's, if it is one
    tz = session.event.zone
    say = StatusPrinter()  # `follow ... | head -1` must go on logging after head is gone
    saving: str | None = None  # the outage last reported
    reached = False  # the feed connected or gave a fix at least once (else exit status 1)

    def report_saving() -> None:
        """Say when the log stops or starts saving again (the line every few seconds too)."""
        nonlocal saving
        if session.not_saving == saving:
            return
        local = datetime.now(UTC).astimezone(tz).strftime("%H:%M:%S")
        if session.not_saving is not None:
            say(f"[{local}] NOT SAVING: {session.not_saving}; fixes are not logged, retrying")
        else:
            say(f"[{local}] saving again")
        saving = session.not_saving

    def on_fix(fix: Fix) -> None:
        nonlocal reached
        reached = True
        session.add_feed_fix(fix, prefiltered=True)
        if session.not_saving != saving:  # report_saving's own test, without its call a fix
            report_saving()

    def on_fixes(fixes: Sequence[Fix]) -> None:
        """A file's block of accepted fixes: on_fix for each, in one loop (feedblock.py)."""
        nonlocal reached
        reached = True
        add_feed_fixes(session, fixes)
        if session.not_saving != saving:
            report_saving()

    def on_status(status: FeedStatus) -> None:
        nonlocal reached
        reached = reached or status.state is FeedState.CONNECTED
        if session.log_feed_status(status):
            session.flush()
            local = status.since.astimezone(tz).strftime("%H:%M:%S")
            say(f"[{local}] feed {status.state.value}: {status.detail}")
        report_saving()

    say(f"following {redact(url)} for {session.event.name}")
    task = asyncio.create_task(source.run(on_fix, on_status, on_fixes))
    sharing = None
    if session.event.share is not None:  # and publish it all to the [share] broker
        from companion.share.running import start_sharing  # aiomqtt only when sharing

        sharing = start_sharing(session, clock, say)
    asked = asyncio.Event()  # to stop: by a signal or at the end of `duration`

    def stop() -> None:
        asked.set()
        task.cancel()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # all stop it cleanly, flushed
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop)
    started = time.monotonic()
    next_status = started + every_s
    let_go = HeadSpill()  # the fixes committed long ago: read back from the log if asked
    keep = StateKeeper()  # the state saved as it goes: a kill -9 replays an hour, not the day
    try:
        while not task.done() and not asked.is_set():
            await asyncio.wait({task}, timeout=FLUSH_EVERY_S)
            session.flush()
            let_go(session)
            keep(session)
            report_saving()
            now = time.monotonic()
            if duration is not None and now - started >= duration:
                stop()
            if now >= next_status:
                next_status = now + every_s
                say(_line(session, source.status(), clock()))
        await stop_task(task)  # cancelled again if a library lost the cancel: never runs on
    finally:
        session.flush()
        if sharing is not None:
            await sharing.stop()
    last = source.status()
    say(_line(session, last, clock()))
    if not reached:
        _failed(f"feed {redact(url)} never answered: {last.state.value} ({last.detail})")
        return 1
    if session.not_saving is not None:
        _failed(f"{session.db_path}: ended while not saving: {session.not_saving}")
        return 1
    return 0


def _failed(message: str) -> None:
    """The one line on stderr of a run that failed (exit status 1)."""
    with contextlib.suppress(OSError, ValueError):
        print(f"companion: {message}", file=sys.stderr)


def _line(session: EventSession, status: FeedStatus, now: datetime) -> str:
    # Only committed fixes are printed (issue 11): a kill -9 never takes away a km shown here.
    session.flush()
    p = session.progress(now)
    tz = session.event.zone
    last = render.clock(p.last_fix.time, tz) if p.last_fix else "—"
    # The detail says what the state alone hides: "no data since 14:02:11Z", "no fix".
    detail = f" ({status.detail})" if status.detail not in ("", "connected") else ""
    if session.not_saving is not None:
        detail += f", NOT SAVING: {session.not_saving}"
    return (
        f"{now.astimezone(tz):%H:%M:%S} {status.state.value}{detail}: km {p.km_total:.2f} of "
        f"{p.route_km:.1f}, today {p.km_today:.2f}; {session.feed_fixes_logged} fixes logged, "
        f"{status.rejected} rejected, {status.bad_lines} bad lines; last position {last}"
    )
