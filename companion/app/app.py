"""CompanionApp and `make_app`, shared by the CLI (app/launch.py) and the tests.

The app holds the session, the injected clock and the optional feed. The feed runs in a worker
(`Source.run` is a coroutine on the app's event loop); each fix it delivers is committed to the log
and applied by the session before a repaint is requested, so what the crew sees is always saved.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable, Coroutine, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from companion.app.messages import FeedStatusChanged, FixLogged
from companion.app.screens.help import HelpScreen
from companion.app.screens.too_small import TooSmallScreen, too_small
from companion.app.starting import Opening, StartingScreen
from companion.app.values import FeedView
from companion.app.widgets.notice import NoticeLine
from companion.core.models import CompanionError, Fix

if TYPE_CHECKING:  # the dashboard and the session (numpy, pyproj) come after the first frame
    from companion.app.screens.dashboard import DashboardScreen
    from companion.service import EventSession
    from companion.share.publisher import Publisher
    from companion.sources.base import FeedStatus, Source

Clock = Callable[[], datetime]
# The longest the route or the log waits for the frame to be whole (see _once_painted): ~0.1 s
# on a quiet machine, over 0.5 s on a loaded one (where the frame came out without its keys).
READ_LOG_WAIT_S = 2.0
# A full replay is read this many fixes at a time between the screen's turns (~0.1 s each).
REPLAY_PIECE = 2_000
log = logging.getLogger("companion.app")
DARK, LIGHT = "textual-dark", "textual-light"


def utc_now() -> datetime:
    return datetime.now(UTC)


def feed_view(status: FeedStatus) -> FeedView:
    """The widget-side copy of a feed's status."""
    return FeedView(
        source=status.source,
        state=status.state.value,
        detail=status.detail,
        since=status.since,
        lost_since=status.lost_since,
        fixes=status.fixes,
        rejected=status.rejected,
    )


