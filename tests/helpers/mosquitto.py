"""Real Mosquitto brokers on 127.0.0.1 for the sharing tests, and a subscriber that keeps what it
gets.

Each broker has its own config and persistence directory under the test's tmp dir and a random
port it keeps across restarts (so a bridge finds it again). `user root` is in every config: started
as root, Mosquitto drops to user `mosquitto` and then cannot write a root-owned persistence dir
(../shared/PEERS.md). Brokers are stopped by PID only. Skipped when mosquitto is missing, unless
COMPANION_REQUIRE_PEERS=1 (CI sets it), where a missing broker is a failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

MOSQUITTO = shutil.which("mosquitto") or next(
    (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if os.path.exists(p)), None
)
HAVE_MOSQUITTO = MOSQUITTO is not None
if not HAVE_MOSQUITTO and os.environ.get("COMPANION_REQUIRE_PEERS") == "1":
    raise RuntimeError("COMPANION_REQUIRE_PEERS=1 but mosquitto is not installed")
needs_mosquitto = pytest.mark.skipif(not HAVE_MOSQUITTO, reason="mosquitto not installed")

# Generous: a loaded 2-core machine is slow, not wrong. Nothing asserts on time.
WAIT_S = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(condition: Callable[[], bool], what: str, timeout_s: float = WAIT_S) -> None:
    """Poll `condition` until it holds; fail the test naming `what` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@dataclass
class Bridge:
    """A bridge from one broker to another: `out` topics go there, `in` topics come here."""

    to: Broker
    name: str
    out: tuple[str, ...] = ("companion/#",)
    into: tuple[str, ...] = ()
    username: str | None = None
    password: str | None = None


