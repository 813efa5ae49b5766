"""A plain feed row read without json (companion/logplain.py) must give what the full reader
(logrows.fix_from_row) gives, and take nothing the full reader would refuse or read otherwise.

The reference is fix_from_row on the same row. Rows: every fix of the real NMEA logs in ../shared
written by a real Logbook, and generated rows with hostile values.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.logbook import Logbook
from companion.logplain import plain_fix
from companion.logrows import FIX_COLUMNS, RowError, fix_from_row
from companion.sources.nmea import parse_nmea_file

SHARED = Path(__file__).resolve().parents[3] / "shared"
LOGS = sorted([*SHARED.glob("data/nmea/*.log"), *SHARED.glob("corpus/nmea/gpsd/*.log")])
pytestmark = pytest.mark.skipif(not LOGS, reason=f"{SHARED} is not beside the checkout")


def test_every_real_feed_row_reads_the_same_without_json(tmp_path: Path) -> None:
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    fixes = [f for path in LOGS for f in parse_nmea_file(str(path))[0]]
    fixes = [replace(f, time=t0 + timedelta(seconds=i * 0.1), km=i / 1000.0 if i % 3 else None)
             for i, f in enumerate(fixes)]  # fmt: skip
    assert len(fixes) > 1000
    with Logbook.open(tmp_path / "log.sqlite", event_name="t") as book:
        for f in fixes:
            book.append_fix(f, commit=False)
        book.append_fix(replace(fixes[0], time=t0 - timedelta(hours=1), source="manual",
                                label="Valsad"))  # fmt: skip
    conn = sqlite3.connect(tmp_path / "log.sqlite")
    rows = conn.execute(f"SELECT {FIX_COLUMNS} FROM events WHERE kind = 'fix'").fetchall()
    plain = 0
    for row in rows:
        fast = plain_fix(row)
        if fast is not None:
            plain += 1
            assert fast == fix_from_row(row)
    assert plain == len(fixes)  # every feed row, and not the typed one with its label


FIELDS = ["speed_mps", "course_deg", "alt_m", "accuracy_m", "sats", "label", "mark", "other"]
NUMERIC = ["speed_mps", "course_deg", "alt_m", "accuracy_m", "sats"]
VALUES = st.one_of(
    st.floats(), st.integers(-(10**40), 10**40), st.booleans(), st.none(), st.text(max_size=3)
)
GOOD_TIME = "2026-11-01T06:00:00.000000+00:00"


@settings(max_examples=400)
@given(
    time_text=st.one_of(
        st.just(GOOD_TIME),
        st.just(GOOD_TIME),
        st.just("2026-13-01T06:00:00.000000+00:00"),
        st.just("1999-12-31T23:59:59.999999+00:00"),
        st.just("2099-12-31T23:59:59.999999+00:00"),
        st.text(max_size=40),
    ),
    lat=st.one_of(st.floats(-90, 90), st.floats(), st.integers(-100, 100), st.text(max_size=2)),
    km=st.one_of(st.none(), st.floats(), st.integers(-(10**8), 10**8)),
    payload=st.one_of(
        st.none(),
        st.dictionaries(st.sampled_from(NUMERIC), VALUES, max_size=4).map(json.dumps),
        st.dictionaries(st.sampled_from(NUMERIC), st.floats(), max_size=4).map(json.dumps),
        st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=4).map(json.dumps),
        st.text(max_size=30),
    ),
)
def test_a_row_read_without_json_is_read_the_same_by_the_full_reader(
    time_text: str, lat: Any, km: Any, payload: str | None
) -> None:
    row = (1, "fix", time_text, lat, 72.5, km, "nmea", None, payload)
    fast = plain_fix(row)
    if fast is None:
        return
    try:
        full = fix_from_row(row)
    except (RowError, OverflowError) as e:  # pragma: no cover - the defect this test is for
        raise AssertionError(f"plain_fix took a row the full reader refuses: {e}") from e
    assert fast == full


@given(
    lat=st.floats(-90, 90),
    km=st.one_of(st.none(), st.floats(-1e7, 1e7)),
    payload=st.one_of(
        st.none(),
        st.dictionaries(
            st.sampled_from(NUMERIC[:4]),
            st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-99, 99)),
            min_size=1,
        ).map(json.dumps),
    ),
    sats=st.one_of(st.none(), st.integers(0, 10**6)),
)
def test_rows_as_companion_writes_them_are_all_read_without_json(
    lat: float, km: float | None, payload: str | None, sats: int | None
) -> None:
    if sats is not None:
        payload = json.dumps({**json.loads(payload or "{}"), "sats": sats})
    row = (1, "fix", GOOD_TIME, lat, 72.5, km, "nmea", None, payload)
    fast = plain_fix(row)
    assert fast is not None
    assert fast == fix_from_row(row)
