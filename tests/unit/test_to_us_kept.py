"""`to_us` keeps its last answer (core/riderdays.py): a feed fix's time is converted twice in a
row, for the fixes' time column and for the rider ledger's kept positions. The answer is kept for
that very datetime object only, so every conversion must still equal the plain floor division:
here for times built and dropped one after another (CPython hands the freed object's address to
the next one, so a memo keyed by the address alone would answer the old time), for equal instants
in other zones, and for one time asked again after others."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

from companion.core import riderdays, runstate

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


def _plain_us(t: datetime) -> int:
    return (t - _EPOCH) // _MICRO


def test_runstate_and_the_ledger_share_one_conversion() -> None:
    assert runstate.to_us is riderdays.to_us


def _fresh_times() -> Iterator[datetime]:
    """5000 times, each a fresh object dropped before the next is built (often at its address)."""
    base = datetime(2026, 6, 1, 11, tzinfo=UTC)
    steps = [timedelta(microseconds=100_003 * k) for k in range(5000)]  # built beforehand
    for step in steps:
        yield base + step
        gc.collect(0)


def test_times_built_and_dropped_in_turn_each_convert_exactly() -> None:
    # The hazard is there: dropped unconverted, a time's address comes back for the next one.
    prev_id, reused = 0, 0
    for t in _fresh_times():
        reused += id(t) == prev_id
        prev_id = id(t)
        del t
    assert reused > 100
    for t in _fresh_times():
        assert runstate.to_us(t) == _plain_us(t)
        assert runstate.to_us(t) == _plain_us(t)  # asked again: the kept answer
        del t


def test_equal_instants_in_other_zones_and_a_time_asked_again() -> None:
    t = datetime(2026, 3, 29, 0, 59, 59, 999_999, tzinfo=UTC)
    same = t.astimezone(timezone(timedelta(hours=5, minutes=30)))
    later = t + _MICRO
    for x in (t, t, same, t, later, same, later, later, t):
        assert riderdays.to_us(x) == _plain_us(x)
    assert riderdays.to_us(same) == riderdays.to_us(t) == riderdays.to_us(later) - 1
