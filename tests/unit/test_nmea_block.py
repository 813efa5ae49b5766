"""The block reader (sources/nmea_block.py) against the line-at-a-time parser it stands in for.

The reference is `LineParser.feed` itself: the same NmeaParser class, each line cut by
LineSplitter and handed to `feed_line`. Both are fed the same bytes in the same reads, and after
every read they must have given the same fixes (every field, its type) and hold the same counts,
notice, failures and kept state, on every real log in ../shared, cut into reads of many sizes, and
on mutations of real lines (bad checksums, GGAs for the same time, repeats, junk, CR/LF mixes).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.core.models import Fix
from companion.sources.lines import LineParser
from companion.sources.nmea import NmeaParser
from companion.sources.nmea_line import read_rmc

SHARED = Path(__file__).resolve().parents[3] / "shared"
LOGS = sorted(
    [*SHARED.glob("data/nmea/*.log"), *SHARED.glob("corpus/nmea/*/*.log"),
     *SHARED.glob("corpus/nmea/*/*.nmea")]
)  # fmt: skip
pytestmark = pytest.mark.skipif(not LOGS, reason=f"{SHARED} is not beside the checkout")


def _fields(fix: Fix) -> tuple[tuple[type, object], ...]:
    return tuple((type(getattr(fix, n)), getattr(fix, n)) for n in Fix.__slots__)


def _state(p: NmeaParser) -> tuple[object, ...]:
    return (
        p.stats, p.notice, p.bad_lines, p.failures, p.last_failure, p._epoch, p._last_emitted,
        p._date, p._date_tod, bytes(p._lines._buf), p._lines.overflows,
    )  # fmt: skip


def _both(reads: list[bytes], *, flush_every: int = 0) -> int:
    """Feed the block reader and the line reader the same reads; equal after each. Returns how
    many fixes they gave."""
    new, old = NmeaParser(), NmeaParser()
    given_fixes = 0
    for i, chunk in enumerate(reads):
        a, b = new.feed(chunk), LineParser.feed(old, chunk)
        assert [_fields(f) for f in a] == [_fields(f) for f in b], i
        assert _state(new) == _state(old), i
        given_fixes += len(a)
        if flush_every and i % flush_every == flush_every - 1:  # a pause in a live stream
            assert [_fields(f) for f in new.flush()] == [_fields(f) for f in old.flush()]
            assert _state(new) == _state(old)
    a, b = new.flush(), old.flush()
    assert [_fields(f) for f in a] == [_fields(f) for f in b]
    assert _state(new) == _state(old)
    return given_fixes + len(a)


def _cut(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name)
def test_each_real_log_reads_as_line_by_line_in_reads_of_any_size(path: Path) -> None:
    data = path.read_bytes()
    for size in (65536, 4096, 97, 7, 1):
        if size < 64 and len(data) > 200_000:
            continue  # a byte at a time over a big log adds nothing the small ones do not
        _both(_cut(data, size))
    _both(_cut(data, 300), flush_every=3)


def test_the_corpus_is_mostly_plain_rmc() -> None:
    # The block path must be the one taken (a test that can fail): thousands of plain RMCs.
    plain = sum(
        1 for path in LOGS for line in path.read_text("ascii", "replace").splitlines()
        if read_rmc(line.strip("\r")) is not None
    )  # fmt: skip
    assert plain > 1000


def test_a_10hz_feed_of_plain_rmcs_gives_each_epoch_once() -> None:
    # By hand: three epochs, the second sent twice (GN and GP talkers), the last one held back
    # until the end of input.
    lines = [
        "$GPRMC,110000.00,A,3900.3872,N,09437.4394,W,0.0,0.0,010626,,,A*48",
        "$GPRMC,110000.10,A,3900.3872,N,09437.4398,W,10.9,0.0,010626,,,A*7D",
        "$GNRMC,110000.10,A,3900.3872,N,09437.4398,W,10.9,0.0,010626,,,A*63",
        "$GPRMC,110000.20,A,3900.3872,N,09437.4402,W,10.9,0.0,010626,,,A*7A",
    ]
    parser = NmeaParser()
    fixes = parser.feed(("\r\n".join(lines) + "\r\n").encode())
    assert [f.time.microsecond for f in fixes] == [0, 100000]
    assert fixes[1].lon == -(94 + 37.4398 / 60) and fixes[1].speed_mps == 10.9 * (1852 / 3600)
    assert parser.stats.lines == 4 and parser.stats.sentences == 4
    assert [f.time.microsecond for f in parser.flush()] == [200000]


def _checksummed(body: str) -> bytes:
    cs = 0
    for c in body.encode():
        cs ^= c
    return f"${body}*{cs:02X}".encode()


# Lines a plain RMC stream meets, each for the time of the plain line it follows or replaces.
_OTHERS = [
    "GPGGA,{t},3900.3872,N,09437.4394,W,1,08,0.9,545.4,M,46.9,M,,",
    "GPGGA,{t},3900.3872,N,09437.4394,W,0,08,0.9,545.4,M,46.9,M,,",
    "GPGGA,{t},3900.3900,N,09437.4300,W,1,,0.9,,M,46.9,M,,",  # no height, no satellites
    "GPVTG,0.0,T,,M,10.9,N,20.2,K,A",
    "GPRMC,{t},V,3900.3872,N,09437.4394,W,0.0,0.0,010626,,,N",
    "GPRMC,{t},A,3900.3872,N,09437.4394,W,0.0,0.0,010626,,,S",
    "GPZDA,{t},01,06,2026,00,00",
    "GPGSA,A,3,04,05,,09,12,,,24,,,,,2.5,1.3,2.1",
]


def _line_time(line: bytes) -> str:
    return line.split(b",")[1].decode("ascii", "replace") if line.count(b",") > 2 else "110000"


PLAIN = [
    s.encode() for path in LOGS for s in path.read_text("ascii", "replace").splitlines()
    if read_rmc(s.strip("\r")) is not None
][:4000]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_mutated_plain_streams_read_as_line_by_line(data: st.DataObject) -> None:
    start = data.draw(st.integers(0, max(len(PLAIN) - 40, 0)))
    lines: list[bytes] = []
    for line in PLAIN[start : start + 40]:
        how = data.draw(st.sampled_from(["keep"] * 6 + ["repeat", "other", "bad", "junk", "cut"]))
        if how == "repeat":  # the same epoch again (another talker), or a late sentence
            lines += [line, line]
        elif how == "other":
            other = data.draw(st.sampled_from(_OTHERS)).format(t=_line_time(line))
            lines += data.draw(st.permutations([line, _checksummed(other)]))
            if data.draw(st.booleans()):
                lines.append(line)  # and the plain line again, for the same epoch
        elif how == "bad":  # a wrong or lower-case checksum
            lines.append(line[:-2] + (b"00" if line[-2:] != b"00" else b"11"))
            lines.append(line[:-2] + line[-2:].lower())
        elif how == "junk":
            lines += [b"# a comment", b"\xff\xfe$GP", b"", b"$$" + line[1:], b"x" + line]
        elif how == "cut":
            lines.append(line[: data.draw(st.integers(0, len(line)))])
        else:
            lines.append(line)
    ends = data.draw(st.lists(st.sampled_from([b"\n", b"\r\n", b"\r", b"\n\n"]), min_size=1))
    stream = b"".join(line + ends[i % len(ends)] for i, line in enumerate(lines))
    size = data.draw(st.integers(1, len(stream) + 1))
    _both(_cut(stream, size), flush_every=data.draw(st.sampled_from([0, 2, 5])))


def test_plain_rmc_lines_do_not_go_line_by_line(monkeypatch: pytest.MonkeyPatch) -> None:
    # The equality above holds as well when every line goes the old way: here the block path
    # must be the one taken for the plain lines of real logs (a 10 Hz feed's every line).
    taken: list[str] = []
    feed_line = NmeaParser.feed_line

    def counted(self: NmeaParser, line: str) -> list[Fix]:
        taken.append(line)
        return feed_line(self, line)

    monkeypatch.setattr(NmeaParser, "feed_line", counted)
    parser = NmeaParser()
    stream = b"".join(line + b"\r\n" for line in PLAIN)
    for chunk in _cut(stream, 4096):
        parser.feed(chunk)
    parser.flush()
    assert parser.stats.lines == len(PLAIN)
    assert len(taken) <= len(PLAIN) // 100  # a few: the epochs a read ends in the middle of


def test_an_endless_line_is_dropped_and_counted_as_before() -> None:
    a, b, c = (line + b"\r\n" for line in PLAIN[:3])
    assert len({_line_time(a), _line_time(b), _line_time(c)}) == 3
    # The x's are dropped at the bound; the y's then begin b's line: junk before its `$`, which
    # the slow way reads past (so three fixes).
    reads = [a, b"x" * 20000, b"y" * 100, b, c[:30], c[30:]]
    assert _both(reads) == 3
