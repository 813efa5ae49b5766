"""Plain values the screens hand to the widgets besides `Progress` (no Textual, no IO)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class FeedView:
    """What the feed status line shows, taken from the feed's own status.

    Kept apart from `companion.sources` so widgets never import a feed module.
    """

    source: str  # the redacted URL or a name ("demo: simulated GPS")
    state: str  # "connecting", "connected", "lost", "reconnecting", "stopped", "failed"
    detail: str
    since: datetime | None = None
    lost_since: datetime | None = None
    fixes: int = 0
    rejected: int = 0

    @property
    def connected(self) -> bool:
        return self.state == "connected"

    @property
    def lost(self) -> bool:
        # "failed": the feed's worker died (a bug); the dashboard says so as an alert.
        return self.state in ("lost", "reconnecting", "failed")


@dataclass(frozen=True, slots=True)
class EventInfo:
    """The unchanging facts the header shows."""

    name: str
    athlete: str
    timezone: str
