"""Honouring a cancel that a library swallowed: a feed, a publisher or a watcher told to stop must
stop, or a quit hangs. Libraries turn a cancel landing in their I/O into their own error
(TimeoutError, OSError, aiomqtt's MqttError); a loop that retries on those errors asks here first.
"""

from __future__ import annotations

import asyncio


def raise_if_cancelled() -> None:
    """Raise CancelledError when the current task is being cancelled."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
