"""`h`: the shift handover card, live; n writes the outgoing shift's note and logs the handover
(the next card starts there)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from rich.console import Group, RenderableType
from rich.text import Text
from textual.binding import Binding, BindingType

from companion import handover
from companion.app.screens.detail import DetailScreen
from companion.app.screens.note import NoteScreen
from companion.core.models import CompanionError
from companion.crew import Crew


class HandoverScreen(DetailScreen):
    """The card as `companion handover` prints it (text to read out or copy)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("n", "note", "Note & hand over")]

    def __init__(
        self,
        crew: Crew,
        clock: Callable[[], datetime],
        tz: ZoneInfo,
        changed: Callable[[], None],
        *,
        cursor_blink: bool = True,
    ) -> None:
        self.crew, self.clock, self.tz = crew, clock, tz
        self.changed = changed
        self.cursor_blink = cursor_blink
        super().__init__("HANDOVER", self._build, every_s=5.0)

    def _build(self) -> RenderableType:
        card = handover.build(self.crew, self.clock())
        hint = Text("\nn: the outgoing shift's note, and hand over (logged) · Esc back", "dim")
        return Group(Text(handover.text(card, self.tz)), hint)

    def action_note(self) -> None:
        def noted(text: str | None) -> None:
            if text is None:
                return
            try:
                card = handover.build(self.crew, self.clock(), note=text)
                handover.log(self.crew, card)
            except CompanionError as e:
                self.notify(str(e), title="Handover", severity="error")
                return
            self.notify("Handed over: the next shift starts now.", title="Handover")
            self.changed()
            self._refresh_table()

        form = NoteScreen("Handover: the outgoing shift's note", "Enter logs the handover · "
                          "Esc cancels", cursor_blink=self.cursor_blink)  # fmt: skip
        self.app.push_screen(form, noted)
