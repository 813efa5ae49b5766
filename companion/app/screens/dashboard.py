"""The main screen. It owns `progress` (and the feed's status and the log's newest rows); the
widgets are bound to those and only render.

Every session call happens here, on the event loop's thread: the session's SQLite connection
belongs to the thread that opened it, and each call is short (one insert and commit, or a read).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import var
from textual.screen import Screen

from companion.app.crew_actions import CrewActions
from companion.app.keys import DASHBOARD_BINDINGS
from companion.app.messages import FeedStatusChanged, FixLogged
from companion.app.screens.checkpoint import CheckpointScreen, checkpoint_examples
from companion.app.screens.confirm import ConfirmScreen
from companion.app.screens.days import DaysScreen
from companion.app.screens.edit_time import EditTimeScreen
from companion.app.screens.log import LogScreen
from companion.app.screens.towns import TownsScreen
from companion.app.values import EventInfo, FeedView
from companion.app.widgets.alerts import Alerts
from companion.app.widgets.big_numbers import BigNumbers
from companion.app.widgets.crew_line import CrewLine
from companion.app.widgets.day_totals import DayTotals
from companion.app.widgets.elevation import Elevation
from companion.app.widgets.feed_status import FeedStatusLine
from companion.app.widgets.footer import GlanceFooter
from companion.app.widgets.header_bar import HeaderBar
from companion.app.widgets.log_view import LogView
from companion.app.widgets.next_town import NextTown
from companion.app.widgets.notice import NoticeLine
from companion.app.widgets.route_strip import RouteStrip
from companion.app.widgets.speeds import Speeds
from companion.app.widgets.towns_ahead import TownsAhead
from companion.core.models import CompanionError, Fix, Progress
from companion.logrows import LogEntry
from companion.logsetup import hide_secrets
from companion.render import logged_line
from companion.service import EventSession
from companion.sources.manual import town_completions
from companion.statekeep import StateKeeper

# Under a fast feed, repaint at most this often (each repaint costs a few ms of CPU).
REPAINT_MIN_S = 0.25
# Rows of the dashboard's log panel (GPS fixes are left out of the panel).
LOG_PANEL_ROWS = 40
# Elevation samples kept for the profile; the widget resamples them to its width.
PROFILE_SAMPLES = 600

log = logging.getLogger("companion.app")


class DashboardScreen(CrewActions, Screen[None]):
    """Big numbers, next town, speeds, route strip, towns ahead, feed and alerts; days and log
    when the terminal has the room (see the breakpoints and companion.tcss)."""

    # Width 110+ shows the days and the log beside the rest; height 34+ gives panels borders.
    # Screen declares these as plain attributes, so no ClassVar here.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]  # noqa: RUF012
    VERTICAL_BREAKPOINTS = [(0, "-short"), (34, "-tall")]  # noqa: RUF012

    # c, u, e, s, d, t, l and the crew's keys (app/keys.py, shared with the first frame's footer).
    BINDINGS: ClassVar[list[BindingType]] = DASHBOARD_BINDINGS

    progress: var[Progress | None] = var(None)
    feed: var[FeedView | None] = var(None)
    entries: var[tuple[LogEntry, ...]] = var(())

    def __init__(
        self,
        session: EventSession,
        clock: Callable[[], datetime],
        *,
        cursor_blink: bool = True,
    ) -> None:
        super().__init__()
        self.session = session
        self._keep = StateKeeper()  # the state saved as it goes: a kill -9 replays an hour
        self.clock = clock
        self.cursor_blink = cursor_blink
        self.tz: ZoneInfo = session.event.zone
        self._dirty = False
        self._last_paint = 0.0
        self._failed_since: datetime | None = None  # the numbers could not be worked out since

    # --- layout ---------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        s = self.session
        info = EventInfo(s.event.name, s.event.athlete, s.event.timezone)
        towns = tuple((t.name, t.km) for t in s.route.towns)
        progress = DashboardScreen.progress
        yield HeaderBar(info, id="header").data_bind(progress)
        with Horizontal(id="columns"):
            with Vertical(id="left"):
                yield BigNumbers(id="big").data_bind(progress)
                yield CrewLine(self.crew, self.tz, id="crew").data_bind(progress)
                yield NextTown(self.tz, id="next").data_bind(progress)
                yield Speeds(id="speeds").data_bind(progress)
                yield RouteStrip(
                    towns, s.route.length_km, approx=s.route.town_to_town, id="strip"
                ).data_bind(progress)
                profile = s.route.elevation_profile(PROFILE_SAMPLES)
                if profile:
                    yield Elevation(profile, s.route.length_km, id="elevation").data_bind(progress)
                yield TownsAhead(self.tz, id="towns").data_bind(progress)
                yield FeedStatusLine(id="feed").data_bind(progress, DashboardScreen.feed)
                yield Alerts(self.tz, id="alerts").data_bind(progress, DashboardScreen.feed)
                yield NoticeLine(id="notice")  # notifications, in place of toasts over the ETAs
            with Vertical(id="right"):
                yield DayTotals(self.tz, id="days").data_bind(progress)
                yield LogView(self.tz, id="log").data_bind(DashboardScreen.entries)
        yield GlanceFooter()  # the keys that fit, q Quit always

    def on_mount(self) -> None:
        self.query_one("#towns").border_title = "Towns ahead"
        self.query_one("#days").border_title = "Days"
        self.query_one("#log").border_title = "Log"
        self.refresh_progress()
        self.refresh_log()
        self.set_interval(1.0, self._tick)
        self.set_interval(REPAINT_MIN_S, self._repaint_if_dirty)

    # --- refreshing -----------------------------------------------------------------------------
    def refresh_progress(self) -> None:
        """Commit the feed's batch, then recompute `progress` at the clock's now; the bound
        widgets repaint themselves. A fix is shown only once committed (a kill -9 never takes
        away a position the screen showed); a batch the disk refuses is taken back first."""
        if not self.session.replayed:
            return  # the log is being read: no numbers yet (the header says so)
        try:
            self.session.flush()
        except CompanionError as e:
            self.notify(str(e), title="Log", severity="error")
        now = self.clock()
        try:
            progress = self.session.progress(now)
        except Exception as e:  # a fault of ours in the reckoning (not the input: its own errors)
            self._reckoning_failed(e, now)
            return
        self._failed_since = None
        self.progress = self.with_crew_alerts(progress)
        self._dirty = False
        self._last_paint = time.monotonic()

    def _reckoning_failed(self, e: Exception, now: datetime) -> None:
        """The numbers could not be worked out (a fault of ours): the screen stays up with the
        last ones, the alert says since when they are frozen, and the log keeps taking entries
        (an undo of the entry that caused it brings them back). Logged whole once."""
        if self._failed_since is None:
            self._failed_since = now
            log.error("the numbers could not be worked out", exc_info=e)
            said = hide_secrets(f"{type(e).__name__}: {e}")
            self.notify(said, title="Numbers frozen", severity="error")
        self._dirty = False
        old = self.progress
        if old is None:
            return
        since = self._failed_since.astimezone(self.tz).strftime("%H:%M")
        alert = f"NUMBERS FROZEN since {since}: internal error ({type(e).__name__}); u undoes"
        kept = tuple(a for a in old.alerts if not a.startswith("NUMBERS FROZEN"))
        self.progress = replace(old, alerts=(alert, *kept))

    def refresh_log(self) -> None:
        """The newest checkpoints, edits, undos and feed events (not every GPS fix)."""
        try:
            self.entries = tuple(self.session.logbook.entries(LOG_PANEL_ROWS, without_gps=True))
        except CompanionError as e:
            # A damaged log, read while the replay still runs in its worker: that worker ends
            # the app with the error; until then the panel says it instead of a traceback.
            self.notify(str(e), title="Log", severity="error")

    def _tick(self) -> None:
        # Commit batched feed fixes at least once a second, then refresh ETAs and ages.
        try:
            self.session.flush()
        except CompanionError as e:
            self.notify(str(e), title="Log", severity="error")
        self._keep(self.session)
        self.refresh_progress()

    def _repaint_if_dirty(self) -> None:
        if self._dirty:
            self.refresh_progress()

    @on(FixLogged)
    def _fix_logged(self, _message: FixLogged) -> None:
        if time.monotonic() - self._last_paint >= REPAINT_MIN_S:
            self.refresh_progress()
        else:
            self._dirty = True

    @on(FeedStatusChanged)
    def _feed_changed(self, message: FeedStatusChanged) -> None:
        self.feed = message.feed
        if message.logged:
            self.refresh_log()

    # --- actions --------------------------------------------------------------------------------
    def _save_checkpoint(self, text: str, time_text: str | None, force: bool) -> Fix:
        fix = self.session.checkpoint(text, time_text, self.clock(), force=force)
        self.refresh_progress()
        self.refresh_log()
        return fix

    def action_checkpoint(self) -> None:
        route = self.session.route
        now_text = self.clock().astimezone(self.tz).strftime("%H:%M")
        form = CheckpointScreen(
            # The towns nearest ahead of the athlete first (the km as the form is typed into).
            lambda typed: town_completions(route, typed, self._km_now()),
            self._save_checkpoint,
            now_text,
            cursor_blink=self.cursor_blink,
            **checkpoint_examples(self.progress, route),
        )

        def saved(fix: Fix | None) -> None:
            if fix is not None:
                self.notify(f"Saved: {logged_line(fix, self.tz)}", title="Checkpoint")

        self.app.push_screen(form, saved)

    def _km_now(self) -> float | None:
        tracker = self.session.tracker
        return tracker.km if tracker.last_fix is not None else None

    def _last_manual(self) -> LogEntry | None:
        """The newest manual entry not undone, from the log (what undo and edit act on)."""
        return self.session.logbook.last_manual()

    def _describe(self, entry: LogEntry | None) -> str:
        if entry is None:
            return "the last manual entry"
        when = entry.time.astimezone(self.tz).strftime("%a %H:%M") if entry.time else "?"
        return f"{entry.summary} at {when}"

    def action_undo(self) -> None:
        entry = self._last_manual()
        if entry is None:  # the log says (reading every fix held was O(fixes) on each `u`)
            self.notify("Nothing to undo: no manual entry in the log.", title="Undo")
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                fix = self.session.undo()
            except CompanionError as e:
                self.notify(str(e), title="Undo", severity="error")
                return
            self.refresh_progress()
            self.refresh_log()
            if fix is None:
                self.notify("Nothing to undo: no manual entry in the log.", title="Undo")
            else:
                self.notify(f"Undone: {logged_line(fix, self.tz)}", title="Undo")

        self.app.push_screen(ConfirmScreen(f"Undo {self._describe(entry)}?"), answered)

    def action_edit_time(self) -> None:
        entry = self._last_manual()
        if entry is None:
            self.notify("Nothing to change: no manual entry in the log.", title="Edit time")
            return
        when = entry.time.astimezone(self.tz).strftime("%H:%M") if entry.time else ""

        def save(text: str, force: bool) -> Fix:
            fix = self.session.edit_last_time(text, self.clock(), force=force)
            self.refresh_progress()
            self.refresh_log()
            return fix

        def saved(fix: Fix | None) -> None:
            if fix is not None:
                self.notify(f"Changed: {logged_line(fix, self.tz)}", title="Edit time")

        form = EditTimeScreen(self._describe(entry), when, save, cursor_blink=self.cursor_blink)
        self.app.push_screen(form, saved)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.session.replayed:
            return None  # reading the log: the keys are shown, dimmed, and do nothing yet
        if action == "tag":
            return self.can_tag()
        if action in ("stop", "go"):
            finished = self.progress is not None and self.progress.finished_at is not None
            return not finished and self._stopped() == (action == "go")
        return True

    def _stopped(self) -> bool:
        return self.progress is not None and self.progress.stopped_since is not None

    def watch_progress(self, old: Progress | None, new: Progress | None) -> None:
        def state(p: Progress | None) -> tuple[bool, bool]:
            return (p is None or p.stopped_since is None), (p is None or p.finished_at is None)

        if state(old) != state(new):
            self.refresh_bindings()  # the footer's s: Stop <-> Go, none after the finish

    def action_stop(self) -> None:
        self._mark("stop")

    def action_go(self) -> None:
        self._mark("go")

    def action_stop_go(self) -> None:
        """The palette's toggle: stopped now, or (while stopped) going again."""
        self._mark("go" if self._stopped() else "stop")

    def _mark(self, kind: str) -> None:
        """Log the crew's word at the athlete's km (undo takes it back like a checkpoint)."""
        try:
            fix = self.session.mark(kind, None, self.clock())
        except CompanionError as e:
            self.notify(str(e), title="Stop/go", severity="error")
            return
        self.refresh_progress()
        self.refresh_log()
        word = "Stopped" if kind == "stop" else "Going"
        self.notify(f"{word}: {logged_line(fix, self.tz)} (u undoes it)", title="Stop/go")

    def _current(self) -> Progress:
        return self.progress if self.progress is not None else self.session.progress(self.clock())

    def action_days(self) -> None:
        self.app.push_screen(DaysScreen(self._current, self.tz, self.off_bike))

    def action_towns(self) -> None:
        self.app.push_screen(TownsScreen(self._current, self.tz))

    def action_log(self) -> None:
        entries = self.session.logbook.entries
        self.app.push_screen(
            LogScreen(lambda gps: tuple(entries(2000, without_gps=not gps)), self.tz)
        )
