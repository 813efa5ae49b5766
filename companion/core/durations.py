"""How a duration is written for the crew: "42 min", "3h05" (one rule for the whole program)."""

from __future__ import annotations


def duration_text(seconds: float | None) -> str:
    """A duration as "3h05" / "42 min" / "—" (the renderers' `hm` is this)."""
    if seconds is None:
        return "—"
    m = round(seconds / 60.0)
    if m < 60:
        return f"{m} min"
    return f"{m // 60}h{m % 60:02d}"
