"""The crew's operations on an open event: the stop ledger and its tags, "ate"/"drank" and the
feeding timers, where the athlete is and how fresh that is. Used by the CLI (cli/crew.py) and
the dashboard alike, so a tag typed in either is logged and read back the same way.

Everything is read from the log when asked (the crew's entries are few), so what the screen
shows is what the log holds, and a reopened event shows the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from companion import crewlog
from companion.core.feeding import Fed, Timer, timers
from companion.core.feeding import alerts as feeding_alerts
from companion.core.models import PositionError, Progress
from companion.core.stops import Stop, check_tag, ledger
from companion.crewlog import CrewEntries, CrewError
from companion.logbook import NotSaved
from companion.service import EventSession
from companion.sources.manual import parse_time

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Freshness:
    """How old the position behind the numbers is, where it came from, the last town passed."""

    km: float
    age_s: float | None  # None: no position yet
    source: str  # "manual", "gpsd", ...
    label: str  # what the crew typed, if manual
    last_town: str  # "" before the first town
    last_town_at: datetime | None


class Crew:
    """The crew's side of one open event."""

    def __init__(self, session: EventSession) -> None:
        self.session = session
        self._began: datetime | None = None
        # (last fix, town km, when it was reached): found by a scan back over the feed's fixes,
        # kept while the athlete stays past that town (a new fix past it cannot change it).
        self._reached: tuple[object, float, datetime | None] | None = None

    # --- reading --------------------------------------------------------------------------------
    def entries(self) -> CrewEntries:
        return crewlog.read(self.session.logbook)

    def stops(self, now: datetime, entries: CrewEntries | None = None) -> tuple[Stop, ...]:
        got = entries if entries is not None else self.entries()
        spans = self.session.tracker.stop_spans()
        return ledger(spans, got.tags, self.session.route.towns, now)

    def began(self) -> datetime | None:
        """The start of the event, else its first position: what the timers first count from."""
        if self.session.event.start is not None:
            return self.session.event.start
        if self._began is None:
            self._began = self.session.tracker.first_fix_time  # reads no log (issue 11)
        return self._began

    def day_began(self, progress: Progress) -> datetime | None:
        """What the timers count from at the latest: the start of the athlete's day (the days
        table's day: the morning's first entry after a night), else of the event."""
        began = self.began()
        if progress.finished_at is None and progress.elapsed_s_today > 0:
            today = progress.now - timedelta(seconds=progress.elapsed_s_today)
            return max(today, began) if began is not None else today
        return began

    def timers(
        self,
        now: datetime,
        progress: Progress | None = None,
        entries: CrewEntries | None = None,
        stops: tuple[Stop, ...] | None = None,
    ) -> tuple[Timer, ...]:
        feeding = self.session.event.feeding
        if feeding is None:
            return ()
        got = entries if entries is not None else self.entries()
        stops = stops if stops is not None else self.stops(now, got)
        p = progress if progress is not None else self.session.progress(now)
        return timers(
            feeding.every_min(), got.fed, stops, self.day_began(p), now, p.finished_at is not None
        )

    def alerts(self, now: datetime, progress: Progress) -> list[str]:
        """The feeding alerts at `now` ("EAT due (last 12:05)")."""
        return feeding_alerts(self.timers(now, progress), now, self.session.event.zone)

    def freshness(self, progress: Progress) -> Freshness:
        tracker, route = self.session.tracker, self.session.route
        last = progress.last_fix
        passed = [t for t in route.towns if t.km <= progress.km_total + 0.05]
        town = passed[-1] if passed else None
        at = None
        if town is not None:
            seen = self._reached
            still_past = (
                seen is not None
                and seen[1] == town.km
                and seen[2] is not None
                and last is not None
                and last.time >= seen[2]
                and tracker.last_time_at(seen[2]) == seen[2]
            )
            if seen is not None and (seen[0] is last or still_past):
                at = seen[2]
            else:
                at = tracker.reached_at(town.km)
                self._reached = (last, town.km, at)
        return Freshness(
            progress.km_total,
            progress.last_fix_age_s,
            last.source if last is not None else "",
            last.label if last is not None else "",
            town.name if town is not None else "",
            at,
        )

    # --- logging --------------------------------------------------------------------------------
    def tag(self, number: int, tag_text: str, note: str, now: datetime) -> Stop:
        """Tag stop `number` of the ledger (1-based; 0 or negative counts from the newest).

        Raises:
            CrewError: no such stop, or a tag or note that cannot be logged.
        """
        stop = self._stop(number, now)
        try:
            tag = check_tag(tag_text)
        except ValueError as e:
            raise CrewError(str(e)) from None
        self._log(lambda: crewlog.log_tag(self.session.logbook, stop.start, tag, note, now))
        return self._stop(stop.number, now)

    def untag(self, number: int, now: datetime) -> Stop:
        """Take back the tag of stop `number` (the one standing; an older one shows again)."""
        stop = self._stop(number, now)
        if stop.tag is None or stop.tag.entry_id is None:
            raise CrewError(f"stop {stop.number} has no tag to take back")
        entry_id = stop.tag.entry_id
        self._log(lambda: self.session.logbook.undo_crew(entry_id))
        return self._stop(stop.number, now)

    def fed(self, kind: str, what: str, time_text: str | None, now: datetime) -> Fed:
        """Log that the athlete ate or drank (`time_text` as a checkpoint's --time: "14:05", its
        latest past occurrence, or ISO 8601)."""
        zone = self.session.event.zone
        at = parse_time(time_text, now, zone)
        if self.session.event.start is not None and at < self.session.event.start:
            raise PositionError("time is before the event's start")
        entry_id = self._log(lambda: crewlog.log_fed(self.session.logbook, kind, what, at))
        return Fed(at, kind, crewlog.clean_note(what, "what"), entry_id)

    def undo_fed(self, now: datetime) -> Fed | None:
        """Take back the newest "ate"/"drank"; None when there is none."""
        got = self.entries().fed
        if not got:
            return None
        last = max(got, key=lambda f: f.entry_id or 0)
        assert last.entry_id is not None
        entry_id = last.entry_id
        self._log(lambda: self.session.logbook.undo_crew(entry_id))
        return last

    def log_handover(self, note: str, at: datetime) -> int:
        return self._log(lambda: crewlog.log_handover(self.session.logbook, note, at))

    def _stop(self, number: int, now: datetime) -> Stop:
        stops = self.stops(now)
        if not stops:
            raise CrewError("no stops yet")
        index = number - 1 if number > 0 else len(stops) - 1 + number
        if not 0 <= index < len(stops):
            raise CrewError(f"stop {number}: there are stops 1 to {len(stops)}")
        return stops[index]

    def _log(self, write: Callable[[], _T]) -> _T:
        """A write of the crew's, with the feed's batch: a full disk is the session's NOT SAVING."""
        try:
            result = write()
        except NotSaved as e:
            self.session._not_saved(e)
            raise
        self.session.not_saving = None
        return result
