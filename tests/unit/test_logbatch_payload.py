"""The feed fix's payload written without json (logbatch.plain_payload, issue 11): the text must be
what `json.dumps(fix_payload(fix))` writes, and only for a fix the replay reads back as it was.

References: the json module itself on the same dict, and `fix_from_row` (the replay's reader);
the fixes are real ones parsed from ../shared NMEA logs, plus generated hostile values.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion.core.models import Fix
from companion.logbatch import plain_payload
from companion.logbook import Logbook
from companion.logrows import fix_from_row, fix_payload, to_iso
from companion.sources.nmea import parse_nmea_file

SHARED = Path(__file__).resolve().parents[3] / "shared"
LOGS = sorted([*SHARED.glob("data/nmea/*.log"), *SHARED.glob("corpus/nmea/gpsd/*.log")])
pytestmark = pytest.mark.skipif(not LOGS, reason=f"{SHARED} is not beside the checkout")


def _reference(fix: Fix) -> str | None:
    payload = fix_payload(fix)
    return None if payload is None else json.dumps(payload, ensure_ascii=False)


def _read_back(fix: Fix, text: str | None) -> Fix:
    return fix_from_row((1, "fix", to_iso(fix.time), fix.lat, fix.lon, fix.km, fix.source,
                         None, text))  # fmt: skip


def _real_fixes() -> list[Fix]:
    """Every fix of the real logs, at distinct times in 2026 (the logs' own dates go back to a
    1999 week rollover, which the log's doors refuse before any payload is written)."""
    out: list[Fix] = []
    for path in LOGS:
        out += parse_nmea_file(str(path))[0]
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    return [replace(f, time=t0 + timedelta(seconds=i)) for i, f in enumerate(out)]


def test_real_feed_fixes_are_written_as_json_writes_them() -> None:
    fixes = _real_fixes()
    assert len(fixes) > 1000
    plain = 0
    for f in fixes:
        for fix in (f, Fix(f.time, f.lat, f.lon, f.source, km=12.345, speed_mps=f.speed_mps)):
            ok, text = plain_payload(fix)
            if ok:
                plain += 1
                assert text == _reference(fix)
                assert _read_back(fix, text) == fix
    assert plain == 2 * len(fixes)  # a receiver's fixes are the plain case, every one


HOSTILE = st.one_of(
    st.none(), st.floats(), st.integers(-(10**30), 10**30), st.booleans(), st.just(-0.0)
)


@given(
    lat=st.one_of(st.floats(), st.integers(-200, 200)),
    km=HOSTILE,
    speed=HOSTILE,
    alt=HOSTILE,
    sats=HOSTILE,
    label=st.sampled_from(["", "Valsad"]),
)
def test_a_payload_written_plain_is_jsons_and_reads_back_as_the_fix(
    lat: float, km: float | None, speed: float | None, alt: float | None, sats: int | None,
    label: str,
) -> None:  # fmt: skip
    fix = Fix(datetime(2026, 11, 1, 6, tzinfo=UTC), lat, 72.8, "nmea", km=km, speed_mps=speed,
              alt_m=alt, sats=sats, label=label)  # type: ignore[arg-type]  # fmt: skip
    ok, text = plain_payload(fix)
    if not ok:
        assert text is None
        return
    assert text == _reference(fix)
    back = _read_back(fix, text)
    assert back == fix
    assert math.isfinite(back.lat) and (back.km is None or math.isfinite(back.km))


def test_a_batch_of_real_fixes_logged_the_plain_way_reads_back_unchanged(tmp_path: Path) -> None:
    fixes = [replace(f, km=i / 100.0) for i, f in enumerate(_real_fixes()[:2000])]
    with Logbook.open(tmp_path / "log.sqlite", event_name="t") as book:
        for f in fixes:
            book.append_fix(f, commit=False)
    with Logbook.open(tmp_path / "log.sqlite", readonly=True) as book:
        back = [f for _id, f in book.effective_fixes()]
    assert back == fixes
