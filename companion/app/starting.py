"""`companion run`'s first frame, before the route and the log are open (issue 11's cold start).

The event file is read first (a bad one is said on the command line, before any screen); the
frame is drawn from it alone: the header with the event's name, "loading route…", and the
dashboard's footer with its keys dimmed. Then, once that frame is on the terminal, the app
calls `Opening.open` on the event loop's thread (the log's SQLite connection belongs to the
thread that opened it): the route (numpy, pyproj), the log and the feed; then, the frame saying
"reading the log…", the log is replayed and the dashboard replaces this screen with its
numbers. No number is shown until it is real. Nothing here imports the route or the session.
`companion demo` starts the same way (DemoOpening): its frame says "building the demo…" while
companion/demo.py loads the route and logs days 1-3.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import Static

from companion.app.keys import DASHBOARD_BINDINGS
from companion.app.values import EventInfo
from companion.app.widgets.footer import GlanceFooter
from companion.app.widgets.header_bar import HeaderBar
from companion.core.models import CompanionError

if TYPE_CHECKING:
    from companion.demo import Demo
    from companion.service import EventSession
    from companion.sources.base import Source

Clock = Callable[[], datetime]
LOADING = "loading route…"
BUILDING = "building the demo…"
READING = "reading the log…"


class Opening:
    """An event to open after the first frame: what `companion run` was given."""

    waiting = LOADING  # what the first frame says until the route is open

    def __init__(self, event_path: Path, db: str | None, feed: str | None, wall: Clock) -> None:
        from companion.event import load_event

        event = load_event(event_path)  # its errors come before the screen, as they always did
        self.info = EventInfo(event.name, event.athlete, event.timezone)
        self.event_path, self.db, self.feed, self.wall = event_path, db, feed, wall
        self.session: EventSession | None = None
        # What stopped the opening (a bad route file, a log that cannot be opened, a bad feed
        # URL): the app exits and `companion run` says it in one line, as before the screen.
        self.failure: CompanionError | OSError | None = None

    def open(self) -> tuple[EventSession, Clock, Source | None]:
        """The session (its log not yet replayed, unless a replay feed needs it), the clock to
        show it on and the feed, as `companion run` opened them before its first frame."""
        from companion.service import EventSession

        session = EventSession.open(self.event_path, self.db, replay=False)
        self.session = session
        url = self.feed or session.event.feed
        source: Source | None = None
        if url:
            from companion.sources.base import open_source
            from companion.sources.replay import ReplaySource

            source = open_source(url, max_kmh=session.event.max_kmh)
            if isinstance(source, ReplaySource):
                session.replay()  # a replay's clock carries on from the log: read it first
        return session, session.clock(source, self.wall), source

    def close(self) -> None:
        if self.session is not None:
            self.session.close()


class DemoOpening(Opening):
    """`companion demo` after its first frame: the demo built (the route loaded, days 1-3
    logged), its session opened and its simulated GPS, as `companion demo` did before it."""

    waiting = BUILDING

    def __init__(self, speed: float, folder: Path | None = None) -> None:
        # No event file to read: the demo writes its own (in `folder`, else a temporary one).
        from companion import demo_event

        self.speed = demo_event.check_speed(speed)  # a bad --speed is said before the screen
        self.info = EventInfo(demo_event.NAME, demo_event.ATHLETE, demo_event.TIMEZONE)
        self.folder = folder
        self.demo: Demo | None = None
        self.session = None
        self.failure = None

    def open(self) -> tuple[EventSession, Clock, Source | None]:
        from companion.demo import build_demo

        self.demo = build_demo(self.speed, self.folder)
        self.session = self.demo.open_session()
        source = self.demo.source(max_kmh=self.session.event.max_kmh)
        return self.session, self.demo.clock, source

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self.demo is not None:
                self.demo.cleanup()


class StartingScreen(Screen[None]):
    """The dashboard's header and footer around "loading route…" (or the demo's "building the
    demo…"); the keys dimmed."""

    DEFAULT_CSS = """
    StartingScreen { layout: vertical; }
    StartingScreen #loading { height: 1fr; content-align: center middle; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = DASHBOARD_BINDINGS

    def __init__(self, info: EventInfo, waiting: str = LOADING) -> None:
        super().__init__()
        self.info, self.waiting = info, waiting

    def compose(self) -> ComposeResult:
        yield HeaderBar(self.info, id="header", waiting=self.waiting)
        yield Static(self.waiting, id="loading")
        yield GlanceFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None  # shown, dimmed, doing nothing until the dashboard replaces this screen

    def reading_log(self, read: int | None = None) -> None:
        """The route is open; the log is read next (CompanionApp._show_dashboard), and `read`
        of its fixes are, when a whole log is read again (no saved state fits it)."""
        self.query_one(HeaderBar).waiting = READING
        self.query_one(HeaderBar).refresh()
        self.query_one("#loading", Static).update(
            READING if read is None else f"{READING} {read:,} fixes read"
        )
