"""Fix's hand-written __init__ (core/models.py, issue 11) against the one dataclasses writes.

Reference: a frozen slots dataclass made by `dataclasses.make_dataclass` from Fix's own fields,
with the generated __init__; both must take the same arguments (names, order, defaults) and give
the same values, and Fix must stay frozen, hashable, picklable and `replace`-able.
"""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from datetime import UTC, datetime
from typing import Any

import pytest
from helpers.fix_values import FIELDS, Reference, fix_values
from hypothesis import given

from companion.core.models import Fix


def test_it_takes_the_fields_in_order_with_their_defaults() -> None:
    params = list(inspect.signature(Fix.__init__).parameters.values())[1:]
    assert [p.name for p in params] == [f.name for f in FIELDS] == list(Fix.__slots__)
    for p, f in zip(params, FIELDS, strict=True):
        want = inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default
        assert p.default == want, p.name
        assert p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD


@given(values=fix_values())
def test_it_builds_what_the_generated_init_builds(values: tuple[Any, ...]) -> None:
    ref = Reference(*values)
    by_position = Fix(*values)
    by_name = Fix(**{f.name: v for f, v in zip(FIELDS, values, strict=True)})
    for fix in (by_position, by_name):
        for f in FIELDS:
            assert getattr(fix, f.name) is getattr(ref, f.name), f.name
    assert by_position == by_name
    assert hash(by_position) == hash(by_name)


def test_defaults_replace_pickle_and_frozen_are_as_before() -> None:
    t = datetime(2026, 6, 1, 11, tzinfo=UTC)
    fix = Fix(t, 39.0, -94.6)
    assert dataclasses.astuple(fix) == dataclasses.astuple(Reference(t, 39.0, -94.6))
    placed = dataclasses.replace(fix, km=12.5, source="nmea")
    assert (placed.km, placed.source, placed.lat) == (12.5, "nmea", 39.0)
    assert pickle.loads(pickle.dumps(placed)) == placed
    with pytest.raises(dataclasses.FrozenInstanceError):
        fix.km = 1.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        Fix(t, 39.0)  # type: ignore[call-arg]
