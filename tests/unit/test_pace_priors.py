"""What the ETA model assumes before the athlete shows it (core/pace_priors.py) and the near
blend of core/pace.py, against hand arithmetic: the kind of event from its length and speed,
the nights assumed on a multi-day event until one is seen, a rest at breakfast that is not a
night, the slowing through a one-day event, and the recent GPS speed for the next few km."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from companion.core.pace import NEAR_S, PaceModel, rhythm_eta, side_by_side
from companion.core.pace_priors import (
    BIKE_NIGHT_H,
    BIKE_SLOWING_PER_H,
    FOOT_NIGHT_H,
    FOOT_SLOWING_PER_H,
    Shape,
    event_shape,
    slowing,
)

IST = ZoneInfo("Asia/Kolkata")
MULTI_BIKE = Shape(multi_day=True, on_foot=False)
MULTI_FOOT = Shape(multi_day=True, on_foot=True)
ONE_DAY_RUN = Shape(multi_day=False, on_foot=True)


def ist(h: int, mi: int = 0, d: int = 15) -> datetime:
    return datetime(2021, 8, d, h, mi, tzinfo=IST).astimezone(UTC)


def steady(kmh: float, hours: float, start: datetime) -> tuple[PaceModel, datetime]:
    """A model fed `hours` of moving at `kmh` without a stop (no allowance, no night)."""
    m = PaceModel()
    t1 = start + timedelta(hours=hours)
    m.add_credit(start, t1, hours * 3600.0, kmh * hours, True, IST)
    return m, t1


def test_the_kind_of_event_from_its_length_and_speed() -> None:
    assert event_shape(416.0, 7.0) == MULTI_FOOT  # 59 h at 7 km/h
    assert event_shape(1004.0, 22.0) == MULTI_BIKE  # 46 h
    assert event_shape(42.2, 10.0) == ONE_DAY_RUN  # 10 km/h is still on foot
    assert event_shape(160.0, 25.0) == Shape(multi_day=False, on_foot=False)
    assert event_shape(100.0, None) is None and event_shape(100.0, 0.0) is None


def test_a_multi_day_ride_halts_for_the_assumed_night_before_one_is_seen() -> None:
    assert BIKE_NIGHT_H == (7.5, 14.0)  # 19:30 for 14 h
    m, t = steady(20.0, 4.0, ist(15))  # 15:00-19:00 at 20 km/h
    # 30 km at 20 km/h: 30 min (10 km) to the 19:30 halt, up at 09:30, 1 h for the other 20 km.
    at, kmh, basis = rhythm_eta(
        m, 30.0, t, IST, planned_kmh=22.0, window=None, resting_since=None, shape=MULTI_BIKE
    )
    assert at == ist(10, 30, d=16) and kmh == pytest.approx(20.0)
    assert basis == "stint pace, nights assumed"
    # Without the event's kind nothing is assumed: this evening at 20:30.
    at, _, _ = rhythm_eta(m, 30.0, t, IST, planned_kmh=22.0, window=None, resting_since=None)
    assert at == ist(20, 30)


def test_a_multi_day_run_sleeps_3_h_from_midnight_until_its_own_night_is_seen() -> None:
    assert FOOT_NIGHT_H == (12.0, 3.0)
    m, t = steady(5.0, 5.0, ist(18))  # 18:00-23:00 at 5 km/h
    # 10 km: 1 h (5 km) to midnight, asleep until 03:00, 1 h more: 04:00.
    at, _, _ = rhythm_eta(
        m, 10.0, t, IST, planned_kmh=6.0, window=None, resting_since=None, shape=MULTI_FOOT
    )
    assert at == ist(4, d=16)
    # Resting since 23:30 (within 3 h of the assumed bedtime), now 00:30: up at 02:30 after
    # the assumed 3 h, then 2 h for the 10 km.
    at, _, _ = rhythm_eta(
        m, 10.0, ist(0, 30, d=16), IST, planned_kmh=6.0, window=None,
        resting_since=ist(23, 30), shape=MULTI_FOOT,
    )  # fmt: skip
    assert at == ist(4, 30, d=16)


def test_a_breakfast_stop_is_not_the_night() -> None:
    m, _ = steady(5.0, 2.0, ist(4, d=16))  # 04:00-06:00 on the road
    # Resting since 06:30, now 07:10: 06:30 is far from the midnight bedtime, so the ETA counts
    # from now: 5 km at 5 km/h, 08:10 (not 09:30 + 1 h).
    at, _, _ = rhythm_eta(
        m, 5.0, ist(7, 10, d=16), IST, planned_kmh=6.0, window=None,
        resting_since=ist(6, 30, d=16), shape=MULTI_FOOT,
    )  # fmt: skip
    assert at == ist(8, 10, d=16)


def test_the_athletes_own_night_replaces_the_assumed_one() -> None:
    m, t = steady(20.0, 10.0, ist(8))  # 08:00-18:00
    m.add_credit(t, t + timedelta(hours=12), 0.0, 0.0, True, IST)  # 18:00-06:00 halted
    t = ist(6, d=16)
    m.add_credit(t, t + timedelta(hours=1), 3600.0, 20.0, True, IST)  # on the road again
    night = m.usual_night()
    assert night is not None and night.stop_s == 6 * 3600.0  # 18:00, not the assumed 19:30
    # 17:30 on day 2, 20 km (1 h) to go: 30 min to the 18:00 halt, 12 h, 30 min more.
    at, _, basis = rhythm_eta(
        m, 20.0, ist(17, 30, d=16), IST, planned_kmh=22.0, window=None, resting_since=None,
        shape=MULTI_BIKE,
    )  # fmt: skip
    assert at == ist(6, 30, d=17) and basis.endswith("nights as seen")


def test_a_one_day_event_slows_over_the_way() -> None:
    assert FOOT_SLOWING_PER_H == 0.05 and BIKE_SLOWING_PER_H == 0.05
    # 30 km at 10 km/h on foot: 3 h x (1 + 0.05 x 3 / 2) = 3.225 h = 3 h 13 min 30 s.
    assert slowing(3 * 3600.0, ONE_DAY_RUN) == pytest.approx(3.225 * 3600.0)
    assert slowing(3 * 3600.0, MULTI_FOOT) == 3 * 3600.0  # multi-day: none
    assert slowing(3 * 3600.0, None) == 3 * 3600.0
    m, t = steady(10.0, 2.0, ist(6))
    at, _, basis = rhythm_eta(
        m, 30.0, t, IST, planned_kmh=9.0, window=None, resting_since=None, shape=ONE_DAY_RUN
    )
    assert at == t + timedelta(hours=3, minutes=13, seconds=30)
    assert basis == "stint pace, slowing"


def test_the_recent_gps_speed_counts_most_for_the_next_few_km() -> None:
    m, t = steady(10.0, 5.0, ist(6))
    assert NEAR_S == 1800.0
    # 5 km is 30 min at the stint pace: the recent 12 km/h weighs exp(-30/30) = 0.368,
    # v = 0.368 x 12 + 0.632 x 10 = 10.74 km/h; 5 km take 27.9 min.
    w = math.exp(-1.0)
    v = w * 12.0 + (1 - w) * 10.0
    at, kmh, basis = rhythm_eta(
        m, 5.0, t, IST, planned_kmh=9.0, window=None, resting_since=None, recent_kmh=12.0
    )
    assert kmh == pytest.approx(v) and at == t + timedelta(hours=5.0 / v)
    assert basis == "stint pace"  # the stint pace weighs more
    # 0.5 km (3 min ahead): mostly the recent speed, and said so.
    _, kmh, basis = rhythm_eta(
        m, 0.5, t, IST, planned_kmh=9.0, window=None, resting_since=None, recent_kmh=12.0
    )
    assert kmh == pytest.approx(math.exp(-0.1) * 12.0 + (1 - math.exp(-0.1)) * 10.0)
    assert basis == "recent pace"


def test_side_by_side_uses_no_recent_speed_from_typed_entries() -> None:
    m, t = steady(10.0, 5.0, ist(6))
    kw: dict[str, object] = {
        "recent_kmh": 12.0, "recent_basis": "recent", "planned_kmh": 9.0, "window": None,
        "resting_since": None, "route_km": 300.0,
    }  # fmt: skip
    gps = side_by_side(m, 5.0, t, IST, typed=False, **kw)  # type: ignore[arg-type]
    typed = side_by_side(m, 5.0, t, IST, typed=True, **kw)  # type: ignore[arg-type]
    assert typed[0].speed_kmh == pytest.approx(10.0)  # the stint pace alone
    assert gps[0].speed_kmh == pytest.approx(math.exp(-1.0) * 12 + (1 - math.exp(-1.0)) * 10)
    # 300 km at 9 km/h is a multi-day run: no slowing, its nights assumed.
    assert typed[0].basis == "stint pace, nights assumed"
    assert typed[0].at == t + timedelta(minutes=30)  # 11:00 + 30 min, before midnight


def test_an_afternoon_stop_is_not_the_night_of_a_rider_who_halts_early() -> None:
    m, t = steady(20.0, 5.0, ist(9))  # 09:00-14:00
    m.add_credit(t, t + timedelta(hours=18), 0.0, 0.0, True, IST)  # 14:00 to 08:00: the night
    t = ist(8, d=16)
    m.add_credit(t, t + timedelta(hours=5), 5 * 3600.0, 100.0, True, IST)  # 08:00-13:00
    night = m.usual_night()
    assert night is not None and night.stop_s == 2 * 3600.0  # 14:00, for 18 h
    # Resting since 13:30 (near the usual hour, but a 3 h rest from then is mostly daytime),
    # now 13:40, 3 km at 20 km/h: 9 min from now, 13:49, before the usual 14:00 halt (taken for
    # the night, it would be 07:30 tomorrow and 9 min).
    at, _, _ = rhythm_eta(
        m, 3.0, ist(13, 40, d=16), IST, planned_kmh=22.0, window=None,
        resting_since=ist(13, 30, d=16), shape=MULTI_BIKE,
    )  # fmt: skip
    assert at == ist(13, 49, d=16)


def test_the_nights_walked_once_answer_as_walked_afresh() -> None:
    from companion.core.pace_nights import Night, advance_nights

    night = Night(7 * 3600.0, 11 * 3600.0)  # 19:00 to 06:00
    start = ist(17)
    # By hand: 2 h to 19:00, then the day is 13 h (06:00-19:00).
    expect = {
        3600.0: ist(18),
        2 * 3600.0: ist(19),
        3 * 3600.0: ist(7, d=16),
        15 * 3600.0: ist(19, d=16),
        16 * 3600.0: ist(7, d=17),
        30 * 3600.0: ist(8, d=18),
    }
    far_first = sorted(expect, reverse=True)
    for order in (sorted(expect), far_first):
        for s in order:
            assert advance_nights(start, s, night, IST) == expect[s]
            # Another start asked in between (another tracker) changes nothing; on the road
            # at 05:00 the athlete is up early: that night is over, an hour on is 06:00.
            assert advance_nights(ist(5, d=20), 3600.0, night, IST) == ist(6, d=20)
