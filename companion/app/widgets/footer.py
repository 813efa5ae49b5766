"""The dashboard's footer: the keys that fit the width, `? Help` and `q Quit` always among them.

Textual's Footer lays every shown binding out in a row and lets the last ones fall off the right
edge: at 80 columns that was `q Quit`, and each key someone adds pushes more off. Here the keys
are chosen by the room there is: `?` and `q` first, then the screen's keys in their order, then
the command palette's; the rest are in the help screen (`?`) and the palette (ctrl+p).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

# Always shown, whatever the width (the crew must be able to find help and to quit).
PINNED = ("help", "quit")
# Cells around each key in Textual's (non-compact) footer: " k " then "Description ".
KEY_PADDING = 3
# The palette key is docked right with a border of one cell and its own padding.
PALETTE_EXTRA = 2


def key_width(key_display: str, description: str) -> int:
    return len(key_display) + len(description) + KEY_PADDING


def choose(keys: list[tuple[str, int]], width: int, pinned: tuple[str, ...] = PINNED) -> list[str]:
    """The actions to show, in their order, from (action, width) pairs: the pinned ones
    always, then the others in order while they fit beside them."""
    shown = {a for a, _w in keys if a in pinned}
    used = sum(w for a, w in keys if a in shown)
    for action, w in keys:
        if action in shown:
            continue
        if used + w > width:
            break  # in order: a later short key does not jump an earlier long one
        shown.add(action)
        used += w
    return [a for a, _w in keys if a in shown]


class GlanceFooter(Footer):
    """A Footer that never cuts `q Quit`: see the module's docstring."""

    def __init__(self) -> None:
        super().__init__(show_command_palette=True)
        self._laid_out_for = 0

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        width = self.size.width or self.app.size.width
        self._laid_out_for = width
        seen: dict[str, tuple[Binding, bool, str]] = {}
        for _node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if binding.show and binding.action not in seen:
                seen[binding.action] = (binding, enabled, tooltip)
        # The pinned keys sit at the right end, as Textual's app keys did.
        order = [a for a in seen if a not in PINNED] + [a for a in PINNED if a in seen]
        keys = [
            (a, key_width(self.app.get_key_display(seen[a][0]), seen[a][0].description))
            for a in order
        ]
        palette = self._palette()
        palette_w = 0 if palette is None else key_width(*palette[1:3]) + PALETTE_EXTRA
        chosen = choose(keys, width)
        if palette is not None and sum(w for a, w in keys if a in chosen) + palette_w <= width:
            chosen_palette = palette
        else:
            chosen_palette = None
        for action in chosen:
            binding, enabled, tooltip = seen[action]
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                disabled=not enabled,
                tooltip=tooltip,
            ).data_bind(compact=Footer.compact)
        if chosen_palette is not None:
            binding, key_display, description, enabled = chosen_palette
            yield FooterKey(
                binding.key,
                key_display,
                description,
                binding.action,
                classes="-command-palette",
                disabled=not enabled,
                tooltip=binding.tooltip or description,
            )

    def _palette(self) -> tuple[Binding, str, str, bool] | None:
        if not (self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE):
            return None
        found = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        if found is None:
            return None
        _node, binding, enabled, _tooltip = found
        return binding, self.app.get_key_display(binding), binding.description, enabled

    def on_resize(self) -> None:
        # Before the bindings are ready there is nothing laid out: their own recompose (Footer's
        # bindings_changed) lays the keys out for the width then. A second one here, queued by
        # the first resize at mount, was one more pass before the first frame was whole.
        if self._bindings_ready and self.size.width != self._laid_out_for:
            self.call_after_refresh(self.recompose)
