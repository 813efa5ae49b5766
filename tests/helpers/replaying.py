"""A replay feed run to its end with no real waiting: its sleeps are recorded, and its wall clock
moves only by them (handling a fix takes no time), so what it sleeps is exactly its schedule."""

from __future__ import annotations

from datetime import UTC, datetime

from companion.core.models import Fix
from companion.sources.base import FeedStatus, open_source
from companion.sources.replay import ReplaySource

NOW = datetime(2025, 1, 15, 6, 0, tzinfo=UTC)


class FakeTime:
    def __init__(self) -> None:
        self.slept: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def monotonic(self) -> float:
        return sum(self.slept)

    def clock(self) -> datetime:
        return NOW


async def play(url: str) -> tuple[list[Fix], list[FeedStatus], FakeTime]:
    fake = FakeTime()
    source = open_source(url, clock=fake.clock, max_kmh=40)
    assert isinstance(source, ReplaySource)
    source._sleep = fake.sleep
    source._monotonic = fake.monotonic
    fixes: list[Fix] = []
    statuses: list[FeedStatus] = []
    await source.run(fixes.append, statuses.append)
    return fixes, statuses, fake
