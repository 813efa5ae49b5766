"""Tracker.add's time arithmetic without `total_seconds` where a comparison will do (issue 11):
microseconds from a timedelta's fields, thresholds compared as timedeltas, and the rider-day
ledger's usual credit booked without working out the rest. Each must answer exactly as the
plain arithmetic it replaces: here that arithmetic is written out again (the reference) and
both are asked the same questions, many of them within microseconds of a threshold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from companion.core import motion, riderdays, runstate
from companion.core.days import Day
from companion.core.riderdays import NIGHT_HALT_S, RiderLedger

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)
TZ = ZoneInfo("Europe/London")


def _plain_us(t: datetime) -> int:
    return (t - _EPOCH) // _MICRO


aware = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=14)), timezone(-timedelta(hours=12))]),
)  # fmt: skip


@given(aware)
@settings(max_examples=3000)
def test_microseconds_since_the_epoch_are_the_floor_division(t: datetime) -> None:
    assert runstate.to_us(t) == _plain_us(t)
    assert riderdays.to_us(t) == _plain_us(t)


def _near(threshold_s: float) -> list[timedelta]:
    """Deltas either side of a threshold, to the microsecond, and far from it."""
    base = timedelta(seconds=threshold_s)
    near = [base + k * _MICRO for k in range(-3, 4)]
    return [*near, base * 0.5, base * 2, -base, timedelta(0), timedelta(days=400) + _MICRO]


def test_the_thresholds_as_timedeltas_answer_as_total_seconds() -> None:
    for d in _near(NIGHT_HALT_S):
        assert (d >= riderdays._NIGHT_HALT) == (d.total_seconds() >= NIGHT_HALT_S)
        assert (d < riderdays._SHORT_OF_NIGHT) == (d.total_seconds() < NIGHT_HALT_S - 1.0)
    for d in _near(60.0):
        assert (d < motion._MINUTE) == (d.total_seconds() < 60.0)


class _Reference(RiderLedger):
    """book_km and book_moving as they were: every credit's rest worked out in seconds."""

    __slots__ = ()

    def book_km(self, t0: datetime, k0: float, t1: datetime, k1: float, progressed: bool) -> None:
        day = self._days[-1] if self._days else self.day(t0)
        if (t1 - t0).total_seconds() >= NIGHT_HALT_S and self._night_between(t0, t1, day):
            day = self._open(t1)
        day.last_km = k1
        self._recent_us.append(_plain_us(t1))
        self._recent_km.append(k1)  # (every one kept: _km_at reads the latest at or before)

    def book_moving(self, t0: datetime, t1: datetime, moving_s: float, estimated: bool) -> None:
        if moving_s <= 0:
            return
        day = self._days[-1] if self._days else self.day(t0)
        span = (t1 - t0).total_seconds()
        opened_at_t1 = day.first_time == t1 and len(self._days) > 1
        if opened_at_t1 and span > moving_s + 1.0:
            day.first_time = self._began(t0, t1, span, moving_s)
            self.last_move_end = t1
            day.moving_s += moving_s
            day.estimated_s += moving_s if estimated else 0.0
            return
        if opened_at_t1 and self._no_night(t0, t1, span, moving_s):
            day = self._merge_back()
        ref = self.last_move_end or day.first_time
        if ref is not None:
            rest = (t0 - ref).total_seconds() + max(span - moving_s, 0.0)
            if rest >= NIGHT_HALT_S:
                begin = self._began(t0, t1, span, moving_s)
                if self._date_of(begin) != self._date_of(day.first_time or ref):
                    day = self._open(begin)
        day.moving_s += moving_s
        if estimated:
            day.estimated_s += moving_s
        self.last_move_end = t1


def _days(ledger: RiderLedger) -> list[Day]:
    return ledger._days


# Steps between credits: a 10 Hz fix, a second, a pause, and rests within a second of a night.
_NIGHT = timedelta(seconds=NIGHT_HALT_S)
_GAPS = [timedelta(seconds=0.1), timedelta(seconds=1), timedelta(minutes=10), _NIGHT * 0.9]
_GAPS += [_NIGHT + k * timedelta(milliseconds=250) for k in range(-8, 9)] + [_NIGHT * 2]


@given(
    st.datetimes(min_value=datetime(2026, 3, 1), max_value=datetime(2026, 11, 1)),
    st.lists(
        st.tuples(
            st.sampled_from(_GAPS),  # from the last credit's end to this one's start (a rest)
            st.sampled_from(_GAPS[:3] + _GAPS[4:]),  # the credit's own length
            st.sampled_from([1.0, 0.5, 0.0]),  # the part of it moving
            st.booleans(),  # estimated
            st.booleans(),  # positions through the rest (a stop), or none (a gap)
        ),
        min_size=1, max_size=40,
    ),
)  # fmt: skip
@settings(max_examples=400, deadline=None)
def test_a_ledger_books_every_credit_as_the_plain_rule_does(
    start: datetime, steps: list[tuple[timedelta, timedelta, float, bool, bool]]
) -> None:
    new, ref = RiderLedger(TZ), _Reference(TZ)
    t, km = start.replace(tzinfo=UTC), 0.0
    for ledger in (new, ref):
        ledger.day(t)
    for rest, length, part, estimated, split in steps:
        t0 = t + rest
        t1 = t0 + length
        moving_s = length.total_seconds() * part
        for ledger in (new, ref):
            _rest(ledger, t, t0, km, split=split)
            ledger.book_km(t0, km, t1, km + 0.3, progressed=moving_s > 0)
            ledger.book_moving(t0, t1, moving_s, estimated)
        t, km = t1, km + 0.3
        assert new.totals() == ref.totals()
        assert [d.first_time for d in _days(new)] == [d.first_time for d in _days(ref)]
        assert new.last_move_end == ref.last_move_end


def _rest(ledger: RiderLedger, t: datetime, until: datetime, km: float, split: bool) -> None:
    """No progress from `t` to `until`: a position every 10 minutes (a stop seen by the GPS,
    so the ledger's moving credits find the night), or none (a gap)."""
    while split and until - t > timedelta(minutes=10):
        ledger.book_km(t, km, t + timedelta(minutes=10), km, progressed=False)
        t += timedelta(minutes=10)
    ledger.book_km(t, km, until, km, progressed=False)


def test_a_rest_a_moment_past_a_night_still_opens_a_day() -> None:
    # 20:00 -> 21:00 moving, then a rest of exactly a night's halt (and one µs less) past midnight,
    # seen by the GPS (a position every 10 minutes): the first moving credit after it decides.
    t0 = datetime(2026, 6, 1, 19, 0, tzinfo=UTC)  # 20:00 in London
    for rest, days in ((_NIGHT, 2), (_NIGHT - _MICRO, 1)):
        ledger = RiderLedger(TZ)
        ledger.day(t0)
        ledger.book_km(t0, 0.0, t0 + timedelta(hours=1), 20.0, progressed=True)
        ledger.book_moving(t0, t0 + timedelta(hours=1), 3600.0, False)
        a = t0 + timedelta(hours=1) + rest  # 00:00 on the next date (or a µs before)
        _rest(ledger, t0 + timedelta(hours=1), a, 20.0, split=True)
        ledger.book_km(a, 20.0, a + timedelta(seconds=1), 20.01, progressed=True)
        ledger.book_moving(a, a + timedelta(seconds=1), 1.0, False)
        assert len(ledger.totals()) == days, rest