@dataclass
class Broker:
    """One mosquitto process with its own config; `start`, `stop` (SIGTERM saves), `kill` (-9)."""

    root: Path
    name: str
    port: int = field(default_factory=free_port)
    extra: str = ""  # more config lines (password_file, acl_file, listener options)
    bridges: list[Bridge] = field(default_factory=list)
    proc: subprocess.Popen[bytes] | None = None
    # A whole config of our own making (companion broker-config), listening on `port`.
    raw: str = ""

    @property
    def dir(self) -> Path:
        return self.root / self.name

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def config(self) -> str:
        if self.raw:
            return "user root\n" + self.raw
        lines = [
            "user root",
            f"listener {self.port} 127.0.0.1",
            "allow_anonymous true" if "allow_anonymous" not in self.extra else "",
            "persistence true",
            f"persistence_location {self.dir / 'data'}/",
            "autosave_interval 1",
            "log_dest stderr",
            "log_type all",
            self.extra,
        ]
        for b in self.bridges:
            lines += [
                f"connection {b.name}",
                f"address 127.0.0.1:{b.to.port}",
                f"remote_clientid {b.name}",
                "cleansession false",
                "restart_timeout 1",
                "start_type automatic",
                "try_private true",
                "notifications false",
            ]
            if b.username is not None:
                lines.append(f"remote_username {b.username}")
            if b.password is not None:
                lines.append(f"remote_password {b.password}")
            lines += [f"topic {t} out 1" for t in b.out]
            lines += [f"topic {t} in 1" for t in b.into]
        return "\n".join(line for line in lines if line) + "\n"

    def start(self) -> Broker:
        assert MOSQUITTO is not None
        assert self.proc is None or self.proc.poll() is not None, f"{self.name} is running"
        (self.dir / "data").mkdir(parents=True, exist_ok=True)
        conf = self.dir / "mosquitto.conf"
        conf.write_text(self.config())
        log = (self.dir / "mosquitto.log").open("ab")
        self.proc = subprocess.Popen(
            [MOSQUITTO, "-c", str(conf)], stdout=log, stderr=log, stdin=subprocess.DEVNULL
        )
        log.close()
        wait_until(self._listening, f"mosquitto {self.name} on port {self.port}")
        return self

    def _listening(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"mosquitto {self.name} exited:\n{self.log()[-2000:]}")
        with socket.socket() as s:
            s.settimeout(1.0)
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def stop(self) -> None:
        """SIGTERM: Mosquitto saves its persistence file and exits."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(WAIT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        """SIGKILL: what a crash or a power cut does (only what autosave wrote survives)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def pause(self) -> None:
        """SIGSTOP: a broker that hangs (its connections stay up, it answers nothing); `kill`
        ends it so."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGSTOP)

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        path = self.dir / "mosquitto.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def bridge_up(self, name: str, *, subscribed: bool | None = None) -> bool:
        """True once the log says the bridge `name` connected since the last start and, if it
        brings topics in (or `subscribed`), that the far broker acknowledged its subscription:
        only then is a message published there sure to come in."""
        text = self.log()
        marker = text.rfind("mosquitto version")  # this run's lines only
        run = text[marker:]
        # The bridge's local client is named "local.<name>" when remote_clientid is set.
        names = (name, f"local.{name}")
        if not any(f"Received CONNACK on connection {n}." in run for n in names):
            return False
        if subscribed is None:
            subscribed = any(b.name == name and b.into for b in self.bridges)
        return not subscribed or any(f"Received SUBACK from {n}\n" in run for n in names)


@pytest.fixture
def brokers(tmp_path: Path) -> Iterator[Callable[..., Broker]]:
    """Make brokers (`brokers("event")`); every one is stopped at teardown."""
    made: list[Broker] = []

    def make(
        name: str, *, extra: str = "", bridges: list[Bridge] | None = None, port: int = 0
    ) -> Broker:
        b = Broker(tmp_path / "brokers", name, extra=extra, bridges=bridges or [])
        b.port = port or b.port
        made.append(b)
        return b

    yield make
    for b in made:
        b.kill()


@dataclass
class Received:
    topic: str
    payload: bytes
    retain: bool


class Subscriber:
    """A paho client in its own thread that keeps every message it gets, in order.

    `persistent=True` is a persistent session (clean_session false, QoS 1): what is published while
    it is away, or while its broker restarts, is delivered when it is back.
    """

    def __init__(
        self,
        broker: Broker,
        topics: list[str],
        client_id: str,
        *,
        persistent: bool = True,
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        import paho.mqtt.client as mqtt

        self.topics = topics
        self.messages: list[Received] = []
        self._lock = threading.Lock()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=not persistent
        )
        if username is not None:
            self.client.username_pw_set(username, password)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(0.1, 1)
        self.subscribed = threading.Event()
        self.client.connect_async("127.0.0.1", broker.port, keepalive=10)
        self.client.loop_start()
        wait_until(self.subscribed.is_set, f"subscriber {client_id} subscribed")

    def _on_connect(self, client: object, userdata: object, flags: object, rc: object,
                    props: object = None) -> None:  # fmt: skip
        for t in self.topics:
            self.client.subscribe(t, qos=1)
        self.subscribed.set()

    def _on_message(self, client: object, userdata: object, msg: object) -> None:
        with self._lock:
            self.messages.append(Received(msg.topic, msg.payload, bool(msg.retain)))  # type: ignore[attr-defined]

    def got(self) -> list[Received]:
        with self._lock:
            return list(self.messages)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.disconnect()
        self.client.loop_stop()


def publish(
    broker: Broker,
    topic: str,
    payload: bytes | str,
    *,
    retain: bool = False,
    qos: int = 1,
    username: str | None = None,
    password: str | None = None,
) -> bool:
    """One publish with mosquitto_pub; True when the broker took it (exit status 0)."""
    args = ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(broker.port), "-t", topic, "-q", str(qos)]
    if retain:
        args.append("-r")
    if username is not None:
        args += ["-u", username, "-P", password or ""]
    data = payload.encode() if isinstance(payload, str) else payload
    args += ["-s"] if data else ["-n"]  # -n: a zero-length message (-s refuses empty input)
    return subprocess.run(args, input=data, capture_output=True, timeout=WAIT_S).returncode == 0
