"""PIPE-2 (issue 11): the plausibility filter skips `time_problem` for a feed's usual time (UTC,
inside 2000-2099, no clock given). Reference: `time_problem` itself, asked for every time, and
the window's edges written out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from companion.core.models import Fix
from companion.core.times import time_problem
from companion.sources.filters import PlausibilityFilter

# UTC itself, a zero offset that is not UTC's object, a zone east, naive.
ZONES = st.sampled_from(
    [UTC, timezone(timedelta(0), "Z"), timezone(timedelta(hours=5, minutes=30)), None]
)


def _judged(when: datetime, now: datetime | None = None) -> str | None:
    return PlausibilityFilter().check(Fix(when, 39.0, -94.6, "nmea"), now=now)


@given(st.datetimes(timezones=ZONES))
def test_any_time_is_refused_exactly_when_time_problem_refuses_it(when: datetime) -> None:
    assert _judged(when) == time_problem(when)


def test_the_windows_edges_in_utc() -> None:
    first = datetime(2000, 1, 1, tzinfo=UTC)
    end = datetime(2100, 1, 1, tzinfo=UTC)
    assert _judged(first) is None
    assert _judged(end - timedelta(microseconds=1)) is None
    assert _judged(first - timedelta(microseconds=1)) is not None
    assert _judged(end) is not None


def test_with_a_clock_the_future_is_still_refused() -> None:
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    assert _judged(now + timedelta(days=2), now=now) is not None
    assert _judged(now - timedelta(seconds=1), now=now) is None
