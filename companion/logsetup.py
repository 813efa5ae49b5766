"""Python logging, configured once by the command line: `-v` / `-vv` and `--log FILE`.

Without either, warnings and errors go to stderr (for the dashboard: nowhere on the screen, it
would garble it; the app adds Textual's handler). `-v` adds the feed's comings and goings, `-vv`
everything, the HTTP client's too. Every line goes through `SecretsHidden`: a URL in a message
is redacted as everywhere else (event.redact), and the values of the credential variables are
replaced, so no password or token reaches a terminal or a file.
"""

from __future__ import annotations

import logging
import os
import re
import sys

from companion.redact import redact

# The environment variables that hold credentials (sources/http.py, share/config.py read them).
SECRET_ENV = (
    "COMPANION_FEED_USER",
    "COMPANION_FEED_PASSWORD",
    "COMPANION_FEED_TOKEN",
    "COMPANION_MQTT_USER",
    "COMPANION_MQTT_PASSWORD",
)
# A URL in a log line: scheme://anything up to a space or a quote.
_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")
FILE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
STDERR_FORMAT = "companion: %(levelname)s %(name)s: %(message)s"
# Ours are marked so that configuring twice (tests call main() many times) replaces them.
_OURS = "_companion_handler"


def hide_secrets(text: str, env: dict[str, str] | None = None) -> str:
    """`text` with each URL redacted and the credential variables' values replaced by ***."""
    text = _URL.sub(lambda m: redact(m.group(0)), text)
    values = os.environ if env is None else env
    for name in SECRET_ENV:
        secret = values.get(name, "")
        if len(secret) >= 3:  # a one- or two-letter value would blank out ordinary words
            text = text.replace(secret, "***")
    return text


class SecretsHidden(logging.Formatter):
    """A formatter whose output (message, arguments and traceback alike) hides secrets."""

    def format(self, record: logging.LogRecord) -> str:
        return hide_secrets(super().format(record))


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """stderr as it is at each record, not as it was when configured (a test's capture, a
    stream replaced after a closed terminal)."""

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def level_for(verbose: int) -> int:
    return logging.WARNING if verbose <= 0 else logging.INFO if verbose == 1 else logging.DEBUG


def configure(verbose: int = 0, log_file: str | None = None, *, screen: bool = False) -> None:
    """Set up the root logger's handlers for this run.

    Args:
        verbose: the number of -v given.
        log_file: append every record at that level to this file (created if need be).
        screen: the command draws a full-screen UI: no stderr handler (see
            companion.app.logs for the one it uses instead).

    Raises:
        OSError: the log file cannot be opened (the CLI says so in one line).
    """
    root = logging.getLogger()
    for h in [h for h in root.handlers if getattr(h, _OURS, False)]:
        root.removeHandler(h)
        h.close()
    level = level_for(verbose)
    root.setLevel(level)
    # -v means our records; only -vv opens the HTTP client's chatter (its debug has headers).
    for noisy in ("httpx", "httpcore", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose >= 2 else logging.WARNING)
    handlers: list[logging.Handler] = []
    if log_file:
        fh = logging.FileHandler(log_file, encoding="utf-8")
        fh.setFormatter(SecretsHidden(FILE_FORMAT))
        handlers.append(fh)
    if not screen:
        sh = _Stderr()
        sh.setFormatter(SecretsHidden(STDERR_FORMAT))
        handlers.append(sh)
    for h in handlers:
        h.setLevel(level)
        setattr(h, _OURS, True)
        root.addHandler(h)


def mark_ours(handler: logging.Handler) -> logging.Handler:
    """Mark a handler added elsewhere (the dashboard's) so the next configure removes it."""
    setattr(handler, _OURS, True)
    return handler
