"""FixColumns (core/fixcolumns.py): the tracker's fixes held as numbers read back
exactly as they were given, whatever is done to the list, on real receiver logs and on the odd
fixes the columns cannot hold (held as themselves)."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from helpers.real_tracks import AUDAX_150K, load_real_track
from helpers.real_tracks import fixes as real_fixes

from companion.core.fixcolumns import FixColumns
from companion.core.models import Fix
from companion.sources.nmea import parse_nmea_file

T0 = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)
REAL_LOGS = ("bu353s4.log", "com-1289.log", "haicom-305N.log", "ublox-neo-m9n-nmea.log")


def _same(a: list[Fix], b: list[Fix]) -> None:
    """Equal field for field, with the same types (None stays None, a float stays a float)."""
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x == y
        assert repr(x) == repr(y)  # the time's zone and every field's type too


@pytest.mark.parametrize("name", REAL_LOGS)
def test_real_receiver_logs_read_back_exactly_and_are_held_as_numbers(
    shared_dir: Path, name: str
) -> None:
    fixes, _stats = parse_nmea_file(str(shared_dir / "data" / "nmea" / name))
    assert len(fixes) > 10
    placed = [
        Fix(f.time, f.lat, f.lon, f.source, 0.001 * i, f.speed_mps, f.course_deg, f.alt_m,
            f.accuracy_m, f.sats)
        for i, f in enumerate(fixes)
    ]  # fmt: skip
    cols = FixColumns(placed)
    _same(list(cols), placed)
    assert cols.odd_count == 0  # a receiver's plain fixes are all numbers


def test_a_real_days_ride_reads_back_exactly(shared_dir: Path) -> None:
    track = load_real_track(shared_dir / AUDAX_150K)
    fixes = real_fixes(track, receiver_speed=True, source="nmea")
    cols = FixColumns(fixes)
    _same(list(cols), fixes)
    assert cols.odd_count == 0 and len(cols) > 5000


def _odd_fixes() -> list[Fix]:
    """Fixes the columns cannot hold as numbers: each must come back as it was."""
    return [
        Fix(T0, 21.1, 72.9, km=12.5, label="Valsad"),  # a typed checkpoint
        Fix(T0, 21.1, 72.9, km=12.5, label="stopped", mark="stop"),
        Fix(T0, 21.1, 72.9, "gpsd", speed_mps=math.nan),  # a NaN would read back as None
        Fix(T0, 21, 72, "gpsd"),  # ints where floats usually are  # type: ignore[arg-type]
        Fix(T0.astimezone(timezone(timedelta(hours=2))), 21.1, 72.9, "http"),
        Fix(T0.replace(tzinfo=ZoneInfo("UTC")), 21.1, 72.9, "http"),
        Fix(T0, 21.1, 72.9, "nmea", sats=40000),
        Fix(T0, 21.1, 72.9, "nmea", km=3),  # an int km  # type: ignore[arg-type]
    ]


def test_odd_fixes_are_held_as_themselves() -> None:
    odd = _odd_fixes()
    cols = FixColumns(odd)
    assert cols.odd_count == len(odd)
    assert all(a is b for a, b in zip(cols, odd, strict=True))


def test_many_sources_past_what_an_index_holds() -> None:
    fixes = [Fix(T0 + timedelta(seconds=i), 1.0, 2.0, f"mqtt@car{i}") for i in range(300)]
    cols = FixColumns(fixes)
    _same(list(cols), fixes)
    assert cols.odd_count == 300 - 250  # the first 250 sources get an index


def _plain(rng: random.Random, i: int) -> Fix:
    return Fix(
        T0 + timedelta(microseconds=rng.randrange(10**12)),
        rng.uniform(-90, 90),
        rng.uniform(-180, 180),
        rng.choice(("nmea", "gpsd", "replay")),
        km=rng.choice((None, rng.uniform(0, 1000))),
        speed_mps=rng.choice((None, rng.uniform(0, 20), 0.0, -0.0)),
        course_deg=rng.choice((None, rng.uniform(0, 360))),
        alt_m=rng.choice((None, rng.uniform(-50, 4000))),
        accuracy_m=rng.choice((None, 3.5)),
        sats=rng.choice((None, 0, 12)),
    )


@pytest.mark.parametrize("seed", range(6))
def test_any_edit_keeps_it_equal_to_a_plain_list(seed: int) -> None:
    """Inserts, deletes and replacements anywhere, plain and odd fixes mixed: the columns
    always read back as the list of objects would."""
    rng = random.Random(seed)
    odd = _odd_fixes()
    model: list[Fix] = []
    cols = FixColumns()
    for step in range(400):
        fix = rng.choice(odd) if rng.random() < 0.15 else _plain(rng, step)
        op = rng.random()
        if op < 0.3:
            model.append(fix)
            cols.append(fix)
        elif op < 0.5 or not model:
            i = rng.randrange(-len(model) - 1, len(model) + 1)
            model.insert(i, fix)
            cols.insert(i, fix)
        elif op < 0.75:
            i = rng.randrange(-len(model), len(model))
            del model[i]
            del cols[i]
        elif op < 0.9:
            i = rng.randrange(-len(model), len(model))
            model[i] = fix
            cols[i] = fix
        else:
            head = [_plain(rng, step), rng.choice(odd)]
            model[:0] = head  # what a Deferred does when it fetches its head
            cols[:0] = head
        assert len(cols) == len(model)
    _same(list(cols), model)
    _same(cols[3:40:3], model[3:40:3])
    assert list(reversed(cols)) == model[::-1]


def test_index_errors_as_a_list() -> None:
    cols = FixColumns([Fix(T0, 1.0, 2.0, "nmea")])
    with pytest.raises(IndexError):
        cols[1]
    with pytest.raises(IndexError):
        cols[-2]


@pytest.mark.parametrize("seed", range(3))
def test_truncate_is_del_of_the_tail(seed: int) -> None:
    """`truncate(k)` keeps what `del fixes[k:]` keeps, odd fixes and optional columns too."""
    rng = random.Random(seed)
    odd = _odd_fixes()
    model = [rng.choice(odd) if rng.random() < 0.2 else _plain(rng, i) for i in range(200)]
    for k in (200, 150, 151, 37, 1, 0):
        cols = FixColumns(model)
        cols.truncate(k)
        _same(list(cols), model[:k])
        cols.append(model[-1])  # still a list one can go on with
        _same(list(cols), [*model[:k], model[-1]])
