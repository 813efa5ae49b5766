"""NmeaParser against the real logs in ../shared (expected values read from the logs' own RMC
sentences with plain string splitting, not with the parser under test)."""

from __future__ import annotations

import functools
import itertools
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.core.geo import distance_m
from companion.sources.filters import PlausibilityFilter
from companion.sources.nmea import NmeaParser, parse_nmea_file

SHARED = Path(__file__).resolve().parents[3] / "shared"
DATA = SHARED / "data" / "nmea"
CORPUS = SHARED / "corpus" / "nmea"
pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is not here")

NEO = DATA / "ublox-neo-m9n-nmea.log"


def all_logs() -> list[Path]:
    logs = sorted(DATA.glob("*.log"))
    logs += sorted(
        p
        for p in CORPUS.rglob("*")
        if p.is_file() and p.suffix in (".log", ".nmea") and not p.name.endswith(".chk")
    )
    return logs


def rmc_fixes(path: Path) -> list[tuple[datetime, float, float]]:
    """(time, lat, lon) of every valid RMC, by hand: ddmm.mmmm -> degrees."""
    out = []
    for raw in path.read_bytes().decode("ascii", "replace").splitlines():
        line = raw.strip()
        if line[3:6] != "RMC" or not line.startswith("$"):
            continue
        f = line.split("*")[0].split(",")
        if f[2] != "A":
            continue
        hh, mm, ss = int(f[1][:2]), int(f[1][2:4]), float(f[1][4:])
        day, month, year = int(f[9][:2]), int(f[9][2:4]), 2000 + int(f[9][4:6])
        when = datetime(year, month, day, hh, mm, int(ss), round((ss % 1) * 1e6), tzinfo=UTC)
        lat = int(f[3][:2]) + float(f[3][2:]) / 60.0
        lon = int(f[5][:3]) + float(f[5][3:]) / 60.0
        out.append((when, -lat if f[4] == "S" else lat, -lon if f[6] == "W" else lon))
    return out


def sentence(body: str) -> str:
    """`$body*hh` with a correct checksum."""
    check = functools.reduce(lambda a, c: a ^ ord(c), body, 0)
    return f"${body}*{check:02X}\r\n"


@pytest.mark.parametrize("path", all_logs(), ids=lambda p: p.name)
def test_every_real_log_parses_without_raising(path: Path) -> None:
    fixes, _stats = parse_nmea_file(str(path))
    for fix in fixes:
        assert fix.time.tzinfo is not None
        assert -90 <= fix.lat <= 90 and -180 <= fix.lon <= 180


def test_neo_m9n_gn_talker_matches_its_own_rmc_sentences() -> None:
    expected = rmc_fixes(NEO)
    fixes, stats = parse_nmea_file(str(NEO))
    assert len(expected) == 61
    assert [f.time for f in fixes] == [e[0] for e in expected]
    assert fixes[0].time == datetime(2020, 7, 11, 22, 37, 45, tzinfo=UTC)
    for fix, (_t, lat, lon) in zip(fixes, expected, strict=True):
        assert fix.lat == pytest.approx(lat, abs=1e-9)
        assert fix.lon == pytest.approx(lon, abs=1e-9)
    # GGA of the first epoch: quality 2, 12 satellites, 83.1 m MSL; VTG 0.075 km/h.
    assert (fixes[0].sats, fixes[0].alt_m) == (12, 83.1)
    assert fixes[0].speed_mps == pytest.approx(0.075 / 3.6)
    assert stats.bad_lines == 0


def test_southern_eastern_hemisphere_signs() -> None:
    fixes, _ = parse_nmea_file(str(DATA / "bu353s4.log"))
    expected = rmc_fixes(DATA / "bu353s4.log")
    assert len(fixes) == len(expected) == 25
    assert fixes[0].lat < 0 < fixes[0].lon
    assert fixes[0].time.date() == date(2014, 12, 31)


def test_com1289_bad_checksum_is_counted_and_the_rest_kept() -> None:
    fixes, stats = parse_nmea_file(str(DATA / "com-1289.log"))
    assert stats.bad_checksum == 1
    assert len(fixes) == 14 == len(rmc_fixes(DATA / "com-1289.log"))


def test_haicom_epochs_without_fix_give_no_position() -> None:
    fixes, stats = parse_nmea_file(str(DATA / "haicom-305N.log"))
    valid_rmc = rmc_fixes(DATA / "haicom-305N.log")
    assert stats.no_fix >= 6
    assert [f.time for f in fixes] == [e[0] for e in valid_rmc]


def test_simulation_mode_receiver_gives_no_fix() -> None:
    # Garmin in simulator mode: GGA quality 8 and RMC status V with coordinates.
    fixes, stats = parse_nmea_file(str(CORPUS / "gpsd" / "GPSmap-76S.log"))
    assert fixes == []
    assert stats.no_fix > 0


