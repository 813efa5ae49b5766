"""Fix's fields, a reference class with the `__init__` dataclasses writes for them, and any values
for them (hypothesis): for the tests of Fix's own constructors (test_fix_init, test_fix_of)."""

from __future__ import annotations

import dataclasses
from datetime import UTC
from typing import Any

from hypothesis import strategies as st

from companion.core.models import Fix

FIELDS = dataclasses.fields(Fix)
Reference = dataclasses.make_dataclass(
    "Reference", [(f.name, f.type, f) for f in FIELDS], frozen=True, slots=True
)
_NUM = st.one_of(st.none(), st.floats(allow_nan=False))
_TEXT = st.text(max_size=5)


def fix_values(nan: bool = True) -> st.SearchStrategy[tuple[Any, ...]]:
    """Every field's value in order (time, lat, lon, source, km, ...); lat/lon may be NaN unless
    `nan` is False (a NaN is not equal to itself, so equality checks need it off)."""
    coord = st.floats(allow_nan=nan)
    return st.tuples(
        st.datetimes(timezones=st.just(UTC)), coord, coord, _TEXT, _NUM, _NUM, _NUM, _NUM, _NUM,
        st.one_of(st.none(), st.integers()), _TEXT, _TEXT,
    )  # fmt: skip
