"""A feed fix's row built in one go (logbatch.plain_row, to_iso's UTC case; issue 11).

References, independent of the code under test: `datetime.isoformat` for the times, `json.dumps`
of `fix_payload` for the payload, and the rows SQLite holds after the log was written, read with
plain SQL. Fixes: every fix of the real NMEA logs in ../shared, and generated hostile values.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion.core.models import Fix
from companion.logbatch import plain_row
from companion.logbook import Logbook
from companion.logrows import fix_payload, to_iso
from companion.sources.nmea import parse_nmea_file

SHARED = Path(__file__).resolve().parents[3] / "shared"
LOGS = sorted([*SHARED.glob("data/nmea/*.log"), *SHARED.glob("corpus/nmea/gpsd/*.log")])
pytestmark = pytest.mark.skipif(not LOGS, reason=f"{SHARED} is not beside the checkout")
LOGGED_AT = "2026-11-01T06:00:00.000000+00:00"


def _reference_row(fix: Fix) -> tuple[object, ...]:
    payload = fix_payload(fix)
    text = None if payload is None else json.dumps(payload, ensure_ascii=False)
    when = fix.time.astimezone(UTC).isoformat(timespec="microseconds")
    return (LOGGED_AT, text, when, fix.lat, fix.lon, fix.km, fix.source)


def _real_fixes() -> list[Fix]:
    """The real logs' fixes (RMC alone, RMC with GGA), moved to 2026 (some are from a 1999 week
    rollover, which the log refuses), each also with a km as the session logs it."""
    out: list[Fix] = []
    for path in LOGS:
        out += parse_nmea_file(str(path))[0]
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    moved = [replace(f, time=t0 + timedelta(seconds=i * 0.1)) for i, f in enumerate(out)]
    return moved + [replace(f, km=i / 7.0) for i, f in enumerate(moved)]


@given(st.datetimes(timezones=st.just(UTC)))
def test_a_utc_time_is_written_as_isoformat_writes_it(when: datetime) -> None:
    assert to_iso(when) == when.isoformat(timespec="microseconds")


def test_the_second_kept_is_never_another_months_or_years(monkeypatch: pytest.MonkeyPatch) -> None:
    from companion import logrows

    monkeypatch.setattr(logrows, "_SECONDS_KEPT", 3)  # emptied every few seconds
    t = datetime(2026, 6, 1, 11, 0, 0, 100000, tzinfo=UTC)
    # The same day of the month and time of day in other months and years, then one by one.
    times = [t.replace(year=y, month=m) for y in (999, 2026, 2099) for m in (1, 6, 12)]
    times += [t + timedelta(seconds=i * 0.1) for i in range(100)]
    for when in times + times[::-1]:
        assert to_iso(when) == when.isoformat(timespec="microseconds")


def test_each_real_fix_gets_the_row_json_and_isoformat_give() -> None:
    fixes = _real_fixes()
    shapes = {(f.course_deg is None, f.alt_m is None, f.sats is None) for f in fixes}
    assert len(fixes) > 2000 and len(shapes) >= 2  # RMC-only fixes and fixes with a GGA
    for fix in fixes:
        assert plain_row(fix, LOGGED_AT) == _reference_row(fix), fix


HOSTILE = st.one_of(st.none(), st.floats(), st.integers(-(10**3), 10**3), st.just(-0.0))


@given(
    when=st.one_of(
        st.datetimes(timezones=st.just(UTC)),
        st.datetimes(timezones=st.just(timezone(timedelta(hours=5, minutes=30)))),
        st.datetimes(),
    ),
    speed=HOSTILE,
    course=HOSTILE,
    alt=HOSTILE,
    sats=st.one_of(st.none(), st.integers(0, 99), st.floats()),
)
def test_a_row_built_in_one_go_is_the_slow_ways_or_none(
    when: datetime, speed: float | None, course: float | None, alt: float | None,
    sats: int | None,
) -> None:  # fmt: skip
    fix = Fix(when, 19.1, 72.8, "nmea", km=3.5, speed_mps=speed, course_deg=course, alt_m=alt,
              sats=sats)  # fmt: skip
    row = plain_row(fix, LOGGED_AT)
    if row is None:  # the slow way judges it: another zone, out of the window, a NaN, ...
        return
    assert when.tzinfo is UTC and 2000 <= when.year <= 2099
    assert row == _reference_row(fix)


def test_a_log_written_the_usual_way_holds_the_reference_rows(tmp_path: Path) -> None:
    fixes = _real_fixes()[:3000]
    path = tmp_path / "log.sqlite"
    with Logbook.open(path, event_name="t", clock=lambda: datetime(2026, 11, 1, 6, tzinfo=UTC)):
        pass
    with Logbook.open(path, clock=lambda: datetime(2026, 11, 1, 6, tzinfo=UTC)) as book:
        for f in fixes:
            book.append_fix(f, commit=False)
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT kind, logged_at, payload, time, lat, lon, km, source FROM events ORDER BY id"
    ).fetchall()
    conn.close()
    assert rows == [("fix", *_reference_row(f)) for f in fixes]


@pytest.mark.parametrize("size", [1, 63, 64, 65, 129, 1000])
def test_a_batch_of_any_size_is_written_whole_in_order_with_the_ids_it_returned(
    tmp_path: Path, size: int
) -> None:
    fixes = _real_fixes()[:size]
    path = tmp_path / "log.sqlite"
    clock = lambda: datetime(2026, 11, 1, 6, tzinfo=UTC)  # noqa: E731
    # A batch never due by age (a slow machine): it is written by flush() alone.
    with Logbook.open(path, event_name="t", clock=clock, batch_max_age_s=1e9) as book:
        book.append_note("before")  # so the batch's ids do not start at 1
        for f in fixes:
            assert book.append_fix(f, commit=False) is None
        ids = book.flush()
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT id, kind, logged_at, payload, time, lat, lon, km, source FROM events"
        " WHERE kind = 'fix' ORDER BY id"
    ).fetchall()
    conn.close()
    assert ids == list(range(2, size + 2))
    assert rows == [(i, "fix", *_reference_row(f)) for i, f in zip(ids, fixes, strict=True)]
