"""A fast path for the two sentences a receiver sends every epoch: RMC and GGA.

pynmea2 costs ~22 us a sentence (a regex over the line, then a `__getattr__` and a converter per
field read); at 10 Hz with RMC + GGA that was a third of a feed's time (issue 11). Here a plain
split reads the usual, well-formed sentence and hands `NmeaParser` an object with the attributes
it reads from pynmea2's (same names, same values: the same conversions, to the bit).

It only ever takes the easy case. Anything unusual (no or wrong checksum, lower case, a field
that is not plain ASCII digits, a time or date that does not convert) returns None and pynmea2
reads the line as before, with all its quirks; so the fast path can change no result, only how
soon it is reached (tests/unit/test_nmea_fast.py holds them to that on the real corpus).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import reduce
from operator import xor

_HEX = frozenset("0123456789ABCDEFabcdef")
# A plain decimal as receivers write it: "12.5", "0.", ".5", "-3" (ASCII digits only).
_DECIMAL = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")
# hhmmss with optional decimals, and dddmm.mmmm.
_TIME = re.compile(r"[0-9]{6}(?:\.[0-9]+)?")
_DM = re.compile(r"([0-9]+)([0-9]{2}\.[0-9]+)")


class Unusual(Exception):
    """The sentence is not the easy case: leave it to pynmea2."""


class FastSentence:
    """The fields of one RMC or GGA, as pynmea2's sentence object gives them."""

    __slots__ = (
        "altitude",
        "datestamp",
        "gps_qual",
        "lat",
        "latitude",
        "lon",
        "longitude",
        "mode_indicator",
        "num_sats",
        "sentence_type",
        "spd_over_grnd",
        "status",
        "timestamp",
        "true_course",
    )

    def __init__(self, kind: str, data: list[str]) -> None:
        self.sentence_type = kind
        if len(data) < 12:
            data += [""] * (12 - len(data))  # a missing field reads as empty, as in pynmea2
        if kind == "RMC":
            lat, lat_dir, lon, lon_dir = data[2:6]
            self.status = data[1]
            self.spd_over_grnd = _float(data[6])
            self.true_course = _float(data[7])
            self.datestamp = _date(data[8])
            self.mode_indicator = data[11]
            self.gps_qual = self.num_sats = self.altitude = None
        else:
            lat, lat_dir, lon, lon_dir, qual = data[1:6]
            if qual and not (qual.isascii() and qual.isdigit()):
                raise Unusual
            self.gps_qual = int(qual) if qual else None
            self.num_sats = data[6]  # pynmea2 leaves it as text
            self.altitude = _float(data[8])
            self.status = self.mode_indicator = ""
            self.spd_over_grnd = self.true_course = self.datestamp = None
        self.timestamp = _time(data[0])
        self.lat, self.lon = lat, lon
        # What pynmea2's `latitude` / `longitude` properties would give (read only when both
        # are there; a malformed one is pynmea2's to judge).
        self.latitude = _signed(lat, lat_dir, "N", "S") if lat and lon else 0.0
        self.longitude = _signed(lon, lon_dir, "E", "W") if lat and lon else 0.0


def parse_fast(sentence: str) -> FastSentence | None:
    """`sentence` ("$GPRMC,...*hh", stripped) read without pynmea2; None unless it is a
    well-formed RMC or GGA whose checksum matches."""
    if len(sentence) < 11 or sentence[0] != "$" or sentence[-3] != "*":
        return None
    kind = sentence[3:6]
    if (kind != "RMC" and kind != "GGA") or sentence[6] != ",":
        return None
    talker, check = sentence[1:3], sentence[-2:]
    body = sentence[1:-3]
    # A talker starting with P is a proprietary sentence to pynmea2 ($PGRMC is not an RMC).
    ok_talker = talker.isascii() and talker.isalnum() and talker[0] != "P"
    if not ok_talker or not _HEX.issuperset(check):
        return None
    if not body.isascii() or "*" in body:
        return None
    if reduce(xor, body.encode("ascii"), 0) != int(check, 16):
        return None  # pynmea2 says why (a bad checksum is counted as such)
    try:
        return FastSentence(kind, body[6:].split(","))
    except (Unusual, ValueError):
        return None


def _float(text: str) -> float | None:
    """A plain decimal ("12.5", "0.", ".5"), as pynmea2's float converter; None when empty."""
    if not text:
        return None
    if _DECIMAL.fullmatch(text) is None:
        raise Unusual  # "nan", "1e3", " 1", "XXXX": pynmea2 has its own answers
    return float(text)


def _time(text: str) -> dt.time:
    """hhmmss[.ss] exactly as pynmea2's `timestamp` converts it (its rounding included)."""
    if _TIME.fullmatch(text) is None:
        raise Unusual  # no time at all is pynmea2's (the parser counts it as garbage)
    frac = text[6:]
    ms = int(float(frac) * 1000000) if frac else 0  # truncated, as pynmea2 does
    return dt.time(int(text[0:2]), int(text[2:4]), int(text[4:6]), ms, tzinfo=dt.UTC)


def _date(text: str) -> dt.date | None:
    """DDMMYY as `strptime('%d%m%y')` reads six digits (69-99 are the 1900s)."""
    if not text:
        return None
    if len(text) != 6 or not (text.isascii() and text.isdigit()):
        raise Unusual
    yy = int(text[4:6])
    return dt.date(yy + (1900 if yy >= 69 else 2000), int(text[2:4]), int(text[0:2]))


def _signed(dm: str, direction: str, plus: str, minus: str) -> float:
    """dddmm.mmmm with its N/S or E/W, as pynmea2's `dm_to_sd` and `latitude` compute it."""
    parts = _DM.fullmatch(dm)
    if parts is None:
        raise Unusual
    sd = float(parts[1]) + float(parts[2]) / 60
    if direction == plus:
        return +sd
    if direction == minus:
        return -sd
    return 0.0
