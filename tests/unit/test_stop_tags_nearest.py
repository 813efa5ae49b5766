"""A tag names one stop: the one it was logged for. Two crew stops less than TAG_MATCH_S apart
(a 'stop' pressed, 'go' a minute later, then the real stop) must not share each other's tags.
Expected values by hand: the tags are logged at each stop's start, as crewlog.log_tag does."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from companion.core.motion import StopSpan
from companion.core.stops import StopTag, ledger, off_bike_by_day

IST = ZoneInfo("Asia/Kolkata")
T0 = datetime(2021, 8, 18, 10, 0, tzinfo=IST)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


SPANS = [
    StopSpan(at(0), at(1), 20.0, "crew"),  # a false alarm: 'go' after a minute
    StopSpan(at(2), at(32), 20.1, "crew"),  # the real stop, 30 min
]


def test_each_tag_stays_on_the_stop_it_was_logged_for() -> None:
    tags = [StopTag(at(2), "food", "", 1), StopTag(at(0), "other", "false alarm", 2)]
    stops = ledger(SPANS, tags, (), at(40))
    assert [s.tag_name for s in stops] == ["other", "food"]
    day = off_bike_by_day(stops, IST, at(40))[T0.date()]
    assert day == {"other": 60.0, "food": 30 * 60.0}


def test_a_tag_on_the_second_stop_leaves_the_first_untagged() -> None:
    stops = ledger(SPANS, [StopTag(at(2), "food", "", 1)], (), at(40))
    assert [s.tag_name for s in stops] == ["untagged", "food"]


def test_a_tag_whose_stop_moved_a_little_on_replay_still_finds_it() -> None:
    # A GPS stop's start can move by a few seconds when the log is replayed.
    spans = [StopSpan(at(0), at(10), 5.0, "gps"), StopSpan(at(30), None, 9.0, "gps")]
    tags = [StopTag(at(0.5), "toilet", "", 1), StopTag(at(29), "sleep", "", 2)]
    stops = ledger(spans, tags, (), at(60))
    assert [s.tag_name for s in stops] == ["toilet", "sleep"]
