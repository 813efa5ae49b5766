"""`?`: the keys and what the screen shows."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

HELP = """\
KEYS (every action is also in the command palette: ctrl+p; the footer shows the keys
that fit its width, always ? and q)
  c        checkpoint: a town (→ completes), km 171, lat,lon or +5; time defaults to now
  u        undo the last manual entry (asks first)
  e        change the time of the last manual entry
  s        stop: the athlete rests from now (ETAs count from the clock); go: moving again
  d        daily totals
  t        all towns ahead with km and ETAs
  l        the full log (g there adds the GPS fixes)
  1-6      tag the stop going on (or just ended): 1 food 2 sleep 3 mechanical 4 medical
           5 toilet 6 other (the line under the big numbers shows it while one waits)
  S        the stops: ↑/↓ pick one, 1-6 tag it, n a note, x take the tag back
  f / w    the athlete ate / drank (what: optional); the feeding timers count from it
  h        the shift handover card; n there logs the outgoing shift's note
  ?        this help
  ctrl+t   light / dark theme (light reads better in sunlight)
  Esc      close a form or view
  q        quit (everything is already saved; reopening shows the same state)

THE DASHBOARD
  KM TODAY / KM TOTAL / KM TO GO   along the route, from the log
  km 36.0 · 40 min ago · manual    the position behind every number: how old, where from;
           the last town passed and when. Below: the feeding timers (eat in 12 min, DUE,
           OVERDUE; paused while the athlete sleeps), or a stop waiting for its tag
  NEXT     the next town, km to go, ETA (clock and time left) and the speed it assumes:
           recent moving average, today's average or the planned speed; "due" for 15 min
           after the ETA, then "overdue by ..."; STOPPED (crew or GPS) and FINISHED
  now / recent / today avg / moving
           speed now; the recent pace (moving average over the last 30 min of moving,
           what the ETAs lean on); today's moving average; moving of elapsed time today
  strip    ━ done, ─ ahead, ┼ towns, ◆ the athlete, ▲ km; elevation below when the route has it
  FEED     the position feed: source, state, age of the last position (a long URL is
           cut in the middle, never the state or the age)
  ! ...    alerts: STALE position, NO ENTRY (typed entries stopped coming), OFF ROUTE,
           FEED LOST
  last line  notices ("Saved: ...", a feed lost) for a few seconds, above the keys
  Below 60x20 the screen says "terminal too small" until it is made larger.

Esc or ? closes this help."""


class HelpScreen(ModalScreen[None]):
    """A scrollable text of the keys; Esc, ? or q closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("question_mark", "close", "Close", show=False),
        Binding("q", "close", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help", classes="form"):
            yield Static(HELP, id="help-text")

    def action_close(self) -> None:
        self.dismiss(None)
