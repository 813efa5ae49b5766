"""The computer's clock behind the GPS (a laptop whose clock battery died, no network to set it):
a crew check (2026-12-03, the Ouray 100 replayed) read "STOPPED -61 min" and "last position
02:16, -66 min ago". Now an alert says by how much the clock is behind, and no age or stop is
written below zero. The GPS fixes are a real track's (Emparis, its own timestamps), logged as a
feed logs them; the clock is `status --now`.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from helpers.real_tracks import EMPARIS_RUN, fixes, load_real_track

from companion.cli import main
from companion.core.alerts import CLOCK_BEHIND_S
from companion.core.durations import duration_text
from companion.core.models import Fix
from companion.event import Event, write_event
from companion.service import EventSession


@pytest.fixture
def logged(
    tmp_path: Path, shared_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, list[Fix]]:
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path / "data"))
    ev = write_event(Event("Emparis", "A", str(shared_dir / EMPARIS_RUN), "Europe/Paris", 6.0),
                     tmp_path / "ev.toml")  # fmt: skip
    feed = fixes(load_real_track(shared_dir / EMPARIS_RUN), source="gps")
    # Up to the long stop's middle (the athlete stopped: a stop's duration is shown too).
    part = feed[: len(feed) * 6 // 10]
    with EventSession.open(ev.path, tmp_path / "ev.sqlite") as s:
        for f in part:
            s.add_feed_fix(f, f.time)
        s.flush()
    return ev.path, part


@pytest.mark.parametrize("behind_min", [10, 75])
def test_a_clock_behind_the_gps_is_an_alert_and_nothing_reads_below_zero(
    logged: tuple[Path, list[Fix]], capsys: pytest.CaptureFixture[str], behind_min: int
) -> None:
    ev, part = logged
    now = part[-1].time - timedelta(minutes=behind_min)
    assert main(["status", str(ev), "--now", now.isoformat()]) == 0
    out = capsys.readouterr().out
    said = duration_text(behind_min * 60.0)
    assert f"! CLOCK: this computer is {said} behind the GPS: set its clock" in out
    assert not re.search(r"-\d+ ?(min|h)|-\d+h\d\d", out), out
    assert "0 min ago" in out


def test_a_clock_a_minute_behind_is_no_alert(
    logged: tuple[Path, list[Fix]], capsys: pytest.CaptureFixture[str]
) -> None:
    ev, part = logged
    now = part[-1].time - timedelta(seconds=CLOCK_BEHIND_S - 30)
    assert main(["status", str(ev), "--now", now.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "CLOCK" not in out and "-1 min" not in out
