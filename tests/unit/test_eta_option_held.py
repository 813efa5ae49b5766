"""An EtaOption holds its arrival as an opening and the seconds after it (issue 11): `at` is
`opening + timedelta(0, s)` when read. It must be the datetime the sweep built before, and the
option must compare, hash, print and pickle as the dataclass it was (`status --json`, the
dashboard and the saved Progress comparisons read it so).

The reference is the old class itself, rebuilt here as a dataclass of the same fields, holding
the datetime worked out by datetime's own arithmetic."""

from __future__ import annotations

import math
import pickle
from dataclasses import make_dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

import pytest
from helpers.held_times import openings, seconds
from hypothesis import given
from hypothesis import strategies as st

from companion.core.eta import MAX_ETA_S, DayWindow
from companion.core.models import EtaOption
from companion.core.pace import PaceModel, side_by_side
from companion.core.pace_sweep import Reckoning

# The dataclass EtaOption was (core/models.py before issue 11's fifth pass).
OldEtaOption = make_dataclass(
    "EtaOption",
    [("kind", str), ("at", "datetime | None"), ("speed_kmh", "float | None"), ("basis", str)],
    slots=True,
    unsafe_hash=True,
)



@given(openings, seconds, st.sampled_from(["rhythm", "recent", "plan"]), st.floats(0.5, 60))
def test_held_arrival_reads_as_the_sum(opening: datetime, s: float, kind: str, kmh: float) -> None:
    held = EtaOption(kind, opening, kmh, "stint pace, day hours", s)
    at = opening + timedelta(0, s)
    old = OldEtaOption(kind, at, kmh, "stint pace, day hours")
    assert held.at == at and held.at.tzinfo is at.tzinfo and held.at.utcoffset() == at.utcoffset()
    assert (held.at.year, held.at.hour, held.at.microsecond) == (at.year, at.hour, at.microsecond)
    eager = EtaOption(kind, at, kmh, "stint pace, day hours")
    assert held == eager and hash(held) == hash(eager) == hash(old)
    assert repr(held) == repr(eager) == repr(old)
    back = pickle.loads(pickle.dumps(held))
    assert back == held and back.at == at and repr(back) == repr(old)
    later = EtaOption(kind, opening, kmh, "stint pace, day hours", s + 1e-6)
    assert later != held or later.at == at  # a microsecond on is another value (or rounds back)


def test_none_and_other_classes() -> None:
    none = EtaOption("recent", None, None, "recent pace")
    assert none.at is None and none == EtaOption("recent", None, None, "recent pace")
    assert repr(none) == repr(OldEtaOption("recent", None, None, "recent pace"))
    assert EtaOption("plan", None, None, "x", 12.0).at is None
    assert none != OldEtaOption("recent", None, None, "recent pace")  # another class: not equal
    with pytest.raises(AttributeError):
        none.typo = 1  # type: ignore[attr-defined]


BASE = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
KOLKATA = ZoneInfo("Asia/Kolkata")


def _reckon(kmh: float, window: DayWindow | None, route_km: float | None = 416.0) -> Reckoning:
    return Reckoning(
        PaceModel(), BASE, KOLKATA, recent_kmh=kmh * 1.1, recent_basis="recent",
        planned_kmh=kmh, window=window, resting_since=None, route_km=route_km,
    )  # fmt: skip


def _reference(
    kmh: float, km: float, window: DayWindow | None, route_km: float | None = 416.0
) -> tuple[EtaOption, ...]:
    return side_by_side(
        PaceModel(), km, BASE, KOLKATA, recent_kmh=kmh * 1.1, recent_basis="recent",
        planned_kmh=kmh, window=window, resting_since=None, route_km=route_km,
    )  # fmt: skip


@pytest.mark.parametrize("window", [None, DayWindow(dtime(6), dtime(19), ZoneInfo("Asia/Kolkata"))])
def test_sweep_holds_what_side_by_side_builds(window: DayWindow | None) -> None:
    """Towns on the first day, days out and years out: the held options read as the plain
    statement's datetimes (Reckoning.sweep's lazy branch and DayClock.place's)."""
    kms = [0.0, 1e-7, 3.3, 41.7, 171.0, 416.0, 9999.0, 2.5e5]
    for kmh in (8.0, 7.3, 25.0):
        got = _reckon(kmh, window).sweep(kms)
        for km, options in zip(kms, got, strict=True):
            assert options == _reference(kmh, km, window), (kmh, km)
            assert repr(options) == repr(_reference(kmh, km, window))  # the same zone, too


