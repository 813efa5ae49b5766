"""The three numbers read from the back seat: km today, km total of the route, km remaining."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Digits, Label

from companion.core.models import Progress


def _digits(value: float) -> str:
    # One decimal: 100 m is the finest step the crew can act on, and it keeps the width fixed.
    return f"{value:.1f}"


class BigNumbers(Widget):
    """Km today / km total / km to go, each in Textual's large `Digits` with a text label."""

    progress: reactive[Progress | None] = reactive(None)

    def compose(self) -> ComposeResult:
        for key, title in (("today", "KM TODAY"), ("total", "KM TOTAL"), ("togo", "KM TO GO")):
            with Vertical(classes="big-cell", id=f"big-{key}"):
                yield Label(title, classes="big-label", id=f"big-{key}-label")
                yield Digits("—", id=f"big-{key}-digits")

    def watch_progress(self, p: Progress | None) -> None:
        if p is None or not self.is_mounted:
            return
        for key, value in (("today", p.km_today), ("total", p.km_total), ("togo", p.km_remaining)):
            digits = self.query_one(f"#big-{key}-digits", Digits)
            if digits.value != _digits(value):  # an unchanged number is not laid out again
                digits.update(_digits(value))
        label = self.query_one("#big-total-label", Label)
        title = f"KM TOTAL of {p.route_km:.0f}"
        if label.content != title:
            label.update(title)

    def on_mount(self) -> None:
        self.watch_progress(self.progress)
