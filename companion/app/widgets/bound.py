"""Widgets repainted only when what they show changed (issue 11: each repaint re-rendered every
widget, the tables included, ~30 ms of CPU, though a new Progress usually changes a few cells).

A widget that draws `progress` with `render()` mixes in `ShowsChanges` and declares its
`progress` with `repaint=False`: on a new Progress the widget builds its renderable (cheap: a Rich
Text or Table is a list of strings) and asks for a repaint only if it differs from the one shown.
What costs is Textual laying that out into lines, which an unchanged widget now skips. Resizes,
theme and style changes still repaint through Textual's own paths, which call `render()` again.
"""

from __future__ import annotations

from collections.abc import Hashable

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widget import Widget


def fingerprint(renderable: object) -> Hashable | None:
    """What a renderable shows, comparable; None for a kind not known here (always repainted)."""
    if isinstance(renderable, str):
        return renderable
    if isinstance(renderable, Text):
        spans = tuple((s.start, s.end, str(s.style)) for s in renderable.spans)
        return ("text", renderable.plain, spans, str(renderable.style), renderable.justify,
                renderable.overflow, renderable.no_wrap, renderable.end)  # fmt: skip
    if isinstance(renderable, Table):
        columns = []
        for c in renderable.columns:
            cells = tuple(fingerprint(x) for x in c._cells)
            if any(x is None for x in cells):
                return None
            columns.append((fingerprint(c.header), cells, c.justify, c.ratio, c.no_wrap,
                            c.overflow, str(c.style), c.width))  # fmt: skip
        rows = tuple((str(r.style), r.end_section) for r in renderable.rows)
        return ("table", tuple(columns), rows, renderable.expand, renderable.show_header,
                str(renderable.box), renderable.padding)  # fmt: skip
    if isinstance(renderable, Group):
        parts = tuple(fingerprint(r) for r in renderable.renderables)
        return None if any(p is None for p in parts) else ("group", parts)
    return None


class ShowsChanges(Widget):
    """Repaint on a new `progress` only when the renderable differs (see the module's doc)."""

    _shown: Hashable | None = None

    def watch_progress(self) -> None:
        self.repaint_if_changed()

    _lines: Hashable | None = None

    def repaint_if_changed(self) -> None:
        """Build the renderable now; repaint if it is not the one on the screen, and lay the
        screen out again if its height follows its content and the content's lines changed (the
        days table's new day: a plain repaint kept the height of the first, one row)."""
        if not self.is_mounted:
            return
        renderable = self.render()
        shows = fingerprint(renderable)
        key = None if shows is None else (self.size, shows)
        if key is None or key != self._shown:
            self._shown = key
            height = self.styles.height
            if height is None or not height.is_auto:
                self.refresh()
                return
            lines = line_count(renderable)  # None: not known, laid out every time
            self.refresh(layout=lines is None or lines != self._lines)
            self._lines = lines


def line_count(renderable: object) -> Hashable | None:
    """What the height of a renderable depends on, comparable (None: not known here)."""
    if isinstance(renderable, str):
        return renderable.count("\n")
    if isinstance(renderable, Text):
        return renderable.plain.count("\n")
    if isinstance(renderable, Table):
        return ("table", renderable.row_count, renderable.show_header, bool(renderable.caption),
                bool(renderable.title))  # fmt: skip
    if isinstance(renderable, Group):
        return tuple(line_count(r) for r in renderable.renderables)
    return None
