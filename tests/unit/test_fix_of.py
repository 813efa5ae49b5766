"""`models.fix_of`, the hot paths' Fix (a twin slots class made the Fix: issue 11, FOLLOW-4),
against the one `dataclasses.make_dataclass` builds from Fix's own fields (as test_fix_init):
the same values, and a Fix in every way: its type, equal and hash-equal to `Fix(...)`, frozen,
picklable, `replace`-able, the same repr."""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any

import pytest
from helpers.fix_values import FIELDS, Reference, fix_values
from hypothesis import given

from companion.core.models import Fix, fix_of, with_km


@given(values=fix_values(nan=False))
def test_it_is_the_fix_the_constructor_builds(values: tuple[Any, ...]) -> None:
    ref = Reference(*values)
    made, built = fix_of(*values), Fix(*values)
    assert type(made) is Fix
    for f in FIELDS:
        assert getattr(made, f.name) is getattr(ref, f.name), f.name
    assert made == built and hash(made) == hash(built) and repr(made) == repr(built)
    assert pickle.loads(pickle.dumps(made)) == built
    assert dataclasses.replace(made, km=1.5) == dataclasses.replace(built, km=1.5)
    assert with_km(built, 2.5) == dataclasses.replace(built, km=2.5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.lat = 0.0  # type: ignore[misc]
    assert not hasattr(made, "__dict__") and not hasattr(built, "__dict__")
