"""The status document: what `companion status --json` prints, in one place, so the shared
status (companion/share/publisher.py) and the follower page's /status.json (share/serve.py) are
the same document and stay so when a part is added to it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from companion import render
from companion.crew_status import crew_status
from companion.service import EventSession


def status_document(session: EventSession, now: datetime) -> dict[str, Any]:
    """`status --json` of `session` at `now` (the event's clock): with the feeding alerts and
    the crew's block (where the numbers come from, the stop going on, the timers)."""
    crew = crew_status(session, session.progress(now))
    feed = session.logbook.last_feed_status()
    return {**render.status_json(session.event, crew.progress, feed), "crew": crew.doc}
