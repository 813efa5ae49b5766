"""The dashboard's crew keys, mixed into DashboardScreen: 1-6 tag the stop going on (or just
ended), f "ate", w "drank" (what: optional), S the stop ledger, h the shift handover. The
feeding alerts join the tracker's in `progress` (so the alerts line shows EAT/DRINK due).

Kept apart from screens/dashboard.py (the layout and the position entries) so each stays small;
every call is on the event loop's thread, as the dashboard's own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, cast
from zoneinfo import ZoneInfo

from textual.screen import Screen

from companion.app.screens.handover import HandoverScreen
from companion.app.screens.note import NoteScreen
from companion.app.screens.stops import StopsScreen
from companion.app.widgets.crew_line import CrewLine, taggable
from companion.core.models import CompanionError, Progress
from companion.core.stops import off_bike_by_day
from companion.crew import Crew

if TYPE_CHECKING:
    from companion.service import EventSession

# The crew's keys (1-6, f, w, S, h) are bound in app/keys.py: the first frame's footer has them too.


class CrewActions:
    """What DashboardScreen gains; it provides these attributes."""

    session: EventSession
    clock: Callable[[], datetime]
    tz: ZoneInfo
    cursor_blink: bool
    _crew: Crew | None = None

    if TYPE_CHECKING:  # DashboardScreen's (a Screen's) methods

        def refresh_progress(self) -> None: ...
        def refresh_log(self) -> None: ...

    def _me(self) -> Screen[None]:
        return cast("Screen[None]", self)

    @property
    def crew(self) -> Crew:
        if self._crew is None:
            self._crew = Crew(self.session)
        return self._crew

    def with_crew_alerts(self, p: Progress) -> Progress:
        """`p` with the feeding alerts ("EAT due (last 12:05)") after the tracker's."""
        extra = self.crew.alerts(p.now, p)
        return replace(p, alerts=(*p.alerts, *extra)) if extra else p

    def off_bike(self, p: Progress) -> dict[date, dict[str, float]]:
        """Seconds stopped by day and tag, for the days table."""
        day_of = self.crew.session.tracker.day_of
        return off_bike_by_day(self.crew.stops(p.now), self.tz, p.now, day_of)

    def can_tag(self) -> bool:
        now = self.clock()
        return taggable(self.crew.stops(now), now) is not None

    def _changed(self) -> None:
        self.refresh_progress()
        self.refresh_log()
        # A tag or a meal changes the crew line though the Progress may be equal to the last.
        self._me().query_one(CrewLine).repaint_if_changed()

    def action_tag(self, n: int) -> None:
        now = self.clock()
        stop = taggable(self.crew.stops(now), now)
        if stop is None:
            return
        try:
            done = self.crew.tag(stop.number, str(n), "", now)
        except CompanionError as e:
            self._me().notify(str(e), title="Stop", severity="error")
            return
        self._changed()
        said = f"Stop {done.number}: {done.tag_name} (S: the stops, a note)"
        self._me().notify(said, title="Stop")

    def _fed(self, kind: str) -> None:
        word = "Ate" if kind == "eat" else "Drank"

        def answered(what: str | None) -> None:
            if what is None:
                return
            try:
                fed = self.crew.fed(kind, what, None, self.clock())
            except CompanionError as e:
                self._me().notify(str(e), title=word, severity="error")
                return
            self._changed()
            at = fed.at.astimezone(self.tz).strftime("%H:%M")
            self._me().notify(f"{word} at {at}" + (f": {fed.what}" if fed.what else ""), title=word)

        form = NoteScreen(f"{word}: what? (optional)", "Enter logs it · Esc cancels",
                          cursor_blink=self.cursor_blink)  # fmt: skip
        self._me().app.push_screen(form, answered)

    def action_ate(self) -> None:
        self._fed("eat")

    def action_drank(self) -> None:
        self._fed("drink")

    def action_stops(self) -> None:
        screen = StopsScreen(self.crew, self.clock, self.tz, self._changed,
                             cursor_blink=self.cursor_blink)  # fmt: skip
        self._me().app.push_screen(screen)

    def action_handover(self) -> None:
        screen = HandoverScreen(self.crew, self.clock, self.tz, self._changed,
                                cursor_blink=self.cursor_blink)  # fmt: skip
        self._me().app.push_screen(screen)
