"""The positions a rider-day ledger keeps for re-booking (core/riderdays.py) are numbers, and as
many as 10 minutes hold whatever the length of the feed (issue 11: every tracker snapshot keeps a
copy). Structure, not time: counts of what is held, and the km it finds by hand arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from companion.core import riderdays
from companion.core.riderdays import RiderLedger

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
HZ = 10


def _fed(seconds: int) -> RiderLedger:
    ledger = RiderLedger(ZoneInfo("Europe/Paris"))
    for i in range(seconds * HZ):
        t0, t1 = T0 + timedelta(seconds=i / HZ), T0 + timedelta(seconds=(i + 1) / HZ)
        ledger.book_km(t0, i / 1000.0, t1, (i + 1) / 1000.0, progressed=True)  # 1 m a fix
    return ledger


def _kept(ledger: RiderLedger) -> int:
    return len(ledger._recent_us) - ledger._first


def test_ten_minutes_are_kept_whatever_the_length_of_the_feed() -> None:
    short, long = _fed(20 * 60), _fed(2 * 3600)
    window = int(riderdays._KEEP_S) * HZ
    assert window <= _kept(short) <= window + 2
    assert _kept(long) == _kept(short)  # 6x the fixes, as many kept
    # Dropped ones are cut away now and then: the arrays do not grow with the feed.
    assert len(long._recent_us) <= 2 * (window + riderdays._COMPACT_AFTER) + 2
    twin = long.copy()  # what a snapshot holds: the kept ones only
    assert len(twin._recent_us) == len(twin._recent_km) == _kept(long) and twin._first == 0


def test_the_km_at_a_time_is_the_latest_kept_position_at_or_before_it() -> None:
    ledger = _fed(2 * 3600)
    day = ledger.day(T0)
    end = T0 + timedelta(hours=2)
    # 1 m a fix at 10 Hz, fix n at T0 + n / 10 s: at 6900.05 s the latest is fix 69,000's.
    at = end - timedelta(minutes=5) + timedelta(seconds=0.05)
    assert ledger._km_at(at, day) == 69.0
    assert ledger._km_at(end, day) == 72.0
    # Before anything kept: the day's first km (nothing older is known).
    assert ledger._km_at(end - timedelta(hours=1), day) == day.first_km
