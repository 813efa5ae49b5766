"""The follower page's one server thread is not held by a client that connects and says nothing
(a phone losing coverage mid-request): it is dropped after SILENT_S and the next follower is
answered. Before, every follower waited as long as that connection stayed open, and a stop
with them. A real HTTP server on 127.0.0.1 and real sockets."""

from __future__ import annotations

import json
import socket
import threading
import urllib.request
from datetime import UTC, datetime
from typing import Any

import pytest

from companion.share import serve

DOC = {"km_total": 70.0, "athlete": "Sufiya Khan"}


class Fixed:
    """A status that never changes (the page's source is not what is tested here)."""

    def current(self) -> tuple[dict[str, Any] | None, str]:
        return DOC, "Sufiya Khan"

    def close(self) -> None:
        pass


def test_a_silent_client_does_not_hold_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(serve, "SILENT_S", 0.5)
    server = serve.make_server("127.0.0.1", 0, Fixed(), lambda: datetime.now(UTC))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        with socket.create_connection((str(host), port), timeout=30) as silent:
            silent.sendall(b"GET /status.json HTTP/1.1\r\n")  # and then nothing more
            url = f"http://{host!s}:{port}/status.json"
            with urllib.request.urlopen(url, timeout=30) as r:  # before: timed out here
                assert json.loads(r.read()) == DOC
            assert silent.recv(100) == b""  # the server gave up on it and closed it
    finally:
        server.shutdown()
        server.server_close()
        thread.join(30)
