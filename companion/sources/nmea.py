"""NMEA 0183 to fixes: an incremental parser that does no IO (pynmea2 reads each sentence).

Real receivers send RMC, GGA and VTG for the same second in some order, with other sentences in
between; the parser merges them into one fix per epoch (position from GGA or RMC, speed and course
from RMC or VTG, altitude and satellites from GGA). Only sentences that claim a fix give a
position, so a GLRMC without GLONASS lock does not spoil the GNRMC of the same second. An epoch is
complete when a sentence for another time arrives, or when the caller calls `flush()` after a
pause in the stream.

What real logs throw at it (see ../shared/data/README.md): `#` comments, CR/LF/CRLF, `$$`
prefixes, sentences spliced into others, binary junk, wrong or missing checksums, GN/GP/GL/GA/BD
talkers, RMC status V and GGA quality 0 (no fix) or 8 (a receiver in simulation mode), dates only in
RMC/ZDA, 2-digit years. Nothing here raises on input; bad lines are counted and skipped.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pynmea2

from companion.core.models import Fix
from companion.sources.lines import LineParser
from companion.sources.nmea_block import feed_block
from companion.sources.nmea_fast import parse_fast
from companion.sources.nmea_line import KNOT_MPS, Gga, Rmc, read_gga, read_rmc

# GGA fix quality: 1 GPS, 2 DGPS, 3 PPS, 4 RTK, 5 float RTK, 6 dead reckoning. 0 is no fix,
# 7 a position typed into the receiver, 8 a receiver in simulation mode: neither is the athlete.
_GGA_GOOD = {1, 2, 3, 4, 5, 6}
_GGA_SIMULATED = 8
# RMC/VTG mode indicator (NMEA 2.3+): N not valid, M manual input, S simulator.
_MODE_INVALID = {"N", "M"}
_MODE_SIMULATED = "S"
_HALF_DAY = timedelta(hours=12)


@dataclass(slots=True)
class NmeaStats:
    """What the parser saw. `bad_lines` is what a person should hear about."""

    lines: int = 0
    sentences: int = 0
    bad_checksum: int = 0
    garbage: int = 0
    no_fix: int = 0  # epochs without a position (no fix, simulation, or only ZDA/GSV)
    no_date: int = 0  # epochs dropped because no date was known yet

    @property
    def bad_lines(self) -> int:
        return self.bad_checksum + self.garbage


@dataclass(slots=True)
class _Epoch:
    tod: time
    lat: float | None = None
    lon: float | None = None
    from_gga: bool = False
    date: date | None = None
    speed_mps: float | None = None
    course_deg: float | None = None
    alt_m: float | None = None
    sats: int | None = None
    simulated: bool = False


class NmeaParser(LineParser):
    """Feed it text or bytes in any pieces; it returns the fixes completed by each piece.

    Args:
        source: the `Fix.source` to stamp on fixes.
        clock: for GGA-only receivers that never send a date: today's UTC date from this clock
            (live feeds). Without it such epochs are dropped until an RMC or ZDA gives the date.
        require_checksum: reject sentences without a `*hh` checksum (some real receivers omit it,
            and gpsd accepts them, so the default is to accept).
    """

    def __init__(
        self,
        *,
        source: str = "nmea",
        clock: Callable[[], datetime] | None = None,
        require_checksum: bool = False,
    ) -> None:
        self.source = source
        self.clock = clock
        self.require_checksum = require_checksum
        self.stats = NmeaStats()
        super().__init__()
        self._epoch: _Epoch | None = None
        self._last_emitted: time | None = None
        self._date: date | None = None  # the last date a sentence gave, with its time of day
        self._date_tod: time | None = None
        self.notice = ""  # "no fix" while the receiver reports none: shown next to "connected"

    @property
    def bad_lines(self) -> int:
        return self.stats.bad_lines + self._lines.overflows

    def _end(self) -> list[Fix]:
        epoch, self._epoch = self._epoch, None
        return self._finish(epoch) if epoch is not None else []

    def feed(self, chunk: bytes | str) -> list[Fix]:
        # A block at a time: plain RMC lines read in one loop (nmea_block.py), the rest by line.
        return feed_block(self, chunk)

    def _hold(
        self, tod: time, day: date | None, lat: float, lon: float, spd: float | None,
        crs: float | None,
    ) -> None:  # fmt: skip
        """Take the epoch in hand from nmea_block's loop: what plain RMCs of `tod` made."""
        self._epoch = _Epoch(tod, lat, lon, False, day, spd, crs)

    def feed_line(self, line: str) -> list[Fix]:
        """One complete line, without its line end."""
        # The plainest RMC/GGA, read by one regex (nmea_line.py); everything else below.
        kind = line[3:6]
        if kind == "RMC" and (rmc := read_rmc(line)) is not None:
            return self._plain_rmc(rmc)
        if kind == "GGA" and (gga := read_gga(line)) is not None:
            return self._plain_gga(gga)
        text = line.strip()
        if not text or text.startswith("#"):
            return []
        self.stats.lines += 1
        start = text.rfind("$")  # `$$GPRMC`, junk before the sentence, a cut-off sentence
        if start < 0:
            if not text.startswith("!"):  # `!AIVDM` is AIS, real but not ours
                self.stats.garbage += 1
            return []
        sentence = text[start:]
        if self.require_checksum and "*" not in sentence:
            self.stats.bad_checksum += 1
            return []
        # The usual RMC/GGA without pynmea2 (checksum verified); anything else goes to it.
        msg: Any = parse_fast(sentence)
        try:
            msg = msg or pynmea2.parse(sentence, check=False)
        except pynmea2.ChecksumError:
            self.stats.bad_checksum += 1
            return []
        except Exception:  # pynmea2 raises assorted errors on junk; junk must never stop a feed
            self.stats.garbage += 1
            return []
        self.stats.sentences += 1
        kind = getattr(msg, "sentence_type", "")
        try:
            if kind == "RMC":
                return self._rmc(msg)
            if kind == "GGA":
                return self._gga(msg)
            if kind == "VTG":
                self._vtg(msg)
            elif kind == "ZDA":
                return self._zda(msg)
        except (ValueError, TypeError, AttributeError, ArithmeticError):
            # A sentence with a valid checksum but malformed fields (`XXXXX` as speed).
            self.stats.garbage += 1
        return []

    # -- sentences -------------------------------------------------------------------------------

    def _plain_rmc(self, rmc: Rmc) -> list[Fix]:
        """What `_rmc` does with a plain RMC of a valid fix (nmea_line.read_rmc)."""
        self.stats.lines += 1
        self.stats.sentences += 1
        tod, day, lat, lon, speed_mps, course = rmc
        epoch, done = self._epoch_at(tod)
        if epoch is not None:
            epoch.date = day
            if not epoch.from_gga:
                epoch.lat, epoch.lon = lat, lon
            if speed_mps is not None:
                epoch.speed_mps = speed_mps
            if course is not None:
                epoch.course_deg = course
        return done

    def _plain_gga(self, gga: Gga) -> list[Fix]:
        """What `_gga` does with a plain GGA of a real fix (nmea_line.read_gga)."""
        self.stats.lines += 1
        self.stats.sentences += 1
        tod, lat, lon, alt_m, sats = gga
        epoch, done = self._epoch_at(tod)
        if epoch is not None:
            epoch.lat, epoch.lon, epoch.from_gga = lat, lon, True
            epoch.alt_m, epoch.sats = alt_m, sats
        return done

    def _open_epoch(self, tod: object) -> tuple[_Epoch | None, list[Fix]]:
        """The epoch for a sentence's time, finishing the previous one if the time changed."""
        if not isinstance(tod, time):
            return None, []
        return self._epoch_at(tod.replace(tzinfo=None))

    def _epoch_at(self, tod: time) -> tuple[_Epoch | None, list[Fix]]:
        """`_open_epoch` for a time of day without a zone."""
        done: list[Fix] = []
        if self._epoch is not None and self._epoch.tod != tod:
            done = self._finish(self._epoch)
            self._epoch = None
        if self._epoch is None:
            if tod == self._last_emitted:
                return None, done  # a late sentence of an epoch already flushed after a pause
            self._epoch = _Epoch(tod)
        return self._epoch, done

    def _rmc(self, msg: pynmea2.NMEASentence) -> list[Fix]:
        if not isinstance(msg.timestamp, time):
            raise ValueError("RMC without a time")
        epoch, done = self._open_epoch(msg.timestamp)
        if epoch is None:
            return done
        stamp = msg.datestamp
        if isinstance(stamp, date):
            epoch.date = stamp
        mode = (msg.mode_indicator or "").upper()[:1]
        if mode == _MODE_SIMULATED:
            epoch.simulated = True
        if msg.status != "A" or mode in _MODE_INVALID:
            return done  # coordinates in a V sentence are a guess or a simulation
        if msg.lat and msg.lon and not epoch.from_gga:
            epoch.lat, epoch.lon = _latlon(msg)
        speed = _num(msg.spd_over_grnd)
        if speed is not None:
            epoch.speed_mps = speed * KNOT_MPS
        course = _num(msg.true_course)
        if course is not None:
            epoch.course_deg = course
        return done

    def _gga(self, msg: pynmea2.NMEASentence) -> list[Fix]:
        epoch, done = self._open_epoch(msg.timestamp)
        if epoch is None:
            return done
        quality = _int(msg.gps_qual)
        if quality == _GGA_SIMULATED:
            epoch.simulated = True
        if quality not in _GGA_GOOD:
            return done
        if msg.lat and msg.lon:
            epoch.lat, epoch.lon = _latlon(msg)
            epoch.from_gga = True
        epoch.alt_m = _num(msg.altitude)
        epoch.sats = _int(msg.num_sats)
        return done

    def _vtg(self, msg: pynmea2.NMEASentence) -> None:
        # VTG has no time: it belongs to the epoch in progress.
        epoch = self._epoch
        mode = (msg.faa_mode or "").upper()[:1]
        if epoch is None or mode in _MODE_INVALID:
            return
        kmh, knots = _num(msg.spd_over_grnd_kmph), _num(msg.spd_over_grnd_kts)
        if kmh is not None:
            epoch.speed_mps = kmh / 3.6
        elif knots is not None:
            epoch.speed_mps = knots * KNOT_MPS
        course = _num(msg.true_track)
        if course is not None:
            epoch.course_deg = course

    def _zda(self, msg: pynmea2.NMEASentence) -> list[Fix]:
        epoch, done = self._open_epoch(msg.timestamp)
        day, month, year = _int(msg.day), _int(msg.month), _int(msg.year)
        if epoch is not None and day and month and year:
            epoch.date = date(year, month, day)
        return done

    # -- epochs ----------------------------------------------------------------------------------

    def _finish(self, epoch: _Epoch) -> list[Fix]:
        self._last_emitted = epoch.tod
        when = self._epoch_date(epoch)
        if epoch.simulated or epoch.lat is None or epoch.lon is None:
            self.stats.no_fix += 1
            self.notice = "receiver in simulation mode" if epoch.simulated else "no fix"
            return []
        if when is None:
            self.stats.no_date += 1
            self.notice = "no date from the receiver yet"
            return []
        self.notice = ""
        t = datetime.combine(when, epoch.tod, tzinfo=UTC)
        # By position, not by name: a third cheaper, and this is once a fix (issue 11).
        # (time, lat, lon, source, km, speed_mps, course_deg, alt_m, accuracy_m, sats)
        return [
            Fix(t, epoch.lat, epoch.lon, self.source, None, epoch.speed_mps, epoch.course_deg,
                epoch.alt_m, None, epoch.sats)
        ]  # fmt: skip

    def _epoch_date(self, epoch: _Epoch) -> date | None:
        """The epoch's own date, or the last known date carried over midnight if needed."""
        if epoch.date is not None:
            self._date, self._date_tod = epoch.date, epoch.tod
            return epoch.date
        if self._date is not None and self._date_tod is not None:
            if _seconds(self._date_tod) - _seconds(epoch.tod) > _HALF_DAY.total_seconds():
                self._date += timedelta(days=1)  # 23:59:59 -> 00:00:01 is the next day
            self._date_tod = epoch.tod
            return self._date
        if self.clock is not None:
            now = self.clock()
            guess = datetime.combine(now.date(), epoch.tod, tzinfo=UTC)
            if guess - now > _HALF_DAY:
                guess -= timedelta(days=1)
            elif now - guess > _HALF_DAY:
                guess += timedelta(days=1)
            return guess.date()
        return None


def _latlon(msg: pynmea2.NMEASentence) -> tuple[float, float]:
    lat, lon = float(msg.latitude), float(msg.longitude)
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise ValueError("coordinates are not numbers")
    return lat, lon


def _num(value: object) -> float | None:
    """A field as a finite float, None when empty; ValueError when it is not a number."""
    if value is None or value == "":
        return None
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        raise ValueError("not a finite number")
    return number


def _int(value: object) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(str(value))
    except ValueError:
        return None


def _seconds(tod: time) -> float:
    return tod.hour * 3600 + tod.minute * 60 + tod.second + tod.microsecond / 1e6


def parse_nmea_file(path: str, *, source: str = "nmea") -> tuple[list[Fix], NmeaStats]:
    """Every fix in an NMEA log, in file order (no plausibility filtering)."""
    parser = NmeaParser(source=source)
    fixes: list[Fix] = []
    with open(path, "rb") as fh:
        while chunk := fh.read(65536):
            fixes.extend(parser.feed(chunk))
    fixes.extend(parser.flush())
    return fixes, parser.stats
