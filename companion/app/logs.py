"""Log records while the dashboard runs: through Textual's handler (`textual console` shows
them), never printed under the screen; the CLI's --log file goes on taking them as well."""

from __future__ import annotations

import logging

from textual.logging import TextualHandler

from companion.logsetup import STDERR_FORMAT, SecretsHidden, mark_ours


def attach_textual_handler() -> logging.Handler:
    """Add (once per configure) a TextualHandler at the root's level, secrets hidden."""
    root = logging.getLogger()
    for h in root.handlers:
        if isinstance(h, TextualHandler):
            return h
    # stderr=False: a record logged between runs must not land on the terminal either.
    handler = mark_ours(TextualHandler(stderr=False))
    handler.setFormatter(SecretsHidden(STDERR_FORMAT))
    handler.setLevel(root.level)
    root.addHandler(handler)
    return handler
