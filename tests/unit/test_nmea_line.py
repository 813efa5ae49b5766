"""The one-regex RMC/GGA path (sources/nmea_line.py) against the ways it stands in for.

References: `nmea_fast.parse_fast` and pynmea2 itself (each line the line path takes must be one
parse_fast takes, with the values pynmea2's object gives), and a whole parser with no fast path
at all (pynmea2 only), which must give the same fixes and counts on every real log in ../shared
and on mutations of their lines. The checksum is checked against a byte-at-a-time XOR.
"""

from __future__ import annotations

import functools
import operator
from datetime import date, time
from pathlib import Path

import pynmea2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion.core.models import Fix
from companion.sources import nmea
from companion.sources.lines import LineSplitter
from companion.sources.nmea import KNOT_MPS, NmeaParser, NmeaStats
from companion.sources.nmea_fast import parse_fast
from companion.sources.nmea_line import _checksum_ok, read_gga, read_rmc

SHARED = Path(__file__).resolve().parents[3] / "shared"
LOGS = sorted(
    [*SHARED.glob("data/nmea/*.log"), *SHARED.glob("corpus/nmea/*/*.log"),
     *SHARED.glob("corpus/nmea/*/*.nmea")]
)  # fmt: skip
pytestmark = pytest.mark.skipif(not LOGS, reason=f"{SHARED} is not beside the checkout")


def _lines() -> list[str]:
    """Every line of the corpus as the parser's LineSplitter hands it to feed_line."""
    out = []
    for path in LOGS:
        splitter = LineSplitter()
        out += splitter.feed(path.read_bytes()) + splitter.flush()
    return out


LINES = _lines() if LOGS else []


def _same(a: object, b: object) -> bool:
    return type(a) is type(b) and a == b


def test_each_real_line_taken_reads_as_parse_fast_and_pynmea2_read_it() -> None:
    taken = {"RMC": 0, "GGA": 0}
    for line in LINES:
        rmc = read_rmc(line) if line[3:6] == "RMC" else None
        gga = read_gga(line) if line[3:6] == "GGA" else None
        if rmc is None and gga is None:
            continue
        fast, ref = parse_fast(line), pynmea2.parse(line, check=True)  # a bad checksum raises
        assert fast is not None, line  # a subset of what parse_fast takes
        tod = ref.timestamp.replace(tzinfo=None)
        lat, lon = float(ref.latitude), float(ref.longitude)
        assert ref.lat and ref.lon, line
        if rmc is not None:
            taken["RMC"] += 1
            assert ref.status == "A" and (ref.mode_indicator or "A")[:1] not in "NMS", line
            speed = None if ref.spd_over_grnd is None else float(ref.spd_over_grnd) * KNOT_MPS
            course = None if ref.true_course is None else float(ref.true_course)
            expected: tuple[object, ...] = (tod, ref.datestamp, lat, lon, speed, course)
            got: tuple[object, ...] = rmc
        else:
            assert gga is not None
            taken["GGA"] += 1
            assert ref.gps_qual in (1, 2, 3, 4, 5, 6), line
            alt = None if ref.altitude in (None, "") else float(ref.altitude)
            sats = None if ref.num_sats in (None, "") else int(ref.num_sats)
            expected, got = (tod, lat, lon, alt, sats), gga
        assert len(got) == len(expected)
        for a, b in zip(got, expected, strict=True):
            assert _same(a, b), (line, got, expected)
    # The corpus is mostly plain RMC/GGA: the path must be the usual one (a test that can fail).
    assert taken["RMC"] > 1000 and taken["GGA"] > 1500, taken


@pytest.mark.parametrize(
    "body",
    [
        "GPRMC,123519.00,V,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W",  # no fix
        "GPRMC,123519.00,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W,S",  # simulator
        "GPRMC,123519.00,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W,N",  # not valid
        "GPRMC,123519.00,A,4807.038,N,01131.000,E,022.4,084.4,,003.1,W,A",  # no date
        "GPRMC,253519.00,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W",  # hour 25
        "GPRMC,123519.00,A,4807.038,N,01131.000,E,022.4,084.4,320394,003.1,W",  # day 32
        "GPRMC,123519.00,A,4807.038,N,01131.000,E,1234567890,084.4,230394,,",  # 10 digits
        "GPRMC,123519.00,A,4807.038,N,01131.000,E,-1.5,084.4,230394,,",  # negative speed
        "GPRMC,123519,A,,,,,022.4,084.4,230394,003.1,W",  # no position
        "PGRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W",  # proprietary
        "GPGGA,123519,4807.038,N,01131.000,E,0,08,0.9,545.4,M,46.9,M,,",  # quality 0
        "GPGGA,123519,4807.038,N,01131.000,E,8,08,0.9,545.4,M,46.9,M,,",  # simulator
        "GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M",  # a field short
        "GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,,",  # a field more
    ],
)
def test_unusual_lines_go_the_slow_way(body: str) -> None:
    cs = functools.reduce(lambda a, c: a ^ ord(c), body, 0)
    line = f"${body}*{cs:02X}"
    assert read_rmc(line) is None and read_gga(line) is None
    assert not _checksum_ok(line, f"{cs ^ 1:02X}")