def test_nmeabadck_gives_no_12000_km_jump() -> None:
    path = CORPUS / "pynmeagps" / "pygpsdata-nmeabadck.log"
    fixes, stats = parse_nmea_file(str(path))
    assert stats.bad_checksum == 2
    for a, b in itertools.pairwise(fixes):
        assert distance_m(a.lat, a.lon, b.lat, b.lon) < 1000.0
    # The one sentence with a valid checksum says 102 W instead of 002 W; after a real fix at
    # 002 W a second earlier the filter refuses it.
    (bad,) = fixes
    good_line = sentence("GNRMC,103606.00,A,5327.03942,N,00214.42462,W,0.046,,060321,,,A,V")
    parser = NmeaParser()
    (good,) = parser.feed(good_line) + parser.flush()
    filt = PlausibilityFilter(max_kmh=60)
    assert filt.check(good) is None
    reason = filt.check(bad)
    assert reason is not None and "km/h" in reason


def test_messy_stream_prefixes_comments_crlf_and_splices() -> None:
    rmc = sentence("GPRMC,120000.00,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W")
    gga = sentence("GPGGA,120000.00,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,")
    rmc2 = sentence("GPRMC,120001.00,A,4807.039,N,01131.000,E,022.4,084.4,230394,003.1,W")
    bad = rmc2.replace("4807.039", "4807.139")  # checksum no longer matches
    text = (
        "# a comment $GPRMC,not,a,sentence\n"
        + "$"
        + rmc
        + "\x00\xff\x13junk\r"
        + "$GPGGA,1200"  # cut off, then the next sentence begins on the same line
        + gga.replace("\r\n", "\n")
        + bad
        + "foobar\n"
        + rmc2
    )
    parser = NmeaParser()
    fixes = parser.feed(text) + parser.flush()
    assert [f.time.second for f in fixes] == [0, 1]
    first = fixes[0]
    assert first.time == datetime(1994, 3, 23, 12, 0, tzinfo=UTC)
    assert first.lat == pytest.approx(48 + 7.038 / 60)
    assert first.speed_mps == pytest.approx(22.4 * 1852 / 3600)
    assert (first.alt_m, first.sats, first.course_deg) == (545.4, 8, 84.4)
    assert fixes[1].lat == pytest.approx(48 + 7.039 / 60)
    assert parser.stats.bad_checksum == 1
    assert parser.stats.garbage == 2  # the binary junk line and "foobar"


def test_gga_only_epochs_take_the_last_date_and_cross_midnight() -> None:
    parser = NmeaParser()
    lines = [
        sentence("GPRMC,235958.00,A,5013.476,N,01710.477,E,0.0,0.0,080319,,"),
        sentence("GPGGA,235959.00,5013.476,N,01710.477,E,1,09,0.8,468.7,M,0.0,M,,"),
        sentence("GPGGA,000000.00,5013.476,N,01710.477,E,1,09,0.8,468.7,M,0.0,M,,"),
        sentence("GPGGA,000001.00,5013.476,N,01710.477,E,1,09,0.8,468.7,M,0.0,M,,"),
    ]
    fixes = parser.feed("".join(lines)) + parser.flush()
    assert [f.time.isoformat() for f in fixes] == [
        "2019-03-08T23:59:58+00:00",
        "2019-03-08T23:59:59+00:00",
        "2019-03-09T00:00:00+00:00",
        "2019-03-09T00:00:01+00:00",
    ]


def test_gga_only_without_any_date_uses_the_clock_or_waits() -> None:
    gga = sentence("GPGGA,235959.00,5013.476,N,01710.477,E,1,09,0.8,468.7,M,0.0,M,,")
    no_clock = NmeaParser()
    assert no_clock.feed(gga) + no_clock.flush() == []
    assert no_clock.stats.no_date == 1
    # Just after midnight UTC, 23:59:59 is yesterday's.
    clock = NmeaParser(clock=lambda: datetime(2024, 5, 2, 0, 0, 3, tzinfo=UTC))
    (fix,) = clock.feed(gga) + clock.flush()
    assert fix.time == datetime(2024, 5, 1, 23, 59, 59, tzinfo=UTC)


def test_late_sentence_after_flush_does_not_duplicate_the_epoch() -> None:
    parser = NmeaParser()
    rmc = sentence("GPRMC,120000.00,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W")
    assert len(parser.feed(rmc) + parser.flush()) == 1
    vtg = sentence("GPVTG,084.4,T,,M,022.4,N,041.5,K,A")
    gga = sentence("GPGGA,120000.00,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,")
    assert parser.feed(vtg + gga) + parser.flush() == []


NEO_BYTES = NEO.read_bytes() if NEO.is_file() else b""


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(NEO_BYTES)), max_size=60))
def test_chunking_at_any_boundaries_gives_the_same_fixes(cuts: list[int]) -> None:
    whole = NmeaParser()
    expected = whole.feed(NEO_BYTES) + whole.flush()
    parser = NmeaParser()
    got = []
    bounds = [0, *sorted(cuts), len(NEO_BYTES)]
    for a, b in itertools.pairwise(bounds):
        got += parser.feed(NEO_BYTES[a:b])
    got += parser.flush()
    assert got == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=200), max_size=10))
def test_random_bytes_never_raise(chunks: list[bytes]) -> None:
    parser = NmeaParser()
    for chunk in chunks:
        parser.feed(chunk)
    parser.flush()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("$GPRMCGGAVTG,*0123456789.ANSEW\r\n#!")), max_size=300))
def test_nmea_looking_noise_never_raises(chars: list[str]) -> None:
    parser = NmeaParser()
    parser.feed("".join(chars))
    parser.flush()
