"""A path that starts part-way along its route book (a day's GPX with the whole event's book:
the first town, 1 km in, is at book km 210) counts from there: its lead-in keeps its own length.
Stretching 1 km of path to 210 km put the athlete at km 0 a kilometre before that town, and a
kilometre's ride made 210 km. A straight path of 10 points 1 km apart, worked out by hand."""

from __future__ import annotations

import numpy as np

from companion.core.calibrate import calibrate
from companion.core.models import Town

CUM = np.arange(10, dtype=np.float64) * 1000.0


def town(name: str, km: float) -> Town:
    return Town(name=name, lat=0.0, lon=0.0, km=km, off_route_m=0.0)


def test_a_path_that_starts_late_in_the_book_keeps_its_lead_in() -> None:
    # A at path km 1 (book 210), B at path km 5 (book 215): the path starts at book km 209;
    # 1-5 -> 210-215 (x1.25); after B the path keeps its own length.
    cum, moved, _warnings = calibrate(
        "test", CUM, (town("a", 1.0), town("b", 5.0)), {"a": 210.0, "b": 215.0}
    )
    assert [round(float(m) / 1000.0, 6) for m in cum] == [
        209.0, 210.0, 211.25, 212.5, 213.75, 215.0, 216.0, 217.0, 218.0, 219.0,
    ]  # fmt: skip
    assert [t.km for t in moved] == [210.0, 215.0]


def test_a_lead_in_a_little_longer_on_the_road_is_still_stretched() -> None:
    # The path starts at the book's zero: A at path km 2, book km 3 (x1.5), as before.
    cum, moved, _warnings = calibrate("test", CUM, (town("a", 2.0),), {"a": 3.0})
    assert [round(float(m) / 1000.0, 6) for m in cum][:3] == [0.0, 1.5, 3.0]
    assert [t.km for t in moved] == [3.0]
