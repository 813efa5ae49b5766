"""Property tests (issue 12) for the other units' retained status messages, which the board and
the follower page read from a broker anyone on the event may write to: any bytes, and a real
status with any field (top level or nested) replaced by a hostile value, give a row or nothing
on the board and a page, never an exception."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from helpers.board_units import fixed_statuses
from hypothesis import given
from hypothesis import strategies as st
from test_share_fuzz import encode, values

from companion.share.board import Board, parse_status
from companion.share.page import page_html

NOW = datetime(2021, 8, 16, 13, 0, tzinfo=UTC)
BASE: dict[str, Any] = json.loads(fixed_statuses()[0][1])
UNIT = BASE["unit"]
NESTED = ("next_town", "last_fix", "finished")
PLACES = [(k, None) for k in sorted(BASE)] + [
    ("next_town", "name"), ("next_town", "km_to_go"), ("next_town", "eta"),
    ("last_fix", "time"), ("finished", "at"), ("towns_ahead", "eta"), ("towns_ahead", "name"),
]  # fmt: skip


def shown_everywhere(data: bytes) -> None:
    """Board and page take the message; the only outcomes are a row or none, and a page."""
    board = Board()
    status = parse_status(UNIT, data)
    assert board.message(UNIT, "status", data) == (status is not None)
    rows = board.rows(NOW)
    assert len(rows) == (1 if status is not None else 0)
    assert all(isinstance(cell, str) for row in rows for cell in row)
    board.message(UNIT, "online", data)
    board.rows(NOW)
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        return
    if isinstance(doc, dict):  # what serve's BrokerStatus keeps and shows
        assert page_html(doc, NOW).endswith("</html>")


def test_the_real_status_shows() -> None:
    board = Board()
    assert board.message(UNIT, "status", encode(BASE))
    (row,) = board.rows(NOW)
    assert row[:3] == (UNIT, BASE["athlete"], f"{BASE['km_total']:.1f}")
    assert f">{BASE['km_total']:.1f}<" in page_html(BASE, NOW)


def test_the_last_positions_age_reads_as_words() -> None:
    """ "(just now)", "(30 min ago)": the page said "just now ago" (a crew check, 2026-12-03)."""
    ages = ((timedelta(seconds=20), "(just now)"), (timedelta(minutes=30), "(30 min ago)"),
            (timedelta(seconds=-90), "(just now)"))  # fmt: skip
    for back, said in ages:
        doc = {**BASE, "last_fix": {**BASE["last_fix"], "time": (NOW - back).isoformat()}}
        html = page_html(doc, NOW)
        assert said in html and "just now ago" not in html, (back, html)


@given(st.binary(max_size=300))
def test_any_bytes(data: bytes) -> None:
    shown_everywhere(data)


@given(st.sampled_from(PLACES), values)
def test_a_hostile_field(place: tuple[str, str | None], value: Any) -> None:
    key, inner = place
    doc = json.loads(json.dumps(BASE))
    if inner is None:
        doc[key] = value
    elif key == "towns_ahead":
        doc[key] = [{**t, inner: value} for t in doc[key]]
    else:
        doc[key] = {**(doc[key] or {}), inner: value}
    shown_everywhere(encode(doc))
