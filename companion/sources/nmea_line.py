"""The usual RMC or GGA line read by one regular expression, straight into the values kept.

`nmea_fast.parse_fast` reads an RMC/GGA without pynmea2 but still checks each field on its own
(a regex each, an object with pynmea2's attribute names): ~8 us a sentence, the largest part of a
10 Hz feed's own cost (issue 11). Most lines a receiver sends are the plainest case: one sentence
on the line, upper case, a valid fix, every number a short run of digits. One regex over the whole
line recognises that case and captures the fields already cut where the conversions need them.

It is a strict subset of what `parse_fast` takes, giving the same values (the same conversions, to
the bit): anything else (a `V` status, a simulator's mode, no date, a long number, lower-case hex,
junk around the sentence) returns None and takes the way it took before. So this can change no
result, only how soon it is reached (tests/unit/test_nmea_line.py holds it to that against
`parse_fast` and pynmea2 on the real corpus and on mutations of it).
"""

from __future__ import annotations

import re
from datetime import date, time

KNOT_MPS = 1852.0 / 3600.0

# Possessive runs of digits (`++`, `{m,n}+`, Python 3.11): each run here is followed by a token
# no digit matches (a "," or a "."), so giving a digit back can never make a match: the same
# matches and groups as the greedy runs, without the engine keeping each digit's way back
# (~1.9k of ~16.5k instructions an RMC line, cachegrind).
# A speed or course: up to 9 digits, so the float is always finite; "" for none.
_NUM = r"([0-9]{1,9}+(?:\.[0-9]{0,9}+)?|\.[0-9]{1,9}+)?"
# hhmmss with optional decimals; then ddmm.mmmm / dddmm.mmmm cut into degrees and minutes (the
# last two digits before the point are the minutes, as nmea_fast._DM cuts them).
_TIME = r"([0-9]{6})(\.[0-9]++)?"
_POS = r"([0-9]{1,3})([0-9]{2}\.[0-9]++),([NS]),([0-9]{1,3})([0-9]{2}\.[0-9]++),([EW])"
# A talker of two upper-case letters or digits, not P (a P talker is proprietary to pynmea2).
_TALKER = r"\$[A-OQ-Z0-9][A-Z0-9]"
# Status A, and a mode (NMEA 2.3+) that is neither N (not valid), M (typed in) nor S (simulator);
# then NMEA 4.1's navigational status, which nothing reads.
_RMC = re.compile(
    _TALKER + r"RMC," + _TIME + r",A," + _POS + "," + _NUM + "," + _NUM
    + r",([0-9]{6}),[0-9.]*+,[EW]?(?:,([ADEFPR]?)(?:,[A-Z]?)?)?\*([0-9A-F]{2})"
)  # fmt: skip
# Fix quality 1-6 (a real fix: not 0, 7 typed in, 8 simulator), satellites, HDOP, altitude in
# metres, geoid separation, the age and station of a correction.
_GGA = re.compile(
    _TALKER + r"GGA," + _TIME + "," + _POS
    + r",([1-6]),([0-9]{1,2})?,[0-9.]*,(-?[0-9]{1,6}(?:\.[0-9]{0,9})?)?,M?,-?[0-9.]*,M?,"
    r"[0-9.]*,[0-9]*\*([0-9A-F]{2})"
)  # fmt: skip

# (time of day (naive), date, lat, lon, speed m/s or None, course or None)
Rmc = tuple[time, date, float, float, float | None, float | None]
# (time of day (naive), lat, lon, altitude or None, satellites or None)
Gga = tuple[time, float, float, float | None, int | None]