class CompanionApp(App[None]):
    """The support car's dashboard for one open event."""

    CSS_PATH = "companion.tcss"
    TITLE = "Companion"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
        Binding("ctrl+t", "toggle_theme", "Light/dark", show=False),
    ]

    session: EventSession  # given, or set once `opening` has opened it

    def __init__(
        self,
        session: EventSession | Opening,
        clock: Clock,
        source: Source | None = None,
        *,
        cursor_blink: bool = True,
    ) -> None:
        super().__init__()
        # An Opening (`companion run`): the first frame before the route and log are open.
        self.opening = session if isinstance(session, Opening) else None
        if not isinstance(session, Opening):
            self.session = session
        self.clock = clock
        self.source = source
        self.cursor_blink = cursor_blink
        self._dashboard: DashboardScreen | None = None
        self._share_task: asyncio.Task[None] | None = None

    @property
    def dashboard(self) -> DashboardScreen:
        assert self._dashboard is not None, "the dashboard exists once the app runs"
        return self._dashboard

    def get_default_screen(self) -> Screen[None]:
        if self.opening is not None:
            return StartingScreen(self.opening.info, self.opening.waiting)
        return self._new_dashboard()

    def _new_dashboard(self) -> DashboardScreen:
        from companion.app.screens.dashboard import DashboardScreen

        self._dashboard = DashboardScreen(self.session, self.clock, cursor_blink=self.cursor_blink)
        return self._dashboard

    def on_mount(self) -> None:
        # SIGTERM (shutdown, systemd) and SIGHUP (the terminal went away) quit as q does: the
        # feed hands on the epoch in hand and the batch is committed, instead of dying with it.
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self.exit)
        if self.opening is not None:
            # The first frame before the route, the log and the dashboard's imports (issue 11).
            self.sub_title = self.opening.info.name
            self._once_painted(self._open)
        else:
            self._session_ready()
        self.fit_screen(*self.size)  # started in a terminal already too small

    def _session_ready(self) -> None:
        self.sub_title = self.session.event.name
        if self.session.replayed:
            self._go_live()
        else:
            # The frame first ("reading the log…"), then the log (issue 11): the crew sees the
            # screen at once, whatever the log's length, then the numbers.
            self._once_painted(self._read_log)

    async def _open(self) -> None:
        """Open the route, the log and the feed (StartingScreen's frame is up), then put the
        dashboard in its place; a failure ends the app, and `companion run` says it."""
        assert self.opening is not None
        try:
            self.session, self.clock, self.source = self.opening.open()
        except (CompanionError, OSError) as e:
            self.opening.failure = e
            self.exit(return_code=2)
            return
        if not self.session.replayed:
            # The log next, still on the first frame, which now says so (a long tail after a
            # crash takes a while): one repaint, not a second frame to wait for.
            starting = self.screen_stack[0]
            said = starting.reading_log if isinstance(starting, StartingScreen) else _nobody
            said(None)
            self.call_after_refresh(lambda: self._in_worker(self._show_dashboard(said)))
            return
        await self._show_dashboard(_nobody)

    def _in_worker(self, work: Coroutine[None, None, None]) -> None:
        """Read the log in a worker: between its pieces the keys (q), the resizes and the
        repaints are handled, where a full replay held the screen for ~40 s a day of 10 Hz."""
        self.run_worker(work, name="log", group="log", exclusive=True)

    async def _replay(self, said: Callable[[int | None], None]) -> None:
        """`session.replay()` in pieces of REPLAY_PIECE fixes, `said` how many were read after
        each (none when a saved state fits: then it is one short piece)."""
        pieces = self.session.replaying(REPLAY_PIECE)
        try:
            for read in pieces:
                said(read)
                await asyncio.sleep(0)
        finally:
            pieces.close()  # quit part way: the session stays unreplayed, nothing saved from it

    async def _show_dashboard(self, said: Callable[[int | None], None]) -> None:
        """The dashboard, on a session whose log is read, in the first frame's place."""
        if not self.session.replayed:
            try:
                await self._replay(said)
            except CompanionError as e:  # a damaged log: said in one line, as open's errors
                assert self.opening is not None
                self.opening.failure = e
                self.exit(return_code=2)
                return
        while len(self.screen_stack) > 1:  # help or "too small" over the first frame
            self.pop_screen()
        # The dashboard in its own mode (a default screen cannot be switched away from); the
        # first frame's screen stays suspended in the default mode, never shown again.
        self.add_mode("dashboard", self._new_dashboard)
        await self.switch_mode("dashboard")
        if self.session.log_note:  # an old log carried over beside the event
            self.notify(self.session.log_note, title="Log")
        self._session_ready()
        self.fit_screen(*self.size)

    def _once_painted(self, then: Callable[[], object]) -> None:
        """Call `then` once the whole frame is painted: the first paint comes before Textual's
        start-up layout passes and the footer's keys (a few refreshes later), so wait until the
        keys are laid out (at most READ_LOG_WAIT_S), then for the refresh that draws them."""
        started = time.monotonic()
        called: list[bool] = []

        def check() -> None:
            if called:  # a tick already queued when the timer stopped: `then` runs once
                return
            screen = self.screen  # "too small" has no footer, nor anything to wait for
            keys = screen.query("FooterKey")
            laid_out = isinstance(screen, TooSmallScreen) or any(k.region.width > 0 for k in keys)
            if laid_out or time.monotonic() - started > READ_LOG_WAIT_S:
                called.append(True)
                timer.stop()
                self.call_after_refresh(then)

        timer = self.set_interval(0.02, check)

    def _read_log(self) -> None:
        self._in_worker(self._read_log_pieces())

    async def _read_log_pieces(self) -> None:
        await self._replay(_nobody)  # (the dashboard's header says it is reading)
        self.dashboard.refresh_progress()
        self.dashboard.refresh_log()
        self.dashboard.refresh_bindings()  # the keys, dimmed while reading, work now
        self._go_live()

    def _go_live(self) -> None:
        """The feed and the sharing start once the log is replayed (they go on from it)."""
        if self.source is not None:
            self.start_feed(self.source)
        if self.session.event.share is not None:
            self.start_sharing()

    # --- the feed -------------------------------------------------------------------------------
    def start_feed(self, source: Source) -> Worker[None]:
        """Run `source` in the (single, exclusive) feed worker until the app exits."""
        self.source = source
        # One plausibility filter, seeded from the log: no fix is judged twice or against
        # nothing after a restart.
        self.session.attach(source)
        return self.run_worker(
            source.run(on_fix=self._on_fix, on_status=self._on_status),
            name="feed",
            group="feed",
            exclusive=True,
            exit_on_error=False,
        )

    def start_sharing(self) -> Worker[None] | None:
        """Publish the log and status to the event's [share] broker (issue 12); a peer's entry
        merged into the log repaints the dashboard."""
        from companion.share.publisher import Publisher  # aiomqtt only when sharing

        session = self.session

        def merged() -> None:  # the session has it already: repaint
            self.dashboard.post_message(FixLogged(True, None))

        try:
            publisher = Publisher(
                session, now=self.clock, on_merged=merged, notice=self._share_notice
            )
        except CompanionError as e:
            self.notify(str(e), title="Share", severity="error")
            return None
        return self.run_worker(
            self._share(publisher), name="share", group="share", exclusive=True,
            exit_on_error=False,
        )  # fmt: skip

    def _share_notice(self, message: str) -> None:
        self.notify(message, title="Share", severity="warning")  # a peer's row refused

    async def _share(self, publisher: Publisher) -> None:
        """The publisher until quit; its own connection to the log closed however it ends."""
        self._share_task = asyncio.current_task()
        try:
            await publisher.run()
        finally:
            publisher.close()

    async def on_unmount(self) -> None:
        # On quit the publisher is stopped for sure (a cancel a library lost is sent again) and
        # its connection closed before the session's: the last one out checkpoints the WAL.
        if self._share_task is not None:
            from companion.stopping import stop_task

            with contextlib.suppress(Exception):  # its failure was shown when it happened
                await stop_task(self._share_task)

    def _on_fix(self, fix: Fix) -> None:
        # Called on the event loop's thread by Source.run: log first, then ask for a repaint.
        try:
            result = self.session.add_feed_fix(fix, self.clock(), prefiltered=True)
        except CompanionError as e:
            self.notify(str(e), title="Feed", severity="error")
            return
        self.dashboard.post_message(FixLogged(result.accepted, result.reason))

    def _on_status(self, status: FeedStatus) -> None:
        view = feed_view(status)
        try:
            changed = self.session.log_feed_status(status)
        except CompanionError as e:
            self.notify(str(e), title="Log", severity="error")
            changed = False
        if changed and view.lost:
            self.notify(f"Feed {view.state}: {view.detail}", title="Feed", severity="warning")
        self.dashboard.post_message(FeedStatusChanged(view, logged=changed))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place worker failures go: the feed line and a notification."""
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        reason = str(error) if isinstance(error, CompanionError) else type(error).__name__
        source = self.source.url_redacted if self.source is not None else event.worker.name
        # "failed" is an alert (FeedView.lost): a feed that really stopped is never "OK".
        now = self.clock()
        view = FeedView(source, "failed", reason, since=now, lost_since=now)
        self.dashboard.post_message(FeedStatusChanged(view))
        self.notify(f"{event.worker.name} stopped: {reason}", title="Feed", severity="error")

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """On the dashboard's notice line, not in a toast over the ETA columns (see
        widgets/notice.py); a toast only before the dashboard is up."""
        if self.is_running and self._thread_id != threading.get_ident():  # thread-safe, too
            self.call_from_thread(
                self.notify, message, title=title, severity=severity, timeout=timeout
            )
            return
        # What the crew was told goes to the log too (--log FILE keeps the day's notices).
        level = {"warning": logging.WARNING, "error": logging.ERROR}.get(severity, logging.INFO)
        log.log(level, "%s: %s", title or "notice", message)
        if self._dashboard is not None and self._dashboard.is_mounted:
            notice = self._dashboard.query_one(NoticeLine)
            notice.add(message, title, severity, timeout)
            return
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    # --- the size -------------------------------------------------------------------------------
    def on_resize(self, event: events.Resize) -> None:
        self.fit_screen(event.size.width, event.size.height)

    def fit_screen(self, cols: int, rows: int) -> None:
        """Put up the "too small" screen below the minimum size, take it away above it."""
        showing = isinstance(self.screen, TooSmallScreen)
        if too_small(cols, rows) and not showing:
            self.push_screen(TooSmallScreen())
        elif not too_small(cols, rows) and showing:
            self.pop_screen()

    # --- actions --------------------------------------------------------------------------------
    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen | TooSmallScreen):
            self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.theme == DARK else DARK

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        if self._dashboard is None:  # the first frame: nothing open to act on yet
            yield from super().get_system_commands(screen)
            return
        d = self.dashboard
        yield SystemCommand("Checkpoint", "Log where the athlete is (c)", d.action_checkpoint)
        yield SystemCommand("Undo", "Undo the last manual entry, after asking (u)", d.action_undo)
        yield SystemCommand("Edit time", "Change the last entry's time (e)", d.action_edit_time)
        yield SystemCommand("Stop/go", "The athlete stops, or goes again (s)", d.action_stop_go)
        yield SystemCommand("Days", "Daily totals (d)", d.action_days)
        yield SystemCommand("Towns", "All towns ahead with km and ETAs (t)", d.action_towns)
        yield SystemCommand("Log", "The full log, newest first (l)", d.action_log)
        yield SystemCommand("Stops", "The stop ledger: tag, note, untag (S)", d.action_stops)
        yield SystemCommand("Ate", "The athlete ate; the feeding timer restarts (f)", d.action_ate)
        yield SystemCommand("Drank", "The athlete drank (w)", d.action_drank)
        yield SystemCommand("Handover", "The shift handover card (h)", d.action_handover)
        yield SystemCommand("Help", "Keys and what the screen shows (?)", self.action_help)
        yield SystemCommand(
            "Light/dark", "Switch the light and dark theme (ctrl+t)", self.action_toggle_theme
        )
        yield from super().get_system_commands(screen)


def make_app(
    session: EventSession,
    clock: Clock = utc_now,
    source: Source | None = None,
    *,
    cursor_blink: bool = True,
) -> CompanionApp:
    """The app for an open session; the CLI and the tests build it the same way."""
    return CompanionApp(session, clock, source, cursor_blink=cursor_blink)


def _nobody(_read: int | None) -> None:
    """Where the log's reading is not shown as it goes."""
