"""A TownAhead holds its main ETA as its option does (an opening and the seconds after it, issue
11): `eta_at` is built when read, and `_towns` works out the seconds to go and the state without
it. They must be what the datetime's own arithmetic gives (`(opening + timedelta(0, s)) - now`
and `town_state`), to the microsecond, and the town must compare, hash, print, pickle and be
replaced as the dataclass it was.

The reference is the old class, rebuilt here as a dataclass of the same fields, filled in from
the datetime worked out eagerly."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from helpers.held_times import openings as instants
from helpers.held_times import seconds
from helpers.real_tracks import AUDAX_150K, fixes, load_real_track
from hypothesis import given
from hypothesis import strategies as st

from companion.core.models import EtaOption, RouteData, TownAhead, TownSpec
from companion.core.progress import _Place, _towns
from companion.core.route import build_route
from companion.core.states import DUE_FOR_S, town_state
from companion.core.tracker import Tracker
from companion.formats import load_route

# The dataclass TownAhead was (core/models.py before issue 11's sixth pass).
OldTownAhead = dataclasses.make_dataclass(
    "TownAhead",
    [
        ("name", str), ("km", float), ("km_to_go", float), ("eta_at", "datetime | None"),
        ("eta_s", "float | None"), ("speed_kmh", "float | None"),
        ("state", str, dataclasses.field(default="ahead")),
        ("past_eta_s", "float | None", dataclasses.field(default=None)),
        ("etas", tuple, dataclasses.field(default=())),
        ("eta_kind", str, dataclasses.field(default="recent")),
        ("deadlines", tuple, dataclasses.field(default=())),
    ],
    slots=True,
    unsafe_hash=True,
)  # fmt: skip

# `now` near the arrival too: exactly at it, within the due time, just past it.
offsets = st.one_of(
    st.floats(-4e8, 4e8, allow_nan=False),
    st.sampled_from([0.0, 1e-6, -1e-6, DUE_FOR_S, DUE_FOR_S + 1e-6, -0.5e-6]),
)


def _old(at: datetime | None, now: datetime, e: tuple[EtaOption, ...], kind: str) -> Any:
    """The town as `_towns` built it before: from the datetime, by town_state."""
    if at is None:
        rem, state, past = None, "ahead", None
    else:
        rem = max((at - now).total_seconds(), 0.0)
        state, past = town_state(at, now)
    return OldTownAhead("Valsad", 171.0, 12.5, at, rem, 9.5, state, past, e, kind)


def _options(opening: datetime | None, s: float | None) -> tuple[EtaOption, EtaOption, EtaOption]:
    return (
        EtaOption("rhythm", opening, 9.5 if opening else None, "stint pace", s),
        EtaOption("recent", None, None, "recent pace"),
        EtaOption("plan", None, None, "planned"),
    )


def _same(new: TownAhead, old: Any) -> None:
    assert repr(new) == repr(old)  # every field, -0.0 and 0.0 told apart (status --json)
    assert hash(new) == hash(old)  # the dataclass's hash: of its fields
    at, got = old.eta_at, new.eta_at
    assert got == at and (at is None or (got is not None and got.tzinfo is at.tzinfo))
    assert (new.eta_s, new.state, new.past_eta_s) == (old.eta_s, old.state, old.past_eta_s)


@given(instants, seconds, offsets)
def test_held_main_eta_is_the_sum(opening: datetime, s: float, offset: float) -> None:
    at = opening + timedelta(0, s)
    for now in (at + timedelta(0, offset), (at + timedelta(0, offset)).astimezone(UTC)):
        e = _options(opening, s)
        (new,) = _towns([_Place("Valsad", 171.0)], [12.5], [e], now)
        new = TownAhead(
            "Valsad", 171.0, 12.5, new._from, new.eta_s, 9.5, new.state, new.past_eta_s,
            new.etas, new.eta_kind, (), new._s,
        )  # fmt: skip
        _same(new, _old(at, now, e, "rhythm"))


@given(instants, offsets)
def test_an_arrival_built_in_the_sweep_and_none(at: datetime, offset: float) -> None:
    now = at + timedelta(0, offset)
    for e, want in ((_options(at, None), at), (_options(None, None), None)):
        (new,) = _towns([_Place("Valsad", 171.0)], [12.5], [e], now)
        kind = "rhythm" if want is not None else "recent"
        new = new.replaced(speed_kmh=9.5)
        _same(new, _old(want, now, e, kind))


def test_exactly_at_the_arrival_is_due_with_zero_not_minus_zero() -> None:
    opening = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
    e = _options(opening, 3 * 3600.0)
    (t,) = _towns([_Place("Valsad", 171.0)], [12.5], [e], opening + timedelta(hours=3))
    assert (t.state, repr(t.eta_s), repr(t.past_eta_s)) == ("due", "0.0", "0.0")
    (t,) = _towns(
        [_Place("V", 1.0)],
        [1.0],
        [e],
        opening + timedelta(hours=3, seconds=DUE_FOR_S, microseconds=1),
    )
    assert t.state == "overdue" and t.past_eta_s == DUE_FOR_S + 1e-6


def test_a_zone_whose_offset_changes_is_summed_first() -> None:
    # Sao Paulo kept summer time until 2019: 2018-11-04 00:00 local did not exist (-03 -> -02).
    # (opening - now) + s is not (opening + s) - now across it; the sum is built first.
    sp = ZoneInfo("America/Sao_Paulo")
    opening = datetime(2018, 11, 3, 22, 0, tzinfo=sp)
    now = datetime(2018, 11, 3, 22, 0, tzinfo=UTC)
    e = _options(opening, 4 * 3600.0)
    (t,) = _towns([_Place("V", 1.0)], [1.0], [e], now)
    at = opening + timedelta(hours=4)
    assert (at - now).total_seconds() != ((opening - now) + timedelta(hours=4)).total_seconds()
    assert t.eta_s == (at - now).total_seconds() and t.eta_at == at


def test_class_behaves_as_the_dataclass() -> None:
    at = datetime(2026, 3, 1, 9, 30, 0, 500_000, tzinfo=UTC)
    e = _options(at - timedelta(hours=2), 7200.0)
    held = TownAhead("Valsad", 171.0, 12.5, at - timedelta(hours=2), 60.0, 9.5, "ahead", None,
                     e, "rhythm", (), 7200.0)  # fmt: skip
    eager = TownAhead("Valsad", 171.0, 12.5, at, 60.0, 9.5, etas=e, eta_kind="rhythm")
    old = OldTownAhead("Valsad", 171.0, 12.5, at, 60.0, 9.5, etas=e, eta_kind="rhythm")
    assert held == eager and hash(held) == hash(eager) == hash(old)
    assert repr(held) == repr(eager) == repr(old)
    assert held != OldTownAhead and (held == old) is False  # another class: not equal, as before
    for back in (pickle.loads(pickle.dumps(held)), copy.copy(held), copy.deepcopy(held)):
        assert back == held and back.eta_at == at and repr(back) == repr(old)
    changed = held.replaced(km_to_go=2.0, state="due")
    assert repr(changed) == repr(dataclasses.replace(old, km_to_go=2.0, state="due"))
    assert held.with_deadlines(()) == held and held.with_deadlines(()).eta_at == at
    with pytest.raises(TypeError):
        held.replaced(typo=1)
    with pytest.raises(AttributeError):
        held.typo = 1  # type: ignore[attr-defined]


def test_every_town_of_a_real_ride_as_the_datetime_says(shared_dir: Path) -> None:
    # The Audax ride's recorded points typed in as positions (a typed entry's towns fall due,
    # then overdue: GPS's count from now once silent), a town every 10 km: at each sampled
    # entry and later, each town's seconds to go and state are town_state's from its ETA.
    route = load_route(shared_dir / AUDAX_150K)
    km = route.cum_m / 1000.0
    marks = [int(i) for i in np.searchsorted(km, np.arange(10.0, km[-1] - 1.0, 10.0))]
    specs = [TownSpec(f"T{n}", float(route.lats[i]), float(route.lons[i]), f"vertex {i}")
             for n, i in enumerate(marks)]  # fmt: skip
    lats, lons, eles = route.lats.tolist(), route.lons.tolist(), route.elevations.tolist()
    route = build_route(RouteData(route.name, route.source, lats, lons, eles, specs))
    feed = fixes(load_real_track(shared_dir / AUDAX_150K), source="manual")
    tr = Tracker(route, "Europe/London", planned_kmh=22.0)
    seen = {"ahead": 0, "due": 0, "overdue": 0}
    for i, f in enumerate(feed):
        tr.add(f)
        if i % 150:
            continue
        for later in (0.0, 600.0, 1800.0, 3 * 3600.0):
            now = f.time + timedelta(0, later)
            for t in tr.progress(now).towns_ahead:
                at = t.eta_at
                assert at is not None
                state, past = town_state(at, now)
                assert (t.state, repr(t.past_eta_s)) == (state, repr(past))
                assert repr(t.eta_s) == repr(max((at - now).total_seconds(), 0.0))
                seen[state] += 1
    assert all(seen.values()), seen


def test_towns_of_different_openings_in_one_call() -> None:
    # A day clock's towns open on different days: each town's seconds count from its own.
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    openings = [now - timedelta(hours=1), now - timedelta(hours=1), now + timedelta(days=1)]
    etas = [_options(o, 1800.0 * (n + 1)) for n, o in enumerate(openings)]
    places = [_Place(f"T{n}", float(n)) for n in range(3)]
    for t, o, e in zip(_towns(places, [1.0, 2.0, 3.0], etas, now), openings, etas, strict=True):
        at = o + timedelta(0, e[0]._s or 0.0)
        _same(
            t.replaced(name="Valsad", km=171.0, km_to_go=12.5, speed_kmh=9.5),
            _old(at, now, e, "rhythm"),
        )


@pytest.mark.parametrize("s", [5e-07, 2.5e-06, 4.5e-06, 1.5e-06, 3.5e-06, 5.5e-06, 0.25, 3.0])
def test_exact_half_microseconds_round_to_even_as_timedelta(s: float) -> None:
    # (s - int(s)) * 1e6 is exactly n + 0.5 for these: timedelta rounds to the even total
    # (0.5 -> 0, 1.5 -> 2, 2.5 -> 2 us), as _towns must; a late town's seconds show it.
    opening = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
    for now in (opening, opening + timedelta(microseconds=7), opening - timedelta(days=2)):
        (t,) = _towns([_Place("V", 1.0)], [1.0], [_options(opening, s)], now)
        want = ((opening + timedelta(0, s)) - now).total_seconds()
        assert repr(t.eta_s) == repr(max(want, 0.0))
        assert repr(t.past_eta_s) == repr(town_state(opening + timedelta(0, s), now)[1])
