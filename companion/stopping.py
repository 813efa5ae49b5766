"""Stopping a task that must stop (a feed, a publisher, on SIGTERM or quit): cancel it, and
cancel it again for as long as it runs on.

One cancel can be lost. On Python 3.11 `asyncio.wait_for` returns normally when the cancel lands
in the loop turn its inner future completes (CPython gh-86296, fixed in 3.12), and aiomqtt awaits
every CONNACK, SUBACK and PUBACK with it: a publisher cancelled as an acknowledgement arrived ran
on forever, and `companion share` or `follow` did not exit on SIGTERM. Our own loops also check
`Task.cancelling()`; this is what makes a stop certain whatever a library does with a cancel.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

# Longer than a publisher's goodbye (its 'offline' publish waits at most 2 s), so a second cancel
# does not cut a clean stop short; short enough that a lost cancel costs a few seconds only.
AGAIN_S = 3.0


async def stop_task(task: asyncio.Task[Any], again_s: float = AGAIN_S) -> None:
    """Cancel `task` and wait until it has ended, cancelling it again every `again_s` while it
    runs. Its cancellation is not raised here; any other exception it ended with is."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=again_s)
    with contextlib.suppress(asyncio.CancelledError):
        task.result()
