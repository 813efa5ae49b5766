"""What the demo is before it is built: its event's name and athlete, and its speed checked.

Light on purpose (no route, no session): `companion demo` paints its first frame from these
(issue 11's cold start) while companion/demo.py, which loads the route, builds the demo.
"""

from __future__ import annotations

import math

from companion.core.models import CompanionError

NAME = "Unity Run 2021 (demo)"
ATHLETE = "Demo runner"
TIMEZONE = "Asia/Kolkata"


def check_speed(speed: float) -> float:
    """`speed` if the simulated clock can run at it (a finite number above 0)."""
    if not (math.isfinite(speed) and speed > 0):
        raise CompanionError(f"--speed {speed!r}: must be a number above 0")
    return speed
