"""gpsd: the JSON parser on real gpsd 3.22 captures, then GpsdSource against a real gpsd that
gpsfake feeds on 127.0.0.1 — including gpsd dying mid-stream and coming back."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from feed_recorder import Recorder, until
from gpsfake_peer import GpsFake, free_port, needs_gpsfake

from companion.sources.base import FeedState, open_source
from companion.sources.gpsd import GpsdParser, GpsdSource

SHARED = Path(__file__).resolve().parents[3] / "shared"
CAPTURES = sorted((SHARED / "data" / "gpsd-json").glob("*.jsonl")) + sorted(
    (SHARED / "corpus" / "gpsd-json").glob("*.jsonl")
)
NEO_LOG = SHARED / "data" / "nmea" / "ublox-neo-m9n-nmea.log"
NEO_JSON = SHARED / "data" / "gpsd-json" / "ublox-neo-m9n-nmea.gpsd-3.22.jsonl"
TCP_WATCH = SHARED / "data" / "gpsd-json" / "haicom-305N.gpsd-3.22.tcp-watch.jsonl"


def rmc_of(path: Path) -> list[tuple[datetime, float, float, float]]:
    """(time, lat, lon, speed m/s) of each valid RMC, split by hand (not by our parser)."""
    out = []
    for line in path.read_text(errors="replace").splitlines():
        f = line.split("*")[0].split(",")
        if not f[0].endswith("RMC") or f[2] != "A":
            continue
        t, d = f[1], f[9]
        when = datetime(
            2000 + int(d[4:6]), int(d[2:4]), int(d[:2]), int(t[:2]), int(t[2:4]), int(t[4:6]),
            tzinfo=UTC,
        )  # fmt: skip
        lat = (int(f[3][:2]) + float(f[3][2:]) / 60) * (-1 if f[4] == "S" else 1)
        lon = (int(f[5][:3]) + float(f[5][3:]) / 60) * (-1 if f[6] == "W" else 1)
        out.append((when, lat, lon, float(f[7]) * 1852 / 3600))
    return out


# -- the parser on captured gpsd output ------------------------------------------------------------


@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: p.name)
def test_parser_on_every_capture(path: Path) -> None:
    parser = GpsdParser()
    fixes = parser.feed(path.read_bytes()) + parser.flush()
    times = [f.time for f in fixes]
    assert all(a != b for a, b in itertools.pairwise(times)), "one fix per TPV time"
    assert parser.bad_lines == 0
    tpv_times = {
        o["time"]
        for o in map(json.loads, path.read_text().splitlines())
        if o.get("class") == "TPV" and o.get("mode", 0) >= 2 and "time" in o and "lat" in o
        and o.get("status") not in (7, 8)
    }  # fmt: skip
    assert len(set(times)) == len(tpv_times)


def test_parser_matches_the_logs_rmc_and_keeps_the_receivers_speed() -> None:
    parser = GpsdParser()
    fixes = parser.feed(NEO_JSON.read_bytes()) + parser.flush()
    expected = rmc_of(NEO_LOG)
    assert [f.time for f in fixes] == [e[0] for e in expected]
    for fix, (_t, lat, lon, speed) in zip(fixes, expected, strict=True):
        assert fix.lat == pytest.approx(lat, abs=1e-6)
        assert fix.lon == pytest.approx(lon, abs=1e-6)
        assert fix.source == "gpsd"
        # gpsd's own speed from GGA position changes is not the receiver's RMC speed.
        assert fix.speed_mps == pytest.approx(speed, abs=0.02)


def test_mode_1_and_timeless_tpvs_are_status_not_positions() -> None:
    parser = GpsdParser()
    lines = TCP_WATCH.read_text().splitlines()
    first_tpv = next(i for i, line in enumerate(lines) if '"TPV"' in line)
    assert parser.feed("\n".join(lines[: first_tpv + 1]) + "\n") == []
    assert parser.notice == "no fix"
    rest = parser.feed("\n".join(lines[first_tpv + 1 :]) + "\n") + parser.flush()
    assert rest and parser.notice == ""
    timeless = '{"class":"TPV","device":"/dev/pts/1","mode":3,"lat":1.0,"lon":2.0}\n'
    assert parser.feed(timeless) + parser.flush() == []


def test_same_time_tpvs_merge_keeping_the_later_speed() -> None:
    parser = GpsdParser()
    gga = '{"class":"TPV","mode":3,"time":"2020-07-11T22:37:45.000Z","lat":38.1,"lon":-122.6,'
    out = parser.feed(gga + '"speed":9.9,"altMSL":83.1}\n')
    out += parser.feed(gga + '"speed":0.021,"track":12.5}\n')
    out += parser.feed('garbage\n{"class":"TPV","mode":1}\n') + parser.flush()
    (fix,) = out
    assert (fix.speed_mps, fix.course_deg, fix.alt_m) == (0.021, 12.5, 83.1)
    assert parser.bad_lines == 1


# -- a real gpsd, fed by gpsfake -------------------------------------------------------------------


@pytest.fixture
def gpsfakes() -> Iterator[list[GpsFake]]:
    runs: list[GpsFake] = []
    yield runs
    for run in runs:
        run.stop()
        assert run.proc.poll() is not None


@needs_gpsfake
@pytest.mark.slow
async def test_gpsd_feed_delivers_the_logs_own_fixes(gpsfakes: list[GpsFake]) -> None:
    port = free_port()
    gpsfakes.append(GpsFake(NEO_LOG, port))
    source = open_source(f"gpsd://127.0.0.1:{port}", max_kmh=50, backoff_initial=0.2)
    assert isinstance(source, GpsdSource)
    rec = Recorder()
    task = asyncio.create_task(source.run(rec.on_fix, rec.on_status))
    expected = rmc_of(NEO_LOG)
    try:
        await until(lambda: len(rec.fixes) >= len(expected), 90, "all 61 fixes")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert [f.time for f in rec.fixes] == [e[0] for e in expected]  # 2020: gpsd keeps the date
    for fix, (_t, lat, lon, _speed) in zip(rec.fixes, expected, strict=True):
        assert fix.lat == pytest.approx(lat, abs=1e-6)
        assert fix.lon == pytest.approx(lon, abs=1e-6)
    assert FeedState.CONNECTED in rec.states()
    assert rec.statuses[-1].state is FeedState.STOPPED
    assert rec.statuses[-1].fixes == len(expected)


@needs_gpsfake
@pytest.mark.slow
async def test_gpsd_killed_mid_stream_and_restarted_the_feed_recovers(
    gpsfakes: list[GpsFake], tmp_path: Path
) -> None:
    # Two halves of the log, so that the fixes after the restart are later than those before.
    lines = NEO_LOG.read_text().splitlines(keepends=True)
    rmc_at = [i for i, line in enumerate(lines) if line.startswith("$GNRMC")]
    first, second = tmp_path / "first.log", tmp_path / "second.log"
    first.write_text("".join(lines[: rmc_at[30]]))
    second.write_text("".join(lines[rmc_at[30] :]))
    expected_second = rmc_of(second)

    port = free_port()
    gpsfakes.append(GpsFake(first, port))
    source = GpsdSource(f"gpsd://127.0.0.1:{port}", backoff_initial=0.2, backoff_max=1.0)
    rec = Recorder()
    task = asyncio.create_task(source.run(rec.on_fix, rec.on_status))
    try:
        await until(lambda: len(rec.fixes) >= 5, 60, "fixes from the first gpsd")
        killed_at = len(rec.statuses)
        gpsfakes[0].kill_gpsd()

        def lost() -> bool:
            return any(s.state is FeedState.LOST for s in rec.statuses[killed_at:])

        await until(lost, 15, "LOST")
        lost_at = next(
            i for i, s in enumerate(rec.statuses) if i >= killed_at and s.state is FeedState.LOST
        )
        before = len(rec.fixes)
        assert 5 <= before < 30
        gpsfakes.append(GpsFake(second, port))
        await until(lambda: len(rec.fixes) >= before + len(expected_second), 90, "resumed fixes")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    after = [s.state for s in rec.statuses[lost_at:]]
    assert after[0] is FeedState.LOST
    assert FeedState.RECONNECTING in after
    assert FeedState.CONNECTED in after[after.index(FeedState.RECONNECTING) :]
    lost = rec.statuses[lost_at]
    assert lost.lost_since is not None
    assert lost.detail in ("gpsd closed the connection", "connection reset")
    assert [f.time for f in rec.fixes[before:]] == [e[0] for e in expected_second]
    times = [f.time for f in rec.fixes]
    assert times == sorted(times)
