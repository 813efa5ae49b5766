"""Sharing beside a running feed (`companion follow`, the dashboard): a Publisher task started
when the event has [share], stopped with the feed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from companion.service import EventSession
from companion.share.publisher import Publisher
from companion.share.store import OwnRow
from companion.stopping import stop_task


class Sharing:
    """A Publisher running as a task in the current loop."""

    def __init__(self, publisher: Publisher) -> None:
        self.publisher = publisher
        self.task = asyncio.create_task(publisher.run())

    async def stop(self) -> None:
        await stop_task(self.task)  # cancelled again if a library lost the first cancel
        self.publisher.close()


def start_sharing(
    session: EventSession, now: Callable[[], datetime], say: Callable[[str], None]
) -> Sharing | None:
    """Start publishing `session`'s event if it has [share]; None when it has not."""
    if session.event.share is None:
        return None

    def typed_elsewhere(rows: list[OwnRow]) -> None:
        # This process logs the feed's fixes itself; an entry, undo or edit was typed in another
        # process (`companion checkpoint`), so the tracker learns it from the log.
        if any(not r.is_gps for r in rows):
            session.replay()

    return Sharing(Publisher(session, now=now, say=say, on_rows=typed_elsewhere))
