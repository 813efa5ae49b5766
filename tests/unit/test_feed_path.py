"""The per-fix feed path made cheaper for a 10 Hz feed (issue 11) says what it said before:
`with_km` is `dataclasses.replace(fix, km=...)`, and a feed's status counts every fix handed on,
in what `status()` returns and in what each status callback is given, on a real NMEA log."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime
from pathlib import Path

from companion.core.models import Fix
from companion.service import with_km
from companion.sources.base import FeedStatus, open_source
from companion.sources.nmea import parse_nmea_file

T0 = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)


def test_with_km_is_replace_for_every_field() -> None:
    values = {
        "time": T0, "lat": 21.5, "lon": 72.9, "source": "gpsd@car2", "km": 3.0, "speed_mps": 4.5,
        "course_deg": 181.0, "alt_m": 12.0, "accuracy_m": 3.5, "sats": 9, "label": "Valsad",
        "mark": "stop",
    }  # fmt: skip
    # Every field of Fix is set here to a value of its own: a field added to Fix and not to
    # `with_km` fails this test rather than being dropped from every feed fix.
    assert set(values) == {f.name for f in dataclasses.fields(Fix)}
    fix = Fix(**values)  # type: ignore[arg-type]
    placed = with_km(fix, 12.25)
    assert placed == dataclasses.replace(fix, km=12.25)
    assert placed.km == 12.25 and fix.km == 3.0


def test_a_feeds_status_counts_every_fix_handed_on(shared_dir: Path, tmp_path: Path) -> None:
    log = shared_dir / "data" / "nmea" / "ublox-neo-m9n-nmea.log"
    expected = len(parse_nmea_file(str(log))[0])  # the parser alone, no plausibility filter
    assert expected > 10
    source = open_source(f"nmea:{log}")
    seen: list[int] = []  # the status.fixes the callbacks were given
    statuses: list[FeedStatus] = []

    def on_fix(_fix: Fix) -> None:
        seen.append(source.status().fixes)

    asyncio.run(source.run(on_fix, statuses.append))
    handed = len(seen)
    assert handed + source.status().rejected == expected
    assert seen == list(range(1, handed + 1))  # read in the callback: this fix counted
    assert source.status().fixes == handed
    assert statuses[-1].fixes == handed  # the end of the file said with the full count
    assert f"{handed} fixes" in statuses[-1].detail
