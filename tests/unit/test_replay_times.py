"""A replayed track with a point at an impossible time (year 1, the ".NET no-date" some trackers
write): left out, and said so in the feed's detail, instead of spoiling the whole replay.

Before: rebased, the year-1 point was the "first" and every real point was stamped after 2099
(all refused by the filter); with recorded times the replay slept ~2000 years after it. The
real run of ../shared with one point changed to 0001-01-01; expected times are read from the
file with plain string handling."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from helpers.replaying import NOW, play

from companion.sources.base import FeedError, FeedState, open_source

SHARED = Path(__file__).resolve().parents[3] / "shared"
RUN_GPX = SHARED / "data" / "gpx" / "run.gpx"
TIME = re.compile(r"<time>([^<]+)</time>")


def recorded_times(text: str) -> list[datetime]:
    """The trkpt times of a GPX, in file order (the metadata time is before the first trkpt)."""
    body = text[text.index("<trkpt") :]
    return [datetime.fromisoformat(t.replace("Z", "+00:00")) for t in TIME.findall(body)]


def with_year_1(tmp_path: Path, index: int) -> tuple[Path, list[datetime]]:
    """run.gpx with trkpt `index`'s time set to year 1; the times of the other points."""
    text = RUN_GPX.read_text()
    start = text.index("<trkpt")
    stamps = list(TIME.finditer(text, start))
    m = stamps[index]
    spoiled = text[: m.start(1)] + "0001-01-01T00:00:00Z" + text[m.end(1) :]
    out = tmp_path / "run-year1.gpx"
    out.write_text(spoiled)
    times = recorded_times(text)
    return out, times[:index] + times[index + 1 :]


NOTE = "(1 point left out: time 0001-01-01 00:00 UTC is before 2000: not a real time for an event)"


async def test_rebased_the_year_1_point_is_left_out_and_the_rest_play_from_now(
    tmp_path: Path,
) -> None:
    path, times = with_year_1(tmp_path, 50)
    fixes, statuses, fake = await play(f"replay:{path}?speed=1000")
    # run.gpx's watch wrote one point twice (the filter drops it): 205 - 1 spoiled = 204.
    distinct = sorted(set(times))
    assert [f.time for f in fixes] == [NOW + (t - distinct[0]) for t in distinct]
    assert sum(fake.slept) == pytest.approx((distinct[-1] - distinct[0]).total_seconds() / 1000)
    connected = [s for s in statuses if s.state is FeedState.CONNECTED]
    assert connected[0].detail == f"replaying {path.name} at 1000x {NOTE}"


async def test_with_recorded_times_the_replay_does_not_sleep_2000_years(tmp_path: Path) -> None:
    path, times = with_year_1(tmp_path, 0)  # the year-1 point first in the file
    fixes, _statuses, fake = await play(f"replay:{path}?speed=1000&rebase=0")
    distinct = sorted(set(times))
    assert [f.time for f in fixes] == distinct
    assert max(fake.slept) < 60  # the longest pause of the real run, sped up: not 2000 years
    assert sum(fake.slept) == pytest.approx((distinct[-1] - distinct[0]).total_seconds() / 1000)


def test_a_track_whose_every_time_is_impossible_is_refused_with_the_reason(
    tmp_path: Path,
) -> None:
    text = RUN_GPX.read_text()
    body = text.index("<trkpt")
    path = tmp_path / "all-year1.gpx"
    path.write_text(text[:body] + TIME.sub("<time>0001-01-01T00:00:00Z</time>", text[body:]))
    with pytest.raises(FeedError) as err:
        open_source(f"replay:{path}")
    assert "no points with times to replay (206 points left out: time 0001-01-01" in str(err.value)
