"""The status document: what `companion status --json` prints, in one place, so the shared
status (companion/share/publisher.py) and the follower page's /status.json (share/serve.py) are
the same document and stay so when a part is added to it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from companion import render
from companion.service import EventSession


def status_document(session: EventSession, now: datetime) -> dict[str, Any]:
    """`status --json` of `session` at `now` (the event's clock)."""
    p = session.progress(now)
    return render.status_json(session.event, p, session.logbook.last_feed_status())
