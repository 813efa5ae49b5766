"""The RMC and GGA patterns with possessive digit runs take what the greedy ones took, the same.

sources/nmea_line.py's runs of digits are possessive (`[0-9]++`, `{1,9}+`): each is followed by
a token no digit matches, so giving digits back could never make a match. Held here to the
greedy patterns as they stood (copied below): the same match or none, with the same groups, on
every line of the real NMEA logs in ../shared, on those lines with digits put in, taken out and
swapped for a point or a comma at every place of their numbers, and on generated lines.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.sources.nmea_block import _RMC_LINE
from companion.sources.nmea_line import _GGA, _RMC

_NUM = r"([0-9]{1,9}(?:\.[0-9]{0,9})?|\.[0-9]{1,9})?"
_TIME = r"([0-9]{6})(\.[0-9]+)?"
_POS = r"([0-9]{1,3})([0-9]{2}\.[0-9]+),([NS]),([0-9]{1,3})([0-9]{2}\.[0-9]+),([EW])"
_TALKER = r"\$[A-OQ-Z0-9][A-Z0-9]"
GREEDY_RMC = re.compile(
    _TALKER + r"RMC," + _TIME + r",A," + _POS + "," + _NUM + "," + _NUM
    + r",([0-9]{6}),[0-9.]*,[EW]?(?:,([ADEFPR]?)(?:,[A-Z]?)?)?\*([0-9A-F]{2})"
)  # fmt: skip
GREEDY_GGA = re.compile(
    _TALKER + r"GGA," + _TIME + "," + _POS
    + r",([1-6]),([0-9]{1,2})?,[0-9.]*,(-?[0-9]{1,6}(?:\.[0-9]{0,9})?)?,M?,-?[0-9.]*,M?,"
    r"[0-9.]*,[0-9]*\*([0-9A-F]{2})"
)  # fmt: skip
GREEDY_RMC_LINE = re.compile(r"(?<![^\r\n])(?:" + GREEDY_RMC.pattern + r")(?=[\r\n])")

SHARED = Path(__file__).resolve().parents[3] / "shared"
LOGS = sorted(
    [*SHARED.glob("data/nmea/*.log"), *SHARED.glob("corpus/nmea/*/*.log"),
     *SHARED.glob("corpus/nmea/*/*.nmea")]
)  # fmt: skip
pytestmark = pytest.mark.skipif(not LOGS, reason=f"{SHARED} is not beside the checkout")


def _real_lines() -> list[str]:
    out: list[str] = []
    for path in LOGS:
        text = path.read_bytes().decode("ascii", "replace")
        out += [line for line in text.replace("\r", "\n").split("\n") if line]
    return out


LINES = _real_lines() if LOGS else []
PLAIN = [line for line in LINES if line[3:6] in ("RMC", "GGA")]


def _same(line: str) -> bool:
    for new, old in ((_RMC, GREEDY_RMC), (_GGA, GREEDY_GGA)):
        a, b = new.fullmatch(line), old.fullmatch(line)
        if (a is None) != (b is None):
            return False
        if a is not None and b is not None and a.groups() != b.groups():
            return False
    return True


def test_every_real_line_matches_as_before() -> None:
    taken = 0
    for line in LINES:
        assert _same(line), line
        taken += _RMC.fullmatch(line) is not None or _GGA.fullmatch(line) is not None
    assert taken > 1000  # the fast path's own lines, not only junk


def test_real_lines_with_their_numbers_cut_and_stretched() -> None:
    """At every digit of a sample of real RMC/GGA lines: one more digit, one less, a point, a
    comma (the places where a greedy run would give digits back)."""
    changed = 0
    for line in PLAIN[:: max(1, len(PLAIN) // 300)]:
        for i, ch in enumerate(line):
            if not ch.isdigit():
                continue
            for mutant in (
                line[:i] + "7" + line[i:], line[:i] + line[i + 1 :], line[:i] + "." + line[i + 1 :],
                line[:i] + "," + line[i + 1 :], line[:i] + "1234567890" + line[i:],
                line[:i] + "12345678" + line[i:], line[:i] + "1234567" + line[i:],
            ):  # fmt: skip
                assert _same(mutant), mutant
                changed += 1
    assert changed > 10_000


def test_a_block_of_real_lines_gives_the_same_matches() -> None:
    text = "\r\n".join(LINES[:20_000]) + "\r\n"
    new = [(m.span(), m.groups()) for m in _RMC_LINE.finditer(text)]
    old = [(m.span(), m.groups()) for m in GREEDY_RMC_LINE.finditer(text)]
    assert new == old and len(new) > 100


_FIELD = st.text(alphabet="0123456789.", max_size=14)


@settings(max_examples=3000, deadline=None)
@given(
    st.lists(_FIELD, min_size=12, max_size=12),
    st.sampled_from(["GPRMC", "GNRMC", "GPGGA"]),
    st.sampled_from(["N", "S", "E", "W", "A", "M", ""]),
)
def test_generated_lines_match_as_before(fields: list[str], kind: str, letter: str) -> None:
    f = fields
    if kind.endswith("RMC"):
        line = (f"${kind},{f[0]},A,{f[1]},N,{f[2]},{letter or 'W'},{f[3]},{f[4]},{f[5]},"
                f"{f[6]},{letter},A*4F")  # fmt: skip
    else:
        line = (f"${kind},{f[0]},{f[1]},S,{f[2]},E,1,{f[3][:2]},{f[4]},{f[5]},M,{f[6]},M,"
                f"{f[7]},{f[8]}*0A")  # fmt: skip
    assert _same(line), line
