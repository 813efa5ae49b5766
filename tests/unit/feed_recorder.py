"""What the feed tests hand to `Source.run`: a recorder of fixes and statuses, and a wait."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from companion.core.models import Fix
from companion.sources.base import FeedState, FeedStatus


class Recorder:
    def __init__(self) -> None:
        self.fixes: list[Fix] = []
        self.statuses: list[FeedStatus] = []

    def on_fix(self, fix: Fix) -> None:
        self.fixes.append(fix)

    def on_status(self, status: FeedStatus) -> None:
        self.statuses.append(status)

    def states(self) -> list[FeedState]:
        """The states in order, repeats folded."""
        out: list[FeedState] = []
        for s in self.statuses:
            if not out or out[-1] is not s.state:
                out.append(s.state)
        return out

    def saw(self, state: FeedState, after: int = 0) -> bool:
        return any(s.state is state for s in self.statuses[after:])


async def until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Wait (polling) until `predicate` holds; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)
