"""The form for `e`: change the time of the last manual entry.

A time that puts the entries out of km order or needs an impossible speed is refused with the
reason; Enter again on the same time saves it anyway, as in the checkpoint form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from companion.core.models import CompanionError, Fix, ImplausibleEntry

# (the time typed, force: save even if implausible)
SaveTime = Callable[[str, bool], Fix]


class EditTimeScreen(ModalScreen[Fix | None]):
    """Shows the entry and its time; Enter saves the new time, Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, entry_text: str, time_text: str, save: SaveTime, *, cursor_blink: bool = True
    ) -> None:
        super().__init__()
        self.entry_text = entry_text
        self.time_text = time_text
        self.save = save
        self.cursor_blink = cursor_blink
        self._warned: str | None = None  # the time the crew was warned about

    def compose(self) -> ComposeResult:
        with Vertical(id="form", classes="form"):
            yield Label("CHANGE THE TIME of the last entry", classes="form-title")
            yield Label(self.entry_text, id="entry")
            yield Label("new time (HH:MM, the latest past, or 2021-08-15T18:30)", classes="hint")
            yield Input(value=self.time_text, id="when", max_length=25)
            yield Label("", id="error", classes="form-error")
            yield Label("Enter save · Esc cancel", classes="hint")

    def on_mount(self) -> None:
        inp = self.query_one("#when", Input)
        inp.cursor_blink = self.cursor_blink
        inp.focus()

    @on(Input.Submitted)
    def _submit(self) -> None:
        typed = self.query_one("#when", Input).value.strip()
        try:
            fix = self.save(typed, typed == self._warned)
        except ImplausibleEntry as e:
            self._warned = typed
            self.query_one("#error", Label).update(f"! {e}. Enter again to save it anyway.")
            return
        except CompanionError as e:
            self._warned = None
            self.query_one("#error", Label).update(f"! {e}")
            return
        self.dismiss(fix)

    def action_cancel(self) -> None:
        self.dismiss(None)
