"""Property tests (issue 12) for what arrives from a broker: an MQTT feed's message (OwnTracks,
a Traccar envelope, anything) gives fixes or a PayloadError; a peer's log row gives a row or a
MessageError, and a row that passed is merged into a real log or refused with a RowError, and
the log still replays. Nothing else escapes."""

from __future__ import annotations

import contextlib
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from companion.core.models import Fix
from companion.logbook import Logbook
from companion.share.messages import MessageError, parse_log
from companion.share.store import RowError, ShareStore
from companion.sources.mqtt import fixes_from_message
from companion.sources.payloads import PayloadError

HOSTILE: list[Any] = [
    10**400, -(10**400), 1e308, -1e308, "²", "", " ", [], {}, [[[]]], None, True, False, "NaN",
    "inf", "1e400", -62135596800, 253402300800, "0999-12-31T00:00:00Z", "9999-12-31T23:59:59+14:00",
    "2026-13-45T99:99:99Z", "\x00", "[" * 50, 0, -1, 0.5, 1736922615, "2021-08-16T10:00:00+05:30",
]  # fmt: skip
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
values = st.sampled_from(HOSTILE) | json_values
OWNTRACKS = {"_type": "location", "tid": "RD", "tst": 1736922615, "lat": 22.3072, "lon": 73.1812,
             "acc": 8, "alt": 39, "vel": 25, "cog": 12, "batt": 76}  # PEERS.md  # fmt: skip
TRACCAR = {"position": {"deviceId": 3, "latitude": 22.3072, "longitude": 73.1812,
                        "fixTime": "2025-01-15T06:30:15.000+00:00", "speed": 10.0, "valid": True},
           "device": {"id": 3, "name": "phone"}}  # fmt: skip


def fixes_or_error(data: bytes) -> list[Fix] | None:
    try:
        fixes = fixes_from_message(data)
    except PayloadError:
        return None
    assert all(isinstance(f, Fix) and f.time.tzinfo is not None for f in fixes)
    return fixes


def encode(doc: Any) -> bytes:
    return json.dumps(doc, allow_nan=True).encode()  # 10**400 is a valid JSON number


def test_the_real_shapes_parse() -> None:
    (fix,) = fixes_from_message(encode(OWNTRACKS))
    assert fix.time == datetime.fromtimestamp(1736922615, UTC)
    (fix,) = fixes_from_message(encode(TRACCAR))
    assert fix.lat == 22.3072 and fix.speed_mps == 10.0 * 1852 / 3600


@given(st.binary(max_size=300))
def test_any_bytes(data: bytes) -> None:
    fixes_or_error(data)


@given(st.sampled_from(sorted(OWNTRACKS)), values)
def test_owntracks_with_a_hostile_field(key: str, value: Any) -> None:
    fixes_or_error(encode({**OWNTRACKS, key: value}))


@given(st.sampled_from(sorted(TRACCAR["position"])), values, values)
def test_traccar_envelopes_with_hostile_fields(key: str, value: Any, device: Any) -> None:
    position = {**TRACCAR["position"], key: value}
    fixes_or_error(encode({"position": position, "device": device}))
    fixes_or_error(encode([{"position": position}, {"position": value}]))


ROW = {"unit": "car2", "id": 5, "kind": "fix", "time": "2021-08-15T01:30:00.000000+00:00",
       "lat": 19.2, "lon": 72.9, "km": 10.0, "source": "manual", "ref": None,
       "payload": {"label": "km 10"}}  # fmt: skip


@given(st.sampled_from(sorted(ROW)), values, st.sampled_from(["fix", "undo", "edit"]))
def test_peer_rows_are_a_row_or_an_error(key: str, value: Any, kind: str) -> None:
    doc = {**ROW, "kind": kind, "ref": 1 if kind != "fix" else None, key: value}
    with tempfile.TemporaryDirectory() as d:
        db = Path(d) / "log.sqlite"
        Logbook.open(db).close()
        store = ShareStore(db)
        try:
            first = store.merge(parse_log(encode({**ROW, "id": 1}), "car2"))
            assert first
            try:
                row = parse_log(encode(doc), "car2")
            except MessageError:
                return
            try:
                store.merge(row)
            except RowError:
                return
        finally:
            store.close()
        with Logbook.open(db, readonly=True) as log:
            log.effective_fixes()
            assert log.set_aside == []  # what was merged reads back


@given(st.binary(max_size=200) | json_values.map(encode))
def test_peer_messages_of_any_shape(data: bytes) -> None:
    with contextlib.suppress(MessageError):
        parse_log(data, "car2")
