"""A full-screen view of one table (days, towns, log), refreshed while it is open."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.console import RenderableType
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Label, Static

Build = Callable[[], RenderableType]


class DetailScreen(Screen[None]):
    """A title, a scrollable table built by `build`, and the footer. Esc goes back.

    `build` is called on open and every `every_s` seconds so the view stays live; it only reads.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back")]

    def __init__(self, title: str, build: Build, *, every_s: float = 1.0) -> None:
        super().__init__()
        self.title_text = title
        self.build = build
        self.every_s = every_s

    def compose(self) -> ComposeResult:
        yield Label(self.title_text, classes="detail-title")
        with VerticalScroll(classes="detail-body"):
            yield Static(self.build(), classes="detail-table")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()
        self.set_interval(self.every_s, self._refresh_table)

    def _refresh_table(self) -> None:
        self.query_one(".detail-table", Static).update(self.build())

    def action_back(self) -> None:
        self.dismiss(None)
