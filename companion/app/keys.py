"""The dashboard's keys, apart from its screen so that the first frame (app/starting.py) shows
the same footer without importing the dashboard (the route's numpy and pyproj, the session)."""

from __future__ import annotations

from textual.binding import Binding, BindingType

from companion.core.stops import TAGS

# Not in the footer (CLI-GLANCE keeps it to what fits at 80 columns): the help screen and the
# crew line under the big numbers say them.
CREW_BINDINGS = [
    *(Binding(str(i), f"tag({i})", f"Tag {t}", show=False) for i, t in enumerate(TAGS, 1)),
    Binding("f", "ate", "Ate", show=False),
    Binding("w", "drank", "Drank", show=False),
    Binding("S", "stops", "Stops", show=False),
    Binding("h", "handover", "Handover", show=False),
]

DASHBOARD_BINDINGS: list[BindingType] = [
    Binding("c", "checkpoint", "Checkpoint"),
    Binding("u", "undo", "Undo"),
    Binding("e", "edit_time", "Time"),
    # One key: "Stop" while moving, "Go" while stopped (check_action shows the one in force).
    Binding("s", "stop", "Stop"),
    Binding("s", "go", "Go"),
    Binding("d", "days", "Days"),
    Binding("t", "towns", "Towns"),
    # Not in the footer (help and the palette list it): at 80 columns "? Help" must fit.
    Binding("l", "log", "Log", show=False),
    *CREW_BINDINGS,  # 1-6 tag a stop, f, w, S, h: their actions in crew_actions.py
]
