"""FixColumns.append's way for the usual feed fix (core/fixcolumns.py, issue 11) stores exactly
what the general way (`insert` at the end, through `_row`) stores: the same arrays, the same odd
fixes, the same sources, and the fixes read back as they were given. Real receiver logs and
generated fixes mixing every case the columns tell apart (a column's first number, None after
numbers, an int, a NaN, satellites, a label, a new source, a zone not UTC)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.core.fixcolumns import FixColumns
from companion.core.models import Fix
from companion.sources.nmea import parse_nmea_file

T0 = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)
REAL_LOGS = ("bu353s4.log", "com-1289.log", "haicom-305N.log", "ublox-neo-m9n-nmea.log")


def _general(fixes: list[Fix]) -> FixColumns:
    cols = FixColumns()
    for f in fixes:
        cols.insert(len(cols), f)  # _row, as append did before its own way
    return cols


def _stored(cols: FixColumns) -> tuple[object, ...]:
    return (
        cols._us.tobytes(), cols._lat.tobytes(), cols._lon.tobytes(), cols._src.tobytes(),
        tuple(c.tobytes() for c in cols._opt), cols._sats.tobytes(), cols._sources,
        {k: repr(f) for k, f in cols._odd.items()},
    )  # fmt: skip


def _check(fixes: list[Fix]) -> None:
    fast = FixColumns()
    for f in fixes:
        fast.append(f)
    assert _stored(fast) == _stored(_general(fixes))
    assert [repr(f) for f in fast] == [repr(f) for f in fixes]  # types and zones too


@pytest.mark.parametrize("name", REAL_LOGS)
def test_real_receiver_logs_are_stored_as_the_general_way_stores_them(
    shared_dir: Path, name: str
) -> None:
    fixes, _stats = parse_nmea_file(str(shared_dir / "data" / "nmea" / name))
    assert len(fixes) > 10
    placed = [
        Fix(f.time, f.lat, f.lon, f.source, 0.001 * i, f.speed_mps, f.course_deg)
        for i, f in enumerate(fixes)
    ]  # as the feed logs them: with their km, the satellites left out
    _check(placed)
    _check(fixes)


# Mostly what a feed gives (None, or a float), so that a column's first number often comes after
# rows without one, through the usual fix's way; now and then what the columns cannot hold.
_KINDS = {
    "none": st.none(), "float": st.floats(-1e3, 1e3, allow_nan=False), "nan": st.just(math.nan),
    "int": st.integers(-5, 5),
}  # fmt: skip
number = st.sampled_from(["none"] * 4 + ["float"] * 4 + ["nan", "int"]).flatmap(_KINDS.__getitem__)
fix_parts = st.tuples(
    st.sampled_from([0, 1, 2]),  # source; then km, speed, course, alt
    number,
    number,
    st.one_of(st.none(), st.floats(0, 360)),
    number,
    st.sampled_from([None, None, None, None, None, 0, 12, True, 40000]),  # satellites
    st.sampled_from(["", "", "", "", "", "", "", "Valsad"]),  # label
    st.sampled_from([UTC] * 7 + [timezone(timedelta(hours=5, minutes=30))]),
    st.floats(-80, 80),
    st.integers(0, 9),  # 0: the lat is an int (held as odd)
)


@given(st.lists(fix_parts, min_size=20, max_size=80))
@settings(max_examples=300, deadline=None)
def test_generated_fixes_are_stored_as_the_general_way_stores_them(
    parts: list[tuple[int, float | None, float | None, float | None, float | None, int | None,
                      str, timezone, float, int]],
) -> None:  # fmt: skip
    fixes = []
    for i, (src, km, speed, course, alt, sats, label, tz, lat, odd) in enumerate(parts):
        t = (T0 + timedelta(seconds=i / 10)).astimezone(tz)
        source = ("nmea", "gpsd", "manual")[src]
        fixes.append(
            Fix(
                t,
                lat if odd else int(lat),
                4.5 + i * 1e-5,
                source,
                km,
                speed,
                course,
                alt,
                None,
                sats,
                label,
            )
        )
    _check(fixes)