def test_plain_lines_are_read_with_their_checksum() -> None:
    line = "$GPRMC,110000.10,A,3900.3872,N,09437.4398,W,10.9,0.0,010626,,,A*7D"
    rmc = read_rmc(line)
    # By hand: 39 deg 00.3872 min N, 94 deg 37.4398 min W, 10.9 knots.
    assert rmc == (time(11, 0, 0, 100000), date(2026, 6, 1), 39 + 0.3872 / 60,
                   -(94 + 37.4398 / 60), 10.9 * (1852 / 3600), 0.0)  # fmt: skip
    assert read_rmc(line[:-2] + "7E") is None
    assert read_rmc(line[:-2] + "7d") is None  # lower-case hex: parse_fast's to judge
    gga = "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47"
    assert read_gga(gga) == (time(12, 35, 19), 48 + 7.038 / 60, 11 + 31.0 / 60, 545.4, 8)


@given(st.binary(min_size=0, max_size=128))
def test_the_folded_checksum_is_the_xor_of_the_bytes(raw: bytes) -> None:
    body = bytes(b & 0x7F for b in raw)  # the regex lets only ASCII through
    text = body.decode("ascii")
    want = functools.reduce(operator.xor, body, 0)
    assert _checksum_ok(f"${text}*00", f"{want:02X}")
    assert not _checksum_ok(f"${text}*00", f"{want ^ 0x5A:02X}")


def _parse_all(lines: list[bytes], line_path: bool, fast: bool) -> tuple[list[Fix], NmeaStats]:
    with pytest.MonkeyPatch.context() as m:
        if not line_path:
            m.setattr(nmea, "read_rmc", lambda _s: None)
            m.setattr(nmea, "read_gga", lambda _s: None)
        if not fast:
            m.setattr(nmea, "parse_fast", lambda _s: None)
        parser = NmeaParser()
        fixes = [f for line in lines for f in parser.feed(line + b"\r\n")] + parser.flush()
        assert parser.failures == 0
        return fixes, parser.stats


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name)
def test_each_real_log_reads_as_with_pynmea2_alone(path: Path) -> None:
    lines = path.read_bytes().splitlines()
    pynmea2_only = _parse_all(lines, False, False)
    assert _parse_all(lines, True, True) == pynmea2_only
    assert _parse_all(lines, True, False) == pynmea2_only


def _mutated(line: bytes, data: st.DataObject) -> bytes:
    if not line:
        return line
    i = data.draw(st.integers(0, len(line) - 1))
    how = data.draw(st.sampled_from(["flip", "cut", "digit", "comma", "space"]))
    if how == "cut":
        return line[:i]
    new = {"flip": bytes([line[i] ^ 0x20]), "digit": b"9", "comma": b",", "space": b" "}[how]
    return line[:i] + new + line[i + 1 :]


PLAIN = [s.encode() for s in LINES if read_rmc(s) or read_gga(s)][:3000]


@given(st.data())
def test_mutated_real_lines_read_as_with_pynmea2_alone(data: st.DataObject) -> None:
    start = data.draw(st.integers(0, max(len(PLAIN) - 20, 0)))
    chunk = [_mutated(s, data) for s in PLAIN[start : start + 20]]
    assert _parse_all(chunk, True, True) == _parse_all(chunk, False, False)


def test_the_kept_conversions_are_right_when_they_are_emptied_often(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from companion.sources import nmea_line

    monkeypatch.setattr(nmea_line, "_KEPT", 2)  # emptied every few lines
    lines = [s.encode() for s in LINES]
    assert _parse_all(lines, True, True) == _parse_all(lines, False, False)
