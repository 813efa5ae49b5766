"""`companion follow` against a real gpsd (gpsfake on 127.0.0.1) for a set duration, then
`companion status --json` shows the km it logged."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from geopy.distance import geodesic
from gpsfake_peer import GpsFake, free_port, needs_gpsfake

from companion.logbook import Logbook

START = (22.30, 73.18)  # the route runs due north from here for about 2.2 km
EPOCHS = 60
STEP_DEG = 0.00009  # ~10 m of latitude a second: a fast cyclist


def sentence(body: str) -> str:
    checksum = functools.reduce(lambda a, c: a ^ ord(c), body, 0)
    return f"${body}*{checksum:02X}\r\n"


def nmea_log(t0: datetime) -> tuple[str, list[tuple[float, float]]]:
    """RMC + GGA for each second, written here by hand (not by the code under test)."""
    lines, points = [], []
    for i in range(EPOCHS):
        t = t0 + timedelta(seconds=i)
        lat, lon = START[0] + STEP_DEG * i, START[1]
        points.append((lat, lon))
        la = f"{int(lat):02d}{(lat - int(lat)) * 60:07.4f}"
        lo = f"{int(lon):03d}{(lon - int(lon)) * 60:07.4f}"
        lines.append(sentence(f"GPGGA,{t:%H%M%S}.00,{la},N,{lo},E,1,09,0.9,40.0,M,-60.0,M,,"))
        lines.append(sentence(f"GPRMC,{t:%H%M%S}.00,A,{la},N,{lo},E,19.4,0.0,{t:%d%m%y},,,A"))
    return "".join(lines), points


def companion(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = {"COMPANION_DATA_DIR": str(data), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    return subprocess.run([sys.executable, "-m", "companion", *args], capture_output=True,
                          text=True, env=env, timeout=120, check=False)  # fmt: skip


@needs_gpsfake
def test_follow_gpsfake_then_status_shows_the_km(tmp_path: Path) -> None:
    # Recent, whole-second times: gpsd keeps dates after 2019 and the filter refuses the future.
    t0 = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)
    text, points = nmea_log(t0)
    log = tmp_path / "ride.nmea"
    log.write_text(text)
    (tmp_path / "route.csv").write_text(
        f"name,lat,lon\nStart,{START[0]},{START[1]}\nNorth,{START[0] + 0.02},{START[1]}\n"
    )
    (tmp_path / "ride.toml").write_text(
        'name = "Follow test"\nathlete = "A"\nroute = "route.csv"\n'
        'timezone = "Asia/Kolkata"\nplanned_kmh = 25\n'
    )
    port = free_port()
    fake = GpsFake(log, port, per_sentence_s=0.05)
    try:
        r = companion("follow", str(tmp_path / "ride.toml"), "--feed",
                      f"gpsd://127.0.0.1:{port}", "--duration", "15", data=tmp_path)  # fmt: skip
    finally:
        fake.stop()
    assert r.returncode == 0, r.stderr
    assert "feed connected" in r.stdout
    assert f"{EPOCHS} fixes logged" in r.stdout.splitlines()[-1]

    r = companion("status", str(tmp_path / "ride.toml"), "--json", data=tmp_path)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    # Independent reference: the geodesic from the route's start to the last position sent.
    expected_km = geodesic(START, points[-1]).km
    assert doc["km_total"] == pytest.approx(expected_km, abs=0.005)
    assert doc["last_fix"]["source"] == "gpsd"
    db = tmp_path / "ride.sqlite"  # the log beside the event file (eventlog.py)
    with Logbook.open(db, readonly=True) as book:
        logged = [f for _i, f in book.effective_fixes()]
    assert [(round(f.lat, 6), round(f.lon, 6)) for f in logged] == [
        (round(a, 6), round(b, 6)) for a, b in points
    ]
    assert logged[0].time == t0 and logged[-1].time == t0 + timedelta(seconds=EPOCHS - 1)
