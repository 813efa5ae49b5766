"""Hypothesis strategies for the ETAs held as an opening and the seconds after it (issue 11):
the openings an ETA counts from and the seconds the sweep adds to them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

# UTC, a fixed offset, and a zone whose offset changes (the held sum is built first there).
ZONES = (UTC, timezone(timedelta(hours=5, minutes=30)), ZoneInfo("America/Sao_Paulo"))
openings = st.builds(
    lambda t, z: t.replace(tzinfo=UTC).astimezone(z),
    st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1)),
    st.sampled_from(ZONES),
)
# Seconds as the sweep makes them: km / km/h * 3600, from a microsecond to years; a few with
# exactly half a microsecond's fraction (timedelta rounds those to even).
seconds = st.one_of(
    st.floats(0.0, 3e8, allow_nan=False),
    st.integers(0, 10**9).map(lambda n: n / 2e6),
    st.integers(0, 4000).map(lambda k: k * 3600.0 / 7.3),
)
