"""TownAhead and EtaOption are plain slots classes (cheap to build, issue 11), still compared and
hashed by value like the frozen classes they replaced, so Progress objects holding them do too."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from companion.core.models import EtaOption, TownAhead

AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def _town(basis: str = "stint pace") -> TownAhead:
    etas = (
        EtaOption("rhythm", AT, 9.5, basis),
        EtaOption("recent", None, None, "recent pace"),
        EtaOption("plan", AT, 8.0, "planned 8 km/h"),
    )
    return TownAhead("Valsad", 171.0, 12.5, AT, 3600.0, 9.5, etas=etas, eta_kind="rhythm")


def test_equal_and_hash_by_value() -> None:
    a, b = _town(), _town()
    assert a is not b
    assert a == b and hash(a) == hash(b)
    assert len({a, b}) == 1
    c = _town("other words")
    assert a != c
    assert a.eta_of("plan") == EtaOption("plan", AT, 8.0, "planned 8 km/h")
    assert a.eta_of("nope") is None


def test_replace_builds_a_new_value() -> None:
    a = _town()
    b = a.replaced(km_to_go=2.0)
    assert b.km_to_go == 2.0 and a.km_to_go == 12.5
    assert b.etas == a.etas and b != a


def test_no_attribute_outside_the_fields() -> None:
    a = _town()
    try:
        a.typo = 1  # type: ignore[attr-defined]
    except AttributeError:
        return
    raise AssertionError("slots: an unknown attribute is refused")


def test_progress_compares_and_hashes_by_value() -> None:
    from companion.core.models import Progress

    def progress(km: float) -> Progress:
        town = _town()
        return Progress(
            now=AT, route_name="r", route_km=416.0, km_total=km, km_today=km, km_remaining=1.0,
            next_town=town, towns_ahead=(town, _town()), finish=town, speed_now_kmh=None,
            speed_avg_kmh=9.0, speed_today_kmh=None, eta_speed_kmh=9.0, eta_speed_basis="plan",
            moving_s_today=0.0, elapsed_s_today=0.0, moving_s_total=0.0, elapsed_s_total=0.0,
            days=(), day_number=1, last_fix=None, last_fix_age_s=None, off_route=False,
            off_route_m=None,
        )  # fmt: skip

    a, b = progress(10.0), progress(10.0)
    assert a == b and hash(a) == hash(b)
    assert replace(a, alerts=("x",)) != a and progress(11.0) != a
