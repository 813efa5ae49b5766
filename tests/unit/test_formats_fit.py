"""The FIT reader on real files from ../shared: positions, times and length checked against
fitdecode's raw records and pyproj over them, and the MANIFEST's published figures."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import fitdecode
import pytest
from pyproj import Geod

from companion.core.models import RouteError
from companion.formats import detect_format, load_route
from companion.formats.fit import read_fit_fixes

_GEOD = Geod(ellps="WGS84")


def _raw_records(path: Path) -> list[tuple[object, float, float]]:
    """(timestamp, lat, lon) of every record with a position, by hand from the semicircles."""
    out = []
    with fitdecode.FitReader(str(path)) as reader:
        for m in reader:
            if isinstance(m, fitdecode.FitDataMessage) and m.name == "record":
                lat, lon = (
                    m.get_value("position_lat", fallback=None),
                    m.get_value("position_long", fallback=None),
                )
                if lat is not None and lon is not None:
                    out.append((m.get_value("timestamp"), lat * 180 / 2**31, lon * 180 / 2**31))
    return out


@pytest.fixture
def coros_run(shared_dir: Path) -> Path:
    # Trail run in central Bohemia, 2020-02-15 (MANIFEST: 21.3 km, 2.7 h; Coros, developer fields).
    return shared_dir / "corpus" / "eta-tracks" / "sports-lib" / "6916728382.fit"


def test_fixes_are_the_records_with_their_times(coros_run: Path) -> None:
    raw = _raw_records(coros_run)
    fixes = read_fit_fixes(coros_run)
    assert len(fixes) == len(raw) > 5000
    assert [f.time for f in fixes] == sorted(r[0] for r in raw)  # type: ignore[type-var]
    assert (fixes[0].lat, fixes[0].lon) == pytest.approx(raw[0][1:], abs=1e-9)
    assert 49.5 < fixes[0].lat < 50.2 and 14.2 < fixes[0].lon < 15.2  # central Bohemia
    elapsed_h = (fixes[-1].time - fixes[0].time).total_seconds() / 3600
    assert elapsed_h == pytest.approx(2.7, abs=0.06)
    assert {f.time.utcoffset() for f in fixes} == {timedelta(0)}
    assert sum(f.alt_m is not None for f in fixes) > 0.9 * len(fixes)


def test_activity_loads_as_a_route_of_its_length(coros_run: Path) -> None:
    raw = _raw_records(coros_run)
    lats = [r[1] for r in raw]
    lons = [r[2] for r in raw]
    geodesic_km = _GEOD.line_length(lons, lats) / 1000
    route = load_route(coros_run)
    assert route.n_points == len(raw)
    assert route.length_km == pytest.approx(geodesic_km, rel=1e-4)
    # The MANIFEST's 21.3 km drops steps under 10 m, so the raw path is a little longer.
    assert 21.3 <= route.length_km < 21.3 * 1.08
    assert math.isnan(route.elevations[0]) is False


def test_every_fit_of_the_corpus_reads(shared_dir: Path) -> None:
    for path in sorted((shared_dir / "corpus" / "eta-tracks").rglob("*.fit"))[:3]:
        assert detect_format(path) == "fit"
        assert len(read_fit_fixes(path)) > 1000


def test_a_fit_without_extension_is_sniffed(coros_run: Path, tmp_path: Path) -> None:
    copy = tmp_path / "activity"
    copy.write_bytes(coros_run.read_bytes())
    assert detect_format(copy) == "fit"


def test_not_a_fit_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "ride.fit"
    bad.write_bytes(b"this is not a FIT file at all\n" * 4)
    with pytest.raises(RouteError) as info:
        load_route(bad)
    assert str(info.value).startswith(f"{bad}: ")
    assert "\n" not in str(info.value)


def test_a_fit_cut_short_keeps_what_was_read(coros_run: Path, tmp_path: Path) -> None:
    data = coros_run.read_bytes()
    cut = tmp_path / "flat_battery.fit"
    cut.write_bytes(data[: len(data) // 2])
    full = read_fit_fixes(coros_run)
    part = read_fit_fixes(cut)
    assert 0.3 * len(full) < len(part) < len(full)
    assert part == full[: len(part)]
    head = tmp_path / "header_only.fit"
    head.write_bytes(data[:200])
    with pytest.raises(RouteError, match="ends before its first position"):
        read_fit_fixes(head)


def test_replay_reads_a_fit_activity(coros_run: Path, tmp_path: Path) -> None:
    from companion.sources.base import FeedError
    from companion.sources.replay import load_track

    points, note = load_track(coros_run)
    raw = _raw_records(coros_run)
    assert note == "" and len(points) == len(raw)
    assert [p.time for p in points] == [r[0] for r in raw]  # recorded in time order
    assert all(p.source == "replay" for p in points)
    bad = tmp_path / "cut.fit"
    bad.write_bytes(coros_run.read_bytes()[:200])
    with pytest.raises(FeedError, match=r"cut\.fit: the FIT file ends before its first position"):
        load_track(bad)
