"""A one-line text prompt: what the athlete ate, a stop's note, the shift's note."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class NoteScreen(ModalScreen[str | None]):
    """Enter answers with the text typed (maybe empty); Esc answers None (nothing is done)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, hint: str, *, cursor_blink: bool = True) -> None:
        super().__init__()
        self.title_text = title
        self.hint = hint
        self.cursor_blink = cursor_blink

    def compose(self) -> ComposeResult:
        with Vertical(id="form", classes="form"):
            yield Label(self.title_text, classes="form-title")
            yield Input(placeholder="optional", id="note", max_length=300)
            yield Label(self.hint, classes="hint")

    def on_mount(self) -> None:
        box = self.query_one(Input)
        box.cursor_blink = self.cursor_blink
        box.focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
