"""The event file's `[share]` table and MQTT broker URLs.

    [share]
    broker = "mqtt://127.0.0.1:1883"   # the car's own Mosquitto; mqtts:// for TLS
    unit = "car1"                      # this car's name on the broker
    peers = ["car2"]                   # the other cars of the same athlete

Credentials go in the URL (`mqtt://user:password@host`) or in COMPANION_MQTT_USER /
COMPANION_MQTT_PASSWORD. They are never shown, logged or stored: anything that prints a broker
URL goes through `event.redact`, and the reprs here hide the password.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from companion.event import EventError, redact, toml_string

SCHEMES = {"mqtt": 1883, "mqtts": 8883}
USER_ENV = "COMPANION_MQTT_USER"
PASSWORD_ENV = "COMPANION_MQTT_PASSWORD"
KEYS = ("broker", "unit", "peers")
# A unit is one topic level: lowercase letters, digits, single hyphens or underscores; no MQTT
# wildcard or separator can slip into a topic through it.
_UNIT = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
MAX_UNIT_LEN = 32


@dataclass(frozen=True, slots=True, repr=False)
class Broker:
    """Where a broker is and who we are to it. `password` is never printed (see __repr__)."""

    host: str
    port: int
    tls: bool
    username: str | None = None
    password: str | None = None
    path: str = ""  # what follows host:port without its slash ("unity-run-2021-k3f9")

    @property
    def shown(self) -> str:
        """The broker for people: scheme, user, host and port; never the password."""
        user = f"{self.username}@" if self.username else ""
        return f"{'mqtts' if self.tls else 'mqtt'}://{user}{self.host}:{self.port}"

    def __repr__(self) -> str:
        return f"Broker({self.shown!r}, path={self.path!r})"


def parse_broker_url(
    url: str, *, env: Mapping[str, str] | None = None, what: str = "broker"
) -> Broker:
    """An `mqtt://` or `mqtts://` URL as a Broker; credentials from the URL, else from `env`.

    Raises:
        EventError: not such a URL (the message shows it redacted).
    """
    env = os.environ if env is None else env
    if not isinstance(url, str) or not url.strip():
        raise EventError(f"{what}: must be a URL such as mqtt://127.0.0.1:1883")
    shown = redact(url)
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as e:  # its message may quote a password ("could not be cast ... 'pw'")
        if "@" in url and "@" not in parts.netloc:  # a raw / ? or # ended it in the password
            raise EventError(
                f"{what} {shown}: write a / ? or # of the user or password as %2F %3F %23"
            ) from None
        raise EventError(f"{what} {shown}: {'a bad host or port' if '@' in url else e}") from None
    if parts.scheme not in SCHEMES:
        raise EventError(f"{what} {shown}: use mqtt:// or mqtts:// (TLS)")
    if not parts.hostname:
        raise EventError(f"{what} {shown}: no host (like mqtt://127.0.0.1:1883)")
    if parts.query or parts.fragment:
        raise EventError(f"{what} {shown}: no ?query or #fragment here")
    username = unquote(parts.username) if parts.username else env.get(USER_ENV) or None
    password = unquote(parts.password) if parts.password is not None else None
    if password is None and username is not None:
        password = env.get(PASSWORD_ENV) or None
    return Broker(
        host=parts.hostname,
        port=port if port is not None else SCHEMES[parts.scheme],
        tls=parts.scheme == "mqtts",
        username=username,
        password=password,
        path=parts.path.strip("/"),
    )


def unit_problem(value: object) -> str | None:
    """Why `value` cannot name a unit (one topic level), or None when it can."""
    if not isinstance(value, str):
        return f"must be a string, not {value!r}"
    if len(value) > MAX_UNIT_LEN:
        return f"{value!r} is longer than {MAX_UNIT_LEN} characters"
    if not _UNIT.match(value):
        return f'{value!r}: use lowercase letters and digits, joined by - or _ (like "car1")'
    return None


@dataclass(frozen=True, slots=True, repr=False)
class ShareConfig:
    """The `[share]` table. `broker` is as written and may hold a password: print `shown`."""

    broker: str
    unit: str
    peers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        parse_broker_url(self.broker, env={}, what="share.broker")  # its form, not its secrets
        if (problem := unit_problem(self.unit)) is not None:
            raise EventError(f"share.unit: {problem}")
        for peer in self.peers:
            if (problem := unit_problem(peer)) is not None:
                raise EventError(f"share.peers: {problem}")
        if self.unit in self.peers:
            raise EventError(f"share.peers: {self.unit!r} is this car's own unit")
        if len(set(self.peers)) != len(self.peers):
            raise EventError("share.peers: a unit is listed twice")

    def connect_to(self, env: Mapping[str, str] | None = None) -> Broker:
        """The broker to publish to, with credentials from the URL or the environment."""
        return parse_broker_url(self.broker, env=env, what="share.broker")

    @property
    def shown(self) -> str:
        return redact(self.broker)

    def __repr__(self) -> str:
        return f"ShareConfig(broker={self.shown!r}, unit={self.unit!r}, peers={self.peers!r})"


def parse_share(table: object) -> ShareConfig:
    """The `[share]` table of an event file.

    Raises:
        EventError: not a table, an unknown or missing key, or a bad value (named with its key).
    """
    if not isinstance(table, dict):
        raise EventError("share: must be a table ([share] with broker, unit, peers)")
    data: dict[str, Any] = table
    for key in data:
        if key not in KEYS:
            raise EventError(f"share: unknown key {key!r}; known keys: {', '.join(KEYS)}")
    for key in ("broker", "unit"):
        if key not in data:
            raise EventError(f"share: missing key {key!r} (required: broker, unit)")
    peers = data.get("peers", [])
    if not isinstance(peers, list):
        raise EventError(f'share.peers: must be a list of units, like ["car2"], not {peers!r}')
    return ShareConfig(broker=data["broker"], unit=data["unit"], peers=tuple(peers))


def share_toml(cfg: ShareConfig) -> list[str]:
    """The `[share]` table's lines for the event file (a table: it must come last)."""
    peers = ", ".join(toml_string(p) for p in cfg.peers)
    return [
        "",
        "[share]",
        f"broker = {toml_string(cfg.broker)}",
        f"unit = {toml_string(cfg.unit)}",
        f"peers = [{peers}]",
    ]
