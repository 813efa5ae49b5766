"""Messages posted up from the feed worker to the dashboard."""

from __future__ import annotations

from textual.message import Message

from companion.app.values import FeedView


class FixLogged(Message):
    """A feed fix was committed to the log and applied: the dashboard should repaint.

    The fix itself is already in the session, so a newer message may replace an older unprocessed
    one without losing anything (under a fast feed only the latest repaint matters).
    """

    def __init__(self, accepted: bool, reason: str | None) -> None:
        super().__init__()
        self.accepted = accepted
        self.reason = reason

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, FixLogged)


class FeedStatusChanged(Message):
    """The feed's status changed (connected, lost, reconnecting, stopped, counts)."""

    def __init__(self, feed: FeedView, *, logged: bool = False) -> None:
        super().__init__()
        self.feed = feed
        self.logged = logged  # a state change was written to the log: refresh the log panel
