"""The RMC/GGA fast path (sources/nmea_fast.py) against pynmea2 itself, on the real corpus.

The reference is pynmea2 (the reader the fast path stands in for): each sentence the fast path
takes must give the very values pynmea2's object gives for every field NmeaParser reads, and a
whole parser with the fast path must give the same fixes and counts as one without it, on every
real log in ../shared (and on mutations of their lines: a flipped byte, a cut line).
"""

from __future__ import annotations

import functools
from pathlib import Path

import pynmea2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion.core.models import Fix
from companion.sources import nmea
from companion.sources.nmea import NmeaParser, NmeaStats
from companion.sources.nmea_fast import parse_fast

SHARED = Path(__file__).resolve().parents[3] / "shared"
LOGS = sorted(
    [*SHARED.glob("data/nmea/*.log"), *SHARED.glob("corpus/nmea/*/*.log"),
     *SHARED.glob("corpus/nmea/*/*.nmea")]
)  # fmt: skip
pytestmark = pytest.mark.skipif(not LOGS, reason=f"{SHARED} is not beside the checkout")

RMC_FIELDS = ("timestamp", "status", "lat", "lon", "spd_over_grnd", "true_course", "datestamp",
              "mode_indicator")  # fmt: skip
GGA_FIELDS = ("timestamp", "lat", "lon", "gps_qual", "num_sats", "altitude")


def _sentences() -> list[str]:
    """Every line of the corpus cut at its last '$', as NmeaParser.feed_line hands it on."""
    out = []
    for path in LOGS:
        for raw in path.read_bytes().splitlines():
            text = raw.decode("utf-8", "replace").strip()
            if "$" in text:
                out.append(text[text.rfind("$") :])
    return out


SENTENCES = _sentences() if LOGS else []


def _same(a: object, b: object) -> bool:
    return type(a) is type(b) and a == b


def test_fast_path_gives_pynmea2s_values_on_every_real_rmc_and_gga() -> None:
    taken = 0
    usual = 0
    for s in SENTENCES:
        fast = parse_fast(s)
        kind = s[3:6]
        if kind in ("RMC", "GGA") and s[-3:-2] == "*":
            usual += 1
        if fast is None:
            continue
        taken += 1
        ref = pynmea2.parse(s, check=False)  # the fast path only takes what pynmea2 reads
        assert ref.sentence_type == fast.sentence_type, s
        for name in RMC_FIELDS if kind == "RMC" else GGA_FIELDS:
            assert _same(getattr(fast, name), getattr(ref, name)), (s, name)
        if ref.lat and ref.lon:
            assert _same(fast.latitude, ref.latitude), s
            assert _same(fast.longitude, ref.longitude), s
    # The corpus is mostly well-formed RMC/GGA: the fast path must be the usual way, not a
    # path that never runs (a test that cannot fail).
    assert taken > 3000
    assert taken >= 0.85 * usual  # the rest: no time yet (cold start), "XXXXX" as speed


def _checksummed(body: str) -> str:
    cs = functools.reduce(lambda a, c: a ^ ord(c), body, 0)
    return f"${body}*{cs:02X}"


@pytest.mark.parametrize(
    "body",
    [
        "GPRMC,123519.00,A,4807.038,N,01131.000,E,nan,084.4,230394,003.1,W",  # pynmea2: float
        "GPRMC,123519.00,A,4807.038,N,01131.000,E,1e3,084.4,230394,003.1,W",
        "GPRMC,253519.00,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W",  # hour 25
        "GPRMC,123519.00,A,4807.038,N,01131.000,E,022.4,084.4,320394,003.1,W",  # day 32
        "GPRMC,123519,A,48.07038,N,01131.000,E,022.4,084.4,230394,003.1,W",  # not dddmm.mm
        "GPGGA,123519,4807.038,N,01131.000,E,+1,08,0.9,545.4,M,46.9,M,,",  # quality "+1"
        "PGRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W",  # proprietary
        "gprmc,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W",  # lower case
    ],
)
def test_unusual_sentences_are_left_to_pynmea2(body: str) -> None:
    assert parse_fast(_checksummed(body)) is None


def test_a_wrong_or_missing_checksum_is_left_to_pynmea2() -> None:
    good = _checksummed("GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,")
    assert parse_fast(good) is not None
    assert parse_fast(good[:-2] + ("00" if good[-2:] != "00" else "01")) is None
    assert parse_fast(good[:-3]) is None


def _parse_all(
    lines: list[bytes], fast: bool, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[Fix], NmeaStats]:
    with monkeypatch.context() as m:
        if not fast:  # neither fast path (nmea_line's is a subset of this one's)
            m.setattr(nmea, "parse_fast", lambda _s: None)
            m.setattr(nmea, "read_rmc", lambda _s: None)
            m.setattr(nmea, "read_gga", lambda _s: None)
        parser = NmeaParser()
        fixes = [f for line in lines for f in parser.feed(line + b"\r\n")] + parser.flush()
        assert parser.failures == 0
        return fixes, parser.stats


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name)
def test_a_parser_with_the_fast_path_reads_each_real_log_as_pynmea2_does(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = path.read_bytes().splitlines()
    assert _parse_all(lines, True, monkeypatch) == _parse_all(lines, False, monkeypatch)


def _mutated(line: bytes, data: st.DataObject) -> bytes:
    if not line:
        return line
    i = data.draw(st.integers(0, len(line) - 1))
    how = data.draw(st.sampled_from(["flip", "cut", "digit", "comma"]))
    if how == "cut":
        return line[:i]
    new = {"flip": bytes([line[i] ^ 0x20]), "digit": b"9", "comma": b","}[how]
    return line[:i] + new + line[i + 1 :]


RMC_GGA = [s.encode() for s in SENTENCES if s[3:6] in ("RMC", "GGA")][:3000]


@given(st.data())
def test_mutated_real_sentences_read_the_same_with_and_without_the_fast_path(
    data: st.DataObject,
) -> None:
    start = data.draw(st.integers(0, max(len(RMC_GGA) - 20, 0)))
    chunk = [_mutated(s, data) for s in RMC_GGA[start : start + 20]]
    with pytest.MonkeyPatch.context() as mp:
        assert _parse_all(chunk, True, mp) == _parse_all(chunk, False, mp)
