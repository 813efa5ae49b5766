"""The alerts of one Progress, in the order the crew reads them: a stale GPS position, no entry for
too long, off the route, then each deadline the ETA misses (core/cutoffs.py)."""

from __future__ import annotations

from datetime import datetime, tzinfo

from companion.core.cutoffs import alerts as deadline_alerts
from companion.core.durations import duration_text
from companion.core.models import Fix, Placement, TownAhead
from companion.core.states import no_entry_alert, no_entry_s

# A GPS position newer than the computer's clock by more than this says the clock is behind (a
# feed's own latency and a receiver's rounding are seconds; a typed entry is refused beyond 2 min).
CLOCK_BEHIND_S = 120.0


def progress_alerts(
    last: Fix | None,
    now: datetime,
    age_s: float | None,
    *,
    km: float,
    tz: tzinfo,
    placement: Placement | None,
    towns: list[TownAhead],
    finished: bool,
    stopped: bool,
    stale_s: float,
    no_entry_after_s: float | None,
    eta_base: datetime | None = None,
    deadlines: bool = True,
) -> tuple[list[str], float | None]:
    """The alerts at `now`, and how long without an entry raised NO ENTRY (None: it is not up).

    `age_s` is the last fix's age; `towns` the towns ahead with the finish (the first is next);
    `no_entry_after_s` the event's limit (None: the expected time to the next town);
    `eta_base` when the towns' ETAs count from (the last entry, or now when no motion is known);
    `deadlines` False: no town has one (the event has none), so none is looked for.
    """
    alerts: list[str] = []
    gps_age = age_s if last is not None and not last.is_manual and not finished else None
    if gps_age is not None and gps_age < -CLOCK_BEHIND_S:
        # A laptop whose clock battery died, with no network to set it: every age and countdown
        # is off by as much (they are never shown below zero), the ETAs themselves are not.
        alerts.append(
            f"CLOCK: this computer is {duration_text(-gps_age)} behind the GPS: set its clock"
        )
    if gps_age is not None and gps_age > stale_s:
        # Written as every duration is ("26h48", not "1608 min": a log replayed a day later).
        alerts.append(f"STALE: last GPS position {duration_text(gps_age)} old")
    nxt = towns[0] if towns else None
    silent_s = None
    if not finished and not stopped:
        silent_s = no_entry_s(last, now, nxt.eta_at if nxt else None, no_entry_after_s, eta_base)
    if silent_s is not None and last is not None:
        alerts.append(no_entry_alert(silent_s, last, km, tz))
    if placement is not None and placement.off_route:
        alerts.append(f"OFF ROUTE: {placement.off_route_m / 1000:.1f} km from the path")
    if deadlines:
        alerts += deadline_alerts(towns, tz)
    return alerts, silent_s
