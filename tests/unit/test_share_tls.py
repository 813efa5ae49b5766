"""mqtts:// (issue 12): the event broker's config with TLS (a self-signed certificate made here),
a Publisher that trusts it through COMPANION_MQTT_CAFILE gets its status through, and one that
does not trust it is refused and says so, the password never in what it says."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.mosquitto import Broker, brokers, free_port, needs_mosquitto
from helpers.share_events import NOW, publishing, share_event, wait_for

from companion.service import EventSession
from companion.share.broker_config import Listener, event_acl, event_broker_conf

__all__ = ["brokers"]
pytestmark = [
    needs_mosquitto,
    pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed"),
]


def tls_broker(tmp_path: Path, brokers: Callable[..., Broker]) -> tuple[Broker, Path]:
    d = tmp_path / "tls"
    (d / "data").mkdir(parents=True)
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(d / "passwd"), "car1", "pw-tls-car1"],
                   check=True, capture_output=True, timeout=60)  # fmt: skip
    (d / "acl").write_text(event_acl("unity-run-2021-t3st"))
    port = free_port()
    listener = Listener(port, "127.0.0.1", str(cert), str(key))
    b = brokers("tls", port=port)
    b.raw = event_broker_conf(listener, str(d / "data"), str(d / "passwd"), str(d / "acl"))
    return b.start(), cert


async def test_mqtts_with_a_self_signed_certificate(
    tmp_path: Path, brokers: Callable[..., Broker], monkeypatch: pytest.MonkeyPatch
) -> None:
    b, cert = tls_broker(tmp_path, brokers)
    url = f"mqtts://car1:pw-tls-car1@127.0.0.1:{b.port}"
    event, db = share_event(tmp_path / "car1", url, "car1")
    s = EventSession.open(event, db)
    s.checkpoint("km 40", "2021-08-16T09:00", NOW)
    said: list[str] = []
    try:
        async with publishing(s, say=said.append) as pub:  # not trusting the certificate
            await wait_for(lambda: bool(pub.state.last_error), "the refusal")
            assert not pub.state.connected and pub.state.cursor == 0
        assert any("certificate" in line.lower() for line in said), said
        assert not any("pw-tls-car1" in line for line in said)
        monkeypatch.setenv("COMPANION_MQTT_CAFILE", str(cert))
        async with publishing(s, say=said.append) as pub:
            await wait_for(lambda: pub.state.cursor > 0, "the row over TLS")
            assert pub.state.connected
    finally:
        s.close()