@pytest.mark.parametrize("window", [None, DayWindow(dtime(6), dtime(19), ZoneInfo("Asia/Kolkata"))])
def test_a_pace_near_zero_gives_no_eta_not_an_error(window: DayWindow | None) -> None:
    """A speed near zero (a stint "paced" at 0.0003 km/h: a crew check's traceback, 2026-12-03)
    reckons an arrival past the last datetime: no ETA then, in the sweep as in the plain
    statement, never an error. The horizon is MAX_ETA_S of travelling (ten years): just inside
    it an arrival is held and read as the plain statement's; a NaN speed gives none too."""
    for kmh in (1e-9, math.nan):
        options = _reckon(kmh, window, None).sweep([400.0])[0]
        assert [(e.kind, e.at, e.speed_kmh) for e in options] == [
            ("rhythm", None, None), ("recent", None, None), ("plan", None, None)
        ], kmh  # fmt: skip
        assert options == _reference(kmh, 400.0, window, None)
    # The plan just past the horizon, the recent pace (1.1x faster) and the rhythm inside it.
    kmh = 400.0 / (MAX_ETA_S / 3600.0) * 0.999999
    options = _reckon(kmh, window, None).sweep([400.0])[0]
    assert options == _reference(kmh, 400.0, window, None)
    assert options[2].at is None and options[2].speed_kmh is None
    assert options[1].at is not None and options[1].at.year >= BASE.year + 9
    kmh = 400.0 / (MAX_ETA_S / 3600.0) * 1.000001  # the plan just inside
    options = _reckon(kmh, window, None).sweep([400.0])[0]
    assert options == _reference(kmh, 400.0, window, None)
    assert options[2].at is not None and options[2].at.year >= BASE.year + 9


def test_past_year_9999_raises_in_the_sweep_as_before() -> None:
    """From a base a few years short of the last datetime (no real event's: times outside
    2000-2099 are refused at every door), an arrival past it raises while the progress is
    reckoned, as the plain statement does, not later when a screen reads it."""
    base = datetime(9995, 1, 1, tzinfo=UTC)
    args = {"recent_kmh": 0.0055, "recent_basis": "recent", "planned_kmh": 0.005, "window": None,
            "resting_since": None, "route_km": None}  # fmt: skip
    with pytest.raises(OverflowError):
        side_by_side(PaceModel(), 400.0, base, KOLKATA, **args)  # type: ignore[arg-type]
    with pytest.raises(OverflowError):
        Reckoning(PaceModel(), base, KOLKATA, **args).sweep([400.0])  # type: ignore[arg-type]


def test_the_nights_walk_held_reads_as_walked() -> None:
    """NightWalk.place (the rhythm's nights): held as a stretch's beginning and the seconds into
    it, read as the times by hand (19:00-06:00 nights, from 17:00 IST: 2 h to the night, then
    13 h days), fractions of a second kept; NaN and a walk past MAX_NIGHTS into year 10000
    raise in the walk, as they did."""
    from companion.core.pace_nights import Night, NightWalk

    def ist(h: int, d: int = 15, us: int = 0) -> datetime:
        return datetime(2026, 3, d, h, 0, 0, us, tzinfo=KOLKATA)

    by_hand = {
        3600.0: ist(18),
        2 * 3600.0: ist(19),
        3 * 3600.0 + 0.25: ist(7, d=16, us=250000),
        15 * 3600.0: ist(19, d=16),
        16 * 3600.0 + 1e-6: ist(7, d=17, us=1),
        30 * 3600.0 + 0.4999994: ist(8, d=18, us=499999),
    }
    walk = NightWalk(ist(17), Night(7 * 3600.0, 11 * 3600.0), KOLKATA)
    for s in sorted(by_hand, reverse=True):
        at, after = walk.place(s)
        assert after is not None  # held, not built
        held = EtaOption("rhythm", at, 9.0, "stint pace, nights as seen", after)
        assert held.at == by_hand[s] and held.at == walk.advance(s)
        assert repr(held.at) == repr(walk.advance(s))
    with pytest.raises(ValueError):
        walk.place(math.nan)
    with pytest.raises(OverflowError):
        walk.place(3e11)  # past MAX_NIGHTS (400) of stretches, then ~9,500 years on
