"""The crew's part of `companion status`: the feeding alerts among the alerts, and where the
numbers come from, the stop going on and the timers, as lines and as a JSON block."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from companion import handover
from companion.core.feeding import timer_text
from companion.core.models import Progress
from companion.crew import Crew
from companion.service import EventSession


@dataclass(frozen=True, slots=True)
class CrewStatus:
    progress: Progress  # with the feeding alerts after the tracker's
    lines: tuple[str, ...]
    doc: dict[str, Any]


def crew_status(session: EventSession, p: Progress) -> CrewStatus:
    crew = Crew(session)
    tz, now = session.event.zone, p.now
    entries = crew.entries()
    stops = crew.stops(now, entries)
    timers = crew.timers(now, p, entries, stops)
    fresh = crew.freshness(p)
    going = stops[-1] if stops and stops[-1].end is None else None
    lines = [f"where {handover.where_text(fresh, tz, now)}"]
    if going is not None:
        lines.append(f"stop  since {going.start.astimezone(tz):%H:%M} at {going.where}: "
                     f"{going.tag_name}" + (f" ({going.tag.note})" if going.tag and going.tag.note
                                            else ""))  # fmt: skip
    if timers:
        lines.append("timers " + " · ".join(timer_text(t, now) for t in timers))
    alerts = crew.alerts(now, p)
    doc = {
        "where": handover.as_json_where(fresh, tz),
        "stop": handover.stop_json(going, tz, now) if going is not None else None,
        "stops": len(stops),
        "timers": [handover.timer_json(t, now, tz) for t in timers],
    }
    progress = replace(p, alerts=(*p.alerts, *alerts)) if alerts else p
    return CrewStatus(progress, tuple(lines), doc)