def read_rmc(line: str) -> Rmc | None:
    """A plain RMC with a valid fix and a matching checksum, as `NmeaParser._rmc` would keep
    it; None for anything else (the line then goes the slower way)."""
    m = _RMC.fullmatch(line)
    if m is None or not _checksum_ok(line, m[13]):
        return None
    hms, frac, lat_d, lat_m, ns, lon_d, lon_m, ew, spd, crs, dmy, _, _ = m.groups()
    try:
        tod = _tod(hms, frac)
        day = _date(dmy)
    except ValueError:  # hour 25, day 32: parse_fast leaves those to pynmea2
        return None
    lat = float(lat_d) + float(lat_m) / 60
    lon = float(lon_d) + float(lon_m) / 60
    return (
        tod,
        day,
        lat if ns == "N" else -lat,
        lon if ew == "E" else -lon,
        None if spd is None else float(spd) * KNOT_MPS,
        None if crs is None else float(crs),
    )


def read_gga(line: str) -> Gga | None:
    """A plain GGA with a real fix and a matching checksum, as `NmeaParser._gga` would keep it;
    None for anything else."""
    m = _GGA.fullmatch(line)
    if m is None or not _checksum_ok(line, m[12]):
        return None
    hms, frac, lat_d, lat_m, ns, lon_d, lon_m, ew, _qual, sats, alt, _ = m.groups()
    try:
        tod = _tod(hms, frac)
    except ValueError:
        return None
    lat = float(lat_d) + float(lat_m) / 60
    lon = float(lon_d) + float(lon_m) / 60
    return (
        tod,
        lat if ns == "N" else -lat,
        lon if ew == "E" else -lon,
        None if alt is None else float(alt),
        None if sats is None else int(sats),
    )


# The conversions of the texts that repeat, kept: a date for days, hhmmss for ten fixes at 10 Hz,
# a fraction (".10") for good. Each is emptied when it grows past its bound.
_DATES: dict[str, date] = {}
_HMS: dict[str, tuple[int, int, int]] = {}
_MICROS: dict[str, int] = {}
_KEPT = 256  # each text is read again within seconds, if ever: a few suffice


def _tod(hms: str, frac: str | None) -> time:
    h_m_s = _HMS.get(hms)
    if h_m_s is None:
        if len(_HMS) >= _KEPT:
            _HMS.clear()
        h_m_s = _HMS[hms] = (int(hms[0:2]), int(hms[2:4]), int(hms[4:6]))
    us = 0
    if frac:
        us = _MICROS.get(frac, -1)
        if us < 0:
            if len(_MICROS) >= _KEPT:
                _MICROS.clear()
            # Truncated to microseconds the way pynmea2 does it (float, times 1e6, int).
            us = _MICROS[frac] = int(float(frac) * 1000000)
    return time(*h_m_s, us)  # hour 25 raises here, never kept


def _date(dmy: str) -> date:
    """DDMMYY as `strptime('%d%m%y')` reads six digits (69-99 are the 1900s)."""
    day = _DATES.get(dmy)
    if day is None:
        year = int(dmy[4:6])
        day = date(year + (1900 if year >= 69 else 2000), int(dmy[2:4]), int(dmy[0:2]))
        if len(_DATES) >= _KEPT:
            _DATES.clear()
        _DATES[dmy] = day
    return day


def _checksum_ok(line: str, check: str) -> bool:
    """The XOR of the bytes between `$` and `*` is `check`: folded as one integer (~0.5 us; a
    byte at a time is ~1 us). The regex keeps the line ASCII and short."""
    body = line[1:-3].encode("ascii")
    if len(body) > 128:
        return False  # longer than any real sentence: the slow way decides
    x = int.from_bytes(body, "little")
    # Each step XORs the upper half onto the lower; bits above the half are never read again.
    x ^= x >> 512
    x ^= x >> 256
    x ^= x >> 128
    x ^= x >> 64
    x ^= x >> 32
    x ^= x >> 16
    x ^= x >> 8
    return x & 0xFF == _HEX[check]


# The regexes take the checksum as two upper-case hex digits: its value by lookup, not int().
_HEX = {f"{i:02X}": i for i in range(256)}
