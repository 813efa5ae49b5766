"""stop_task: a cancel that Python 3.11's asyncio.wait_for swallows (it lands in the loop turn
the awaited future completes, gh-86296) is made again, so a task told to stop stops. The loop
below waits the way aiomqtt waits for each acknowledgement: a real wait_for, no mock."""

from __future__ import annotations

import asyncio
import contextlib
import sys

import pytest

from companion.stopping import stop_task


async def _acks(arrived: asyncio.Event, turns: list[int]) -> None:
    """A library's loop: each turn waits for an acknowledgement with wait_for."""
    while True:
        turns.append(1)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(arrived.wait(), 60.0)
        arrived.clear()


async def _parked(task: asyncio.Task[None], turns: list[int], n: int) -> None:
    while len(turns) < n:  # each loop turn yields; no clock involved
        await asyncio.sleep(0)
    assert not task.done()


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="wait_for no longer swallows a cancel")
async def test_one_cancel_is_lost_when_it_lands_as_the_ack_arrives() -> None:
    """The cause itself, shown with the real wait_for: the task goes round again, cancel lost."""
    arrived, turns = asyncio.Event(), []
    task = asyncio.create_task(_acks(arrived, turns))
    await _parked(task, turns, 1)
    arrived.set()
    task.cancel()
    await _parked(task, turns, 2)  # it went round and waits again: it would run on forever
    assert task.cancelling() == 1  # asked, and never honoured
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_stop_task_stops_a_task_that_lost_the_first_cancel() -> None:
    arrived, turns = asyncio.Event(), []
    task = asyncio.create_task(_acks(arrived, turns))
    await _parked(task, turns, 1)
    stopping = asyncio.create_task(stop_task(task, again_s=0.05))
    arrived.set()  # the ack lands in the turn stop_task's first cancel does
    async with asyncio.timeout(30):  # ~0.05 s; a lost cancel alone would wait here forever
        await stopping
    assert task.cancelled()
    assert len(turns) == 2  # the first cancel was indeed lost: it went round once more


async def test_stop_task_raises_what_the_task_ended_with() -> None:
    async def fails() -> None:
        raise ValueError("broken")

    task = asyncio.create_task(fails())
    await asyncio.sleep(0)
    with pytest.raises(ValueError, match="broken"):
        await stop_task(task)
