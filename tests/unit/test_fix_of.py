"""`models.fix_of`, the hot paths' Fix (a twin slots class made the Fix: issue 11, FOLLOW-4),
against the one `dataclasses.make_dataclass` builds from Fix's own fields (as test_fix_init):
the same values, and a Fix in every way: its type, equal and hash-equal to `Fix(...)`, frozen,
picklable, `replace`-able, the same repr."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion.core.models import Fix, fix_of, with_km

FIELDS = dataclasses.fields(Fix)
Reference = dataclasses.make_dataclass(
    "Reference", [(f.name, f.type, f) for f in FIELDS], frozen=True, slots=True
)
NUM = st.one_of(st.none(), st.floats(allow_nan=False))
TEXT = st.text(max_size=5)


@given(
    t=st.datetimes(timezones=st.just(UTC)), lat=st.floats(allow_nan=False),
    lon=st.floats(allow_nan=False), source=TEXT, km=NUM, speed=NUM, course=NUM, alt=NUM,
    acc=NUM, sats=st.one_of(st.none(), st.integers()), label=TEXT, mark=TEXT,
)  # fmt: skip
def test_it_is_the_fix_the_constructor_builds(
    t: datetime, lat: float, lon: float, source: str, km: float | None, speed: float | None,
    course: float | None, alt: float | None, acc: float | None, sats: int | None, label: str,
    mark: str,
) -> None:  # fmt: skip
    values = (t, lat, lon, source, km, speed, course, alt, acc, sats, label, mark)
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
