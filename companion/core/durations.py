"""How a duration is written for the crew: "42 min", "3h05" (one rule for the whole program)."""

from __future__ import annotations


def duration_text(seconds: float | None) -> str:
    """A duration as "3h05" / "42 min" / "—" (the renderers' `hm` is this)."""
    if seconds is None:
        return "—"
    # Never below zero: an age or a stop seen from a clock behind the GPS (core/alerts.py says
    # CLOCK then) reads "0 min", not "-61 min".
    m = max(round(seconds / 60.0), 0)
    if m < 60:
        return f"{m} min"
    return f"{m // 60}h{m % 60:02d}"
