"""core/calibrate.py by hand: the path's metres stretched so towns fall at their book km.

A straight path of 10 points 1 km apart (cumulative metres 0, 1000, ..., 9000) and towns snapped
at given path km; the expected km of every point is worked out by hand below each case."""

from __future__ import annotations

import numpy as np
import pytest

from companion.core.calibrate import calibrate
from companion.core.models import RouteError, Town

CUM = np.arange(10, dtype=np.float64) * 1000.0


def town(name: str, km: float) -> Town:
    return Town(name=name, lat=0.0, lon=0.0, km=km, off_route_m=0.0)


def km_after(towns: tuple[Town, ...], book: dict[str, float]) -> tuple[list[float], list[float]]:
    cum, moved, _warnings = calibrate("test", CUM, towns, book)
    return [round(float(m) / 1000.0, 6) for m in cum], [t.km for t in moved]


def test_towns_at_their_book_km_and_the_path_stretched_between() -> None:
    # A at path km 2 (book 3), B at path km 6 (book 9): 0-2 -> 0-3 (x1.5), 2-6 -> 3-9 (x1.5),
    # after B the path keeps its own length: 7 -> 10, 8 -> 11, 9 -> 12.
    cum, towns = km_after((town("a", 2.0), town("b", 6.0)), {"a": 3.0, "b": 9.0})
    assert cum == [0.0, 1.5, 3.0, 4.5, 6.0, 7.5, 9.0, 10.0, 11.0, 12.0]
    assert towns == [3.0, 9.0]


def test_a_path_that_starts_before_the_book_keeps_its_lead_in() -> None:
    # A at path km 3 with book km 2: the path starts 1 km before the book's zero, so every km is
    # the book's plus 1. The lead-in keeps its own length (it was clamped to km 3: every point
    # before A had A's km).  B at path km 7, book 8 (+1 = 9): 3-7 -> 3-9 (x1.5).
    cum, towns = km_after((town("a", 3.0), town("b", 7.0)), {"a": 2.0, "b": 8.0})
    assert cum == [0.0, 1.0, 2.0, 3.0, 4.5, 6.0, 7.5, 9.0, 10.0, 11.0]
    assert towns == [3.0, 9.0]


def test_a_first_town_at_the_path_s_start_keeps_its_book_km_there() -> None:
    # A at path km 0 with book km 5 (the book counts from somewhere before), B at path 4, book 13:
    # 0-4 -> 5-13 (x2), then +1 per km.
    cum, towns = km_after((town("a", 0.0), town("b", 4.0)), {"a": 5.0, "b": 13.0})
    assert cum == [5.0, 7.0, 9.0, 11.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0]
    assert towns == [5.0, 13.0]


def test_book_km_that_go_back_are_refused() -> None:
    with pytest.raises(RouteError, match="does not increase"):
        calibrate("test", CUM, (town("a", 2.0), town("b", 6.0)), {"a": 5.0, "b": 4.0})
