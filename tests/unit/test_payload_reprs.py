"""PIPE-2 (issue 11): an RMC fix's payload with its speed and course texts kept
(logbatch._float_text), the NMEA checksum's value by lookup (nmea_line._HEX), and a feed fix's
logged_at written from the clock without a datetime (logrows.utc_now_iso).

References, independent of the code under test: `json.dumps` of `fix_payload` for the payload
(json writes a float as float.__repr__), and the XOR of the sentence's bytes one at a time for
the checksum, `isoformat` of the epoch plus the microseconds for the clock's text.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import reduce
from operator import xor

import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion import logbatch, logrows
from companion.core.models import Fix
from companion.logbatch import plain_payload
from companion.logrows import fix_payload, from_iso, to_iso
from companion.sources.nmea_line import read_rmc

T = datetime(2026, 6, 1, 11, 0, tzinfo=UTC)


def _rmc_fix(speed: float, course: float) -> Fix:
    return Fix(T, 39.0, -94.6, "nmea", 12.5, speed, course)


def _reference(fix: Fix) -> str:
    return json.dumps(fix_payload(fix))


def test_a_zero_of_either_sign_is_written_as_its_own_sign_whatever_was_kept() -> None:
    # 0.0 == -0.0 as dict keys: a kept "0.0" must never answer for -0.0, nor "-0.0" for 0.0.
    for first, second in ((0.0, -0.0), (-0.0, 0.0)):
        for speed, course in ((first, second), (second, first), (first, first)):
            fix = _rmc_fix(speed, course)
            assert plain_payload(fix) == (True, _reference(fix))


@given(
    st.lists(
        st.tuples(
            st.floats(allow_nan=False, allow_infinity=False),
            st.floats(allow_nan=False, allow_infinity=False),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_any_finite_speeds_and_courses_are_written_as_json_writes_them(
    pairs: list[tuple[float, float]],
) -> None:
    for speed, course in pairs + pairs[::-1]:  # each value again, kept by then
        fix = _rmc_fix(speed, course)
        assert plain_payload(fix) == (True, _reference(fix))


def test_the_kept_texts_stay_bounded_and_right_past_the_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(logbatch, "_REPRS_KEPT", 8)
    logbatch._REPRS.clear()
    values = [k * 0.1 + 1.0 for k in range(30)]  # 1.0, 1.1, 1.2000000000000002, ...
    for _round in range(3):
        for v in values:
            fix = _rmc_fix(v, v / 3)
            assert plain_payload(fix) == (True, _reference(fix))
            assert len(logbatch._REPRS) <= 8
    assert logbatch._REPRS  # something was kept: the lookup is exercised, not bypassed


def _with_checksum(body: str, check: int) -> str:
    return f"${body}*{check:02X}"


def test_only_the_right_checksum_of_256_is_taken() -> None:
    body = "GPRMC,110000.10,A,3900.3872,N,09437.4398,W,10.9,0.0,010626,,,A"
    right = reduce(xor, body.encode("ascii"), 0)
    taken = [c for c in range(256) if read_rmc(_with_checksum(body, c)) is not None]
    assert taken == [right]
    # Lower-case hex is not the plain case: the slower way decides (and takes it there).
    assert f"{right:02x}" != f"{right:02X}"  # 7d: a letter in it
    assert read_rmc(f"${body}*{right:02x}") is None


# -- logged_at: utc_now_iso -----------------------------------------------------------------------


def _reference_text(ns: int) -> str:
    """What to_iso(datetime.now(UTC)) writes for a clock at `ns`: now() floors to the
    microsecond; written by isoformat from the epoch plus a timedelta."""
    when = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=ns // 1000)
    return when.isoformat(timespec="microseconds")


@given(
    st.lists(
        st.integers(min_value=946_684_800 * 10**9, max_value=4_102_444_799 * 10**9),
        min_size=1,
        max_size=30,
    )
)
def test_the_clocks_text_is_isoformats_for_any_time_in_any_order(ns_values: list[int]) -> None:
    # Each time, then a microsecond and a second later, then back: the kept second never answers
    # for another second.
    for ns in ns_values:
        for at in (ns, ns + 1000, ns + 10**9, ns - 1, ns):
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(logrows.time, "time_ns", lambda at=at: at)
                assert logrows.utc_now_iso() == _reference_text(at)


def test_the_real_clocks_text_falls_between_two_readings_of_now() -> None:
    for _ in range(1000):
        before = to_iso(datetime.now(UTC))
        text = logrows.utc_now_iso()
        after = to_iso(datetime.now(UTC))
        assert before <= text <= after  # fixed width: text order is time order
        assert from_iso(text).tzinfo is UTC
