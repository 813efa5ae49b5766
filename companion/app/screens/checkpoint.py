"""The checkpoint form: where the athlete is (town, km, lat,lon or +km) and when.

The form does not parse anything itself: it hands the text to `save`, which is the session's
checkpoint (parse, commit, apply). A refusal comes back as a CompanionError whose message is shown
inside the form, with the typed text kept, so nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Label

from companion.core.models import CompanionError, Fix, ImplausibleEntry, Progress
from companion.core.route import Route, fold

Complete = Callable[[str], list[str]]
# (what was typed, the time typed or None for now, force: save even if implausible)
SaveCheckpoint = Callable[[str, str | None, bool], Fix]


class TownSuggester(Suggester):
    """Completes a town name case- and accent-insensitively from the route's towns."""

    def __init__(self, complete: Complete) -> None:
        # No cache: cheap, and the Input hands us casefolded text anyway.
        super().__init__(use_cache=False, case_sensitive=False)
        self.complete = complete

    async def get_suggestion(self, value: str) -> str | None:
        if not value.strip():
            return None
        key = fold(value)
        for name in self.complete(value):
            # The Input draws the suggestion's tail after the typed text, so only a real prefix
            # (same length once folded) can be shown; "contains" matches go to the list below.
            if fold(name).startswith(key) and len(fold(name[: len(value)])) == len(key):
                return name
        return None


class CheckpointScreen(ModalScreen[Fix | None]):
    """A modal form: Enter saves, Esc cancels, → accepts the suggested town."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        complete: Complete,
        save: SaveCheckpoint,
        now_text: str,
        *,
        cursor_blink: bool = True,
        example_town: str = "",
        example_km: float | None = None,
    ) -> None:
        super().__init__()
        self.complete = complete
        self.save = save
        self.now_text = now_text
        # The examples are of this route (a town on it, a km within it), not of another event.
        self.example_town = example_town
        self.example_km = example_km
        # The entry the crew was warned about: Enter again on the same entry saves it anyway.
        self._warned: tuple[str, str | None] | None = None
        self.cursor_blink = cursor_blink

    def compose(self) -> ComposeResult:
        with Vertical(id="form", classes="form"):
            yield Label("CHECKPOINT: where is the athlete?", classes="form-title")
            km = f"km {self.example_km:.0f}" if self.example_km is not None else "km 12"
            yield Label(f"a town, {km}, lat,lon or +5 (km since the last entry)", classes="hint")
            yield Input(
                placeholder=self.example_town or "a town of the route",
                id="where",
                suggester=TownSuggester(self.complete),
            )
            yield Label("", id="matches", classes="hint")
            yield Label("time (HH:MM, the latest past; leave as is for now)", classes="hint")
            yield Input(value=self.now_text, id="when", max_length=25)
            yield Label("", id="error", classes="form-error")
            yield Label("Enter save · Esc cancel · → accept the suggestion", classes="hint")

    def on_mount(self) -> None:
        for inp in self.query(Input):
            inp.cursor_blink = self.cursor_blink
        self.query_one("#where", Input).focus()

    @on(Input.Changed, "#where")
    def _show_matches(self, event: Input.Changed) -> None:
        names = self.complete(event.value) if event.value.strip() else []
        shown = ", ".join(names[:5]) + (" …" if len(names) > 5 else "")
        self.query_one("#matches", Label).update(f"towns: {shown}" if names else "")

    @on(Input.Submitted)
    def _submit(self) -> None:
        where = self.query_one("#where", Input).value
        when = self.query_one("#when", Input).value.strip()
        # The default time means "now": pass None so the entry gets the exact current time.
        time_text = None if when in ("", self.now_text) else when
        entry = (where, time_text)
        try:
            fix = self.save(where, time_text, entry == self._warned)
        except ImplausibleEntry as e:
            self._warned = entry
            self.query_one("#error", Label).update(f"! {e}. Enter again to save it anyway.")
            self.add_class("-error")
            self.query_one("#where", Input).focus()
            return
        except CompanionError as e:
            self._warned = None
            self.query_one("#error", Label).update(f"! {e}")
            self.add_class("-error")
            self.query_one("#where", Input).focus()
            return
        self.dismiss(fix)

    def action_cancel(self) -> None:
        self.dismiss(None)


def checkpoint_examples(progress: Progress | None, route: Route) -> dict[str, Any]:
    """The form's examples for this route: the next town (else the first), and a km a little
    ahead of the athlete, inside the route."""
    town = ""
    if progress is not None and progress.next_town is not None:
        town = progress.next_town.name
    elif route.towns:
        town = route.towns[0].name
    at = progress.km_total if progress is not None else 0.0
    km = min(at + 5.0, route.length_km) if route.length_km > 0 else None
    return {"example_town": town, "example_km": km}
