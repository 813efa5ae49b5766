"""Counting the log's fix rows read into Fix objects (companion/logreads.py), so a test can say
"reopening read only the tail" by counting, never by timing.

Use from a fixture: `count = count_rows_read(monkeypatch)`; `count[0]` grows with each row read.
"""

from __future__ import annotations

from typing import Any

import pytest

from companion import logreads
from companion.core.models import Fix


def count_rows_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    count = [0]
    plain, full = getattr(logreads, "plain_fix"), getattr(logreads, "fix_from_row")  # noqa: B009

    def counting_plain(row: Any) -> Fix | None:
        count[0] += 1
        return plain(row)

    def counting_full(row: Any) -> Fix:
        count[0] += 1
        return full(row)

    monkeypatch.setattr(logreads, "plain_fix", counting_plain)
    monkeypatch.setattr(logreads, "fix_from_row", counting_full)
    return count
