"""`companion run` and `companion demo`: the app started on an opening (app/starting.py), run
in the terminal, and what it ends with said on the command line."""

from __future__ import annotations

import sys
from pathlib import Path

from textual.app import App

from companion.app.app import CompanionApp, utc_now
from companion.app.logs import attach_textual_handler
from companion.app.starting import DemoOpening, Opening


def run_dashboard(event_path: Path, db: str | None, feed: str | None) -> int:
    """`companion run`: read the event file, show the first frame, then open the route, the
    log and the feed (CompanionApp._open), read the log and show the dashboard in its place
    (CompanionApp._show_dashboard)."""
    opening = Opening(event_path, db, feed, utc_now)
    status = _run(opening)
    if opening.session is not None and opening.session.log_note:
        print(f"companion: {opening.session.log_note}", file=sys.stderr)
    return status


def run_demo(speed: float) -> int:
    """`companion demo`: the bundled Unity Run 2021, replayed live into a temporary database;
    its first frame ("building the demo…") before the demo is built (DemoOpening.open)."""
    return _run(DemoOpening(speed))


def _run(opening: Opening) -> int:
    app = CompanionApp(opening, utc_now)
    attach_textual_handler()
    try:
        app.run()
    finally:
        opening.close()
    if opening.failure is not None:  # said on the command line, as before the screen
        raise opening.failure
    return exit_status(app)


def exit_status(app: App[None]) -> int:
    """0 after q (or a signal), 1 after a crash: Textual shows the traceback, sets 1 and exits
    the run normally, so without this `companion run` would say 0 to a crash."""
    return app.return_code or 0
