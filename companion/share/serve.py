"""`companion serve`: the follower page and `/status.json`, read-only, over stdlib http.server.

    companion serve event.toml                       # from the event's own log
    companion serve mqtt://host:1883/<event>[/unit]  # from the retained statuses on a broker

`/status.json` is what `status --json` prints (from a broker: the unit's status message, which
is that plus unit, athlete, seq and sent); `/` is the page (share/page.py). Bound to 127.0.0.1
unless told otherwise. Nothing here writes: the log is opened read-only and replayed when it grows.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import threading
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

from companion.service import EventSession
from companion.share.config import Broker
from companion.status_doc import status_document

Clock = Callable[[], datetime]
# A phone that connects and says nothing holds the server's one thread this long at most, not
# until it goes away (every other follower waiting meanwhile, and a stop too).
SILENT_S = 10.0


class Status(Protocol):
    def current(self) -> tuple[dict[str, Any] | None, str]:
        """The status document to show (None: nothing yet) and the athlete's name."""

    def close(self) -> None: ...


class EventStatus:
    """The status of an event from its log, replayed when the log has grown or changed.

    Used from the server's one thread (its SQLite connections are that thread's)."""

    def __init__(self, session: EventSession, now: Clock) -> None:
        self.session = session
        self._now = now
        self._seen: tuple[int, int] | None = None

    def _changed(self) -> bool:
        db = self.session.db_path
        if not db.exists():
            return False
        uri = f"file:{quote(str(db.absolute()))}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=5.0)) as c:
            top, n = c.execute("SELECT coalesce(max(id), 0), count(*) FROM events").fetchone()
        seen, self._seen = self._seen, (int(top), int(n))
        return seen is not None and seen != self._seen

    def current(self) -> tuple[dict[str, Any] | None, str]:
        s = self.session
        if self._changed():
            s.replay()
        return status_document(s, s.now(self._now())), s.event.athlete

    def close(self) -> None:
        self.session.close()


class BrokerStatus:
    """The retained statuses of an event's units, kept up to date by a watcher thread."""

    def __init__(self, broker: Broker, event: str, unit: str | None = None) -> None:
        self.broker, self.event, self.unit = broker, event, unit
        self.docs: dict[str, dict[str, Any]] = {}
        self.connected = False
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="status-watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from companion.share.watch import watch  # aiomqtt only for a broker

        def state(connected: bool, detail: str) -> None:
            self.connected = connected

        with contextlib.suppress(asyncio.CancelledError):
            self._loop.run_until_complete(watch(self.broker, self.event, self._take, state))

    def _take(self, unit: str, kind: str, data: bytes) -> None:
        if kind != "status" or (self.unit is not None and unit != self.unit):
            return
        try:
            doc = json.loads(data) if data else None
        except (ValueError, RecursionError):
            return
        if isinstance(doc, dict):
            with self._lock:
                self.docs[unit] = doc

    def current(self) -> tuple[dict[str, Any] | None, str]:
        with self._lock:
            docs = list(self.docs.values())
        if not docs:
            return None, ""
        doc = max(docs, key=lambda d: str(d.get("sent") or ""))  # the freshest unit
        return doc, str(doc.get("athlete") or "")

    def close(self) -> None:
        # The watcher's tasks are listed and cancelled in its own thread (all_tasks of a loop
        # running in another thread reads a set that thread changes).
        self._loop.call_soon_threadsafe(self._cancel_all)

    def _cancel_all(self) -> None:
        for task in asyncio.all_tasks(self._loop):
            task.cancel()


def make_server(host: str, port: int, status: Status, wall: Clock) -> HTTPServer:
    """An HTTP server (one thread) answering `/`, `/status.json` from `status`."""
    from companion.share.page import page_html

    class Handler(BaseHTTPRequestHandler):
        server_version = "Companion"
        timeout = SILENT_S

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path not in ("/", "/index.html", "/status.json"):
                self._send(404, "text/plain; charset=utf-8", b"not found\n")
                return
            doc, athlete = status.current()
            if path == "/status.json":
                if doc is None:
                    self._send(503, "application/json", b'{"error": "no status yet"}\n')
                else:
                    body = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
                    self._send(200, "application/json; charset=utf-8", body.encode())
                return
            html = page_html(doc or {}, wall(), athlete) if doc else _waiting()
            self._send(200, "text/html; charset=utf-8", html.encode())

        def _send(self, code: int, kind: str, body: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # a follower's phone polling is not news

    return HTTPServer((host, port), Handler)


def _waiting() -> str:
    return (
        "<!doctype html><html><head><meta charset=utf-8><meta http-equiv=refresh content=10>"
        "<meta name=viewport content='width=device-width'></head>"
        "<body><p>No status yet: waiting for the car.</p></body></html>"
    )


__all__ = ["BrokerStatus", "EventStatus", "make_server"]
