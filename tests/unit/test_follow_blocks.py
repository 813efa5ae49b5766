"""`follow` over an NMEA file hands each block of accepted fixes on at once (feedblock.py,
`Source._deliver_all`): the log must hold what the fix-at-a-time path logged, and a full disk
must take back exactly what was not saved.

The feed is a real ride (the Audax 150k's first minutes at 10 Hz), written here as RMC lines by
hand, with faults in it (jumps, repeats, GGA lines for some epochs, junk, a bad checksum). The
reference is the same `follow` with the block path turned off (each fix through `_deliver`,
follow's `on_fix`, `add_feed_fix`): the events (id, kind, payload, time, lat, lon, km, source),
the counts of the last status line and the tracker's answer must be equal. The disk is a real
tmpfs, filled by a ballast file while blocks come in.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from helpers import real_tracks
from helpers.rows_read import event_rows
from helpers.storage import fill, small_disk
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from companion import feedblock, follow
from companion.core.models import Fix
from companion.service import EventSession
from companion.sources.base import Source

SHARED = Path(__file__).resolve().parents[3] / "shared"
pytestmark = pytest.mark.skipif(
    not (SHARED / real_tracks.AUDAX_150K).exists(), reason=f"{SHARED} is not beside the checkout"
)


def _sentence(body: str) -> str:
    return f"${body}*{functools.reduce(lambda a, c: a ^ ord(c), body, 0):02X}\r\n"


def _dm(value: float, width: int) -> str:
    deg = int(abs(value))
    return f"{deg:0{width}d}{(abs(value) - deg) * 60:07.4f}"


def _rmc(t: datetime, lat: float, lon: float, knots: float) -> str:
    hms = f"{t:%H%M%S}.{t.microsecond // 10000:02d}"
    ns, ew = ("N" if lat >= 0 else "S"), ("E" if lon >= 0 else "W")
    return _sentence(
        f"GPRMC,{hms},A,{_dm(lat, 2)},{ns},{_dm(lon, 3)},{ew},{knots:.1f},87.5,{t:%d%m%y},,,A"
    )


def _gga(t: datetime, lat: float, lon: float) -> str:
    hms = f"{t:%H%M%S}.{t.microsecond // 10000:02d}"
    ns, ew = ("N" if lat >= 0 else "S"), ("E" if lon >= 0 else "W")
    return _sentence(f"GPGGA,{hms},{_dm(lat, 2)},{ns},{_dm(lon, 3)},{ew},1,09,0.9,40.0,M,0.0,M,,")


def _feed(fixes: list[Fix], rng: random.Random) -> str:
    lines = []
    for i, fix in enumerate(fixes):
        lat, lon, knots = fix.lat, fix.lon, rng.choice([9.7, 12.3, 15.0])
        roll = rng.random()
        if roll < 0.01:  # a corrupted sentence: the filter's to reject
            lat += rng.choice([0.01, 0.5])
        elif roll < 0.02:
            lines.append(_gga(fix.time, lat, lon))  # an epoch with its GGA: the slow way
        elif roll < 0.025:
            lines.append("# a comment\r\n$GPTXT,junk\r\n")
        elif roll < 0.03 and lines:
            lines.append(lines[-1])  # a repeat
        elif roll < 0.032:
            lines.append(_rmc(fix.time, lat, lon, knots)[:-4] + "00\r\n")  # a bad checksum
            continue
        lines.append(_rmc(fix.time, lat, lon, knots))
        if i == len(fixes) // 2:
            lines.append("$GPRMC,999999.00,A,,,,,,,,,,*00\r\n")  # junk mid-file
    return "".join(lines)


def _follow(folder: Path, feed: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    event, _ = real_tracks.audax_at_10hz(SHARED, folder, minutes=0.1)  # the event file alone
    assert follow.follow(event, str(folder / "log.sqlite"), f"nmea:{feed}", None) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    with EventSession.open(event, str(folder / "log.sqlite")) as s:
        p = s.progress(datetime(2030, 1, 1, tzinfo=UTC))
        answer = f"{p.km_total!r} {p.km_today!r} {p.last_fix!r}"
    return last.split(": ", 1)[1], answer  # without the clock


def test_follow_over_a_file_logs_what_the_fix_at_a_time_path_logs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, fixes = real_tracks.audax_at_10hz(SHARED, tmp_path, minutes=12)
    feed = tmp_path / "ride.nmea"
    feed.write_text(_feed(fixes, random.Random(5)))
    blocks: list[int] = []
    add = feedblock.add_feed_fixes

    def counted(session: EventSession, got: Sequence[Fix]) -> None:
        blocks.append(len(got))
        add(session, got)

    monkeypatch.setattr(follow, "add_feed_fixes", counted)
    (tmp_path / "block").mkdir()
    by_block = _follow(tmp_path / "block", feed, capsys)
    assert sum(blocks) > 6000 and max(blocks) > 300  # the block path was the one taken

    def one_at_a_time(self: Source, got: Sequence[Fix]) -> None:
        for fix in got:
            self._deliver(fix)

    monkeypatch.setattr(Source, "_deliver_all", one_at_a_time)
    (tmp_path / "fix").mkdir()
    by_fix = _follow(tmp_path / "fix", feed, capsys)
    assert by_block == by_fix
    rows = event_rows(tmp_path / "block" / "log.sqlite")
    assert rows == event_rows(tmp_path / "fix" / "log.sqlite")
    m = re.search(r"(\d+) fixes logged, (\d+) rejected, (\d+) bad lines", by_block[0])
    assert m is not None and int(m[2]) > 20 and int(m[3]) > 10  # the faults were met
    assert int(m[1]) == sum(1 for r in rows if r[1] == "fix") > 6000


def test_a_full_disk_takes_back_a_block_and_probes_until_there_is_room(tmp_path: Path) -> None:
    event, fixes = real_tracks.audax_at_10hz(SHARED, tmp_path, minutes=4)
    with small_disk(tmp_path / "disk", 8192) as disk:  # room for the WAL of many commits
        db = disk / "log.sqlite"
        session = EventSession.open(event, str(db))
        session.logbook._batch.max_age_s = 0.0  # every block's batch is due at its end
        blocks = [fixes[i : i + 300] for i in range(0, len(fixes), 300)]
        feedblock.add_feed_fixes(session, blocks[0])
        assert session.not_saving is None and session.feed_fixes_logged == 300
        ballast = fill(disk)
        feedblock.add_feed_fixes(session, blocks[1])  # its flush fails: taken back
        assert session.not_saving is not None
        feedblock.add_feed_fixes(session, blocks[2][:5])  # probes, each alone: none saved
        assert len(session.tracker.fixes) == 300 and session.feed_fixes_logged == 300
        ballast.unlink()
        feedblock.add_feed_fixes(session, blocks[2][5:])  # the first probe saves: batching again
        assert session.not_saving is None
        for block in blocks[3:]:
            feedblock.add_feed_fixes(session, block)
        session.flush()
        held = [(f.time, f.lat, f.lon) for f in session.tracker.fixes]
        logged = [
            (datetime.fromisoformat(str(r[3])), r[4], r[5]) for r in event_rows(db) if r[1] == "fix"
        ]
        assert len(held) == len(fixes) - 305  # block 1 and the 5 probes were never saved
        assert held == logged and session.feed_fixes_logged == len(held)
        session.close()


# Steps between fixes around the edges of a second, a minute, an hour and a day (and back:
# add_feed_fixes takes any fixes, a late one too).
_STEPS = [0.1, 0.05, 0.9, 0.999999, 1.0, 1.000001, 59.95, 60.0, 60.1, 3600.0, 86400.0, -0.05, -60.0]


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_each_row_s_time_is_the_one_the_fix_at_a_time_path_writes(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    folder = tmp_path_factory.mktemp("rows")
    event, fixes = real_tracks.audax_at_10hz(SHARED, folder, minutes=0.5)
    t = fixes[0].time
    timed = []
    for fix in fixes[:120]:
        t += timedelta(seconds=data.draw(st.sampled_from(_STEPS)))
        when = t
        if data.draw(st.integers(0, 9)) == 0:  # the same instant, in another zone
            when = t.astimezone(timezone(timedelta(hours=5, minutes=30)))
        timed.append(replace(fix, time=when))
    cut = data.draw(st.integers(1, len(timed)))
    rows = []
    for way in ("block", "fix"):
        (folder / way).mkdir()
        with EventSession.open(event, str(folder / way / "log.sqlite")) as session:
            if way == "block":
                feedblock.add_feed_fixes(session, timed[:cut])
                feedblock.add_feed_fixes(session, timed[cut:])
            else:
                for fix in timed:
                    session.add_feed_fix(fix, prefiltered=True)
        rows.append(event_rows(folder / way / "log.sqlite"))
    assert rows[0] == rows[1] and len(rows[0]) >= len(timed)
