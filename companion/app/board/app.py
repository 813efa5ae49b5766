"""BoardApp: every unit of an event in one table, live from the retained statuses (issue 12).

The rows come from `share.board.Board`, fed by a `watch` coroutine (a worker on the app's loop)
or, in tests, by `take`. A once-a-second timer redraws the ages. Works with 1 or 100 units: the
table scrolls, and only a changed board is redrawn.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Static
from textual.worker import WorkerFailed

from companion.logsetup import hide_secrets
from companion.share.board import COLUMNS, Board

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Message = Callable[[str, str, bytes], None]
State = Callable[[bool, str], None]
Watch = Callable[[Message, State], Awaitable[None]]


def utc_now() -> datetime:
    return datetime.now(UTC)


def run_board(app: BoardApp, *, headless: bool = False) -> int:
    """Run the board until q or a signal (0), or a crash: one line on stderr, exit status 1."""
    app.run(headless=headless)
    if app.failure is not None:
        print(f"companion: board stopped: {app.failure}", file=sys.stderr)
        return 1
    return app.return_code or 0


class BoardApp(App[None]):
    """The organiser's board of one event."""

    TITLE = "Companion board"
    CSS = """
    #board-head { height: 1; padding: 0 1; background: $panel; }
    #board-state { height: 1; padding: 0 1; color: $text-muted; }
    DataTable { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit")]

    def __init__(
        self,
        event: str,
        where: str,
        watch: Watch | None = None,
        *,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__()
        self.event = event
        self.where = where  # the broker, without credentials
        self.board = Board()
        self.clock = clock
        self._watch = watch
        self.state = "connecting"
        self._shown: list[tuple[str, ...]] = []
        self.failure: str | None = None  # why it stopped, when it crashed: one line

    def compose(self) -> ComposeResult:
        yield Static(f"{self.event} · {self.where}", id="board-head")
        yield DataTable(cursor_type="row", zebra_stripes=True)
        yield Static(self.state, id="board-state")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for name in COLUMNS:
            table.add_column(name, key=name)
        self.set_interval(1.0, self.redraw)
        if self._watch is not None:
            self.run_worker(self._watch(self.take, self.connection), exclusive=True)
        self.redraw()

    def _handle_exception(self, error: Exception) -> None:
        # Textual sets exit status 1, closes the app (Pilot re-raises), and would print a screen
        # of traceback with its locals (the broker's password among them): one line instead,
        # printed by run_board; the traceback goes to the log (--log FILE), secrets hidden.
        super()._handle_exception(error)
        self._exit_renderables.clear()
        if self.failure is None:
            cause = error.error if isinstance(error, WorkerFailed) else error
            self.failure = hide_secrets(f"{type(cause).__name__}: {cause}")
            logger.error("the board stopped", exc_info=cause)

    def take(self, unit: str, kind: str, data: bytes) -> None:
        """One message from the broker (status or online of `unit`)."""
        if self.board.message(unit, kind, data):
            self.redraw()

    def connection(self, connected: bool, detail: str) -> None:
        self.state = detail if connected else f"NOT CONNECTED: {detail}; retrying"
        self.query_one("#board-state", Static).update(self.state)

    def redraw(self) -> None:
        """Show the board's rows: changed cells in place, so the cursor stays where the
        organiser put it; the table is rebuilt only when units come or go."""
        rows = self.board.rows(self.clock())
        if rows == self._shown:
            return
        table = self.query_one(DataTable)
        if [r[0] for r in rows] == [r[0] for r in self._shown]:
            for old, new in zip(self._shown, rows, strict=True):
                for name, was, now in zip(COLUMNS, old, new, strict=True):
                    if was != now:
                        table.update_cell(new[0], name, now)
        else:
            at = self._shown[table.cursor_row][0] if self._shown and table.row_count else None
            table.clear()
            for row in rows:
                table.add_row(*row, key=row[0])
            keys = [r[0] for r in rows]
            if at in keys:
                table.move_cursor(row=keys.index(at))
        self._shown = rows
        units = len(rows)
        self.sub_title = f"{units} unit{'s' if units != 1 else ''}"
