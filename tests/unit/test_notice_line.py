"""The notice line's text: a title once, a warning marked, one line whatever the message."""

from __future__ import annotations

from companion.app.widgets.notice import Notice


def line(title: str, message: str, severity: str = "information") -> str:
    return Notice(title, message, severity, until=0.0).line()


def test_title_then_message() -> None:
    assert line("Checkpoint", "Saved: Valsad (km 40.0)") == "Checkpoint: Saved: Valsad (km 40.0)"


def test_a_message_that_begins_with_its_title_is_not_titled_twice() -> None:
    assert line("Ate", "Ate at 20:38: banana") == "Ate at 20:38: banana"
    assert line("Feed", "Feed LOST: timed out", "warning") == "! Feed LOST: timed out"


def test_a_message_over_several_lines_is_one_line() -> None:
    assert line("Log", "disk full\n  try again", "error") == "! Log: disk full try again"
