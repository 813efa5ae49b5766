"""`companion share EVENT`: publish the event's log and status to its [share] broker with no
screen (a car that only types checkpoints on the command line), and merge its peers' entries.
`companion follow` and `run` publish the same way when the event has [share]."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from companion.cli.common import Commands, add, event_args, session
from companion.stdout import StatusPrinter

if TYPE_CHECKING:
    from companion.share.publisher import Publisher


def cmd_share(args: argparse.Namespace) -> int:
    from companion.share.publisher import Publisher  # aiomqtt only when sharing

    with session(args) as s:
        say = StatusPrinter()

        def replay(rows: object) -> None:
            s.replay()  # rows typed by other processes: the status must count them

        publisher = Publisher(s, now=lambda: s.now(datetime.now(UTC)), say=say, on_rows=replay)
        try:
            asyncio.run(_run(publisher, args.duration))
        finally:
            publisher.close()
        st = publisher.state
        say(
            f"share: {st.published} rows published, {st.merged} merged from peers, "
            f"{st.dropped} dropped; cursor at row {st.cursor}"
        )
    return 0


async def _run(publisher: Publisher, duration: float | None) -> None:
    task = asyncio.create_task(publisher.run())
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # all stop it cleanly
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, task.cancel)
    with contextlib.suppress(asyncio.CancelledError, TimeoutError):
        await asyncio.wait_for(task, duration)  # None: until a signal


def register(sub: Commands) -> None:
    sp = add(sub, "share", "publish the event's log and status to its [share] MQTT broker")
    event_args(sp)
    sp.add_argument("--duration", type=float, help="stop after this many seconds")
    sp.set_defaults(func=cmd_share)
