"""Mosquitto configuration for sharing (issue 12): the event's broker with its ACL, and a car's
own broker bridged to it. `companion broker-config` writes them; docs/sharing.md explains them.

The event broker's ACL gives each unit (its username is its unit) its own subtree to write and
the event to read; followers and the organiser only read: a `deny` on the subtree a pattern would
give them (Mosquitto handles deny before any grant). Nothing here writes a password: the car's
bridge gets a placeholder to replace, and the password file is made with `mosquitto_passwd`.
"""

from __future__ import annotations

from dataclasses import dataclass

from companion.event_id import slugify
from companion.share.topics import ROOT

PASSWORD_PLACEHOLDER = "CHANGE-ME"  # the unit's password on the event broker, put in by hand


def event_acl(event: str, followers: tuple[str, ...] = ()) -> str:
    """The event broker's acl_file: units write their own subtree; followers only read."""
    lines = [
        f"# Companion event {event}: the username of a car is its unit (share.unit).",
        "# A unit writes only its own subtree and its OwnTracks topics, and reads the event.",
        f"pattern readwrite {ROOT}/{event}/%u/#",
        "pattern readwrite owntracks/+/%u",
        "pattern readwrite owntracks/+/%u/info",
        f"pattern read {ROOT}/{event}/#",
        "pattern read owntracks/#",
        "",
        "# Followers and the organiser: read only (deny what the patterns would let them write).",
    ]
    for name in followers:
        lines += [
            f"user {name}",
            f"topic deny {ROOT}/{event}/{name}/#",
            f"topic deny owntracks/+/{name}",
            f"topic deny owntracks/+/{name}/info",
            "",
        ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class Listener:
    port: int = 1883
    host: str = ""  # "" every interface; "127.0.0.1" loopback only
    certfile: str | None = None  # TLS (mqtts://) with these
    keyfile: str | None = None


def event_broker_conf(listener: Listener, data_dir: str, password_file: str, acl_file: str) -> str:
    """The event broker's mosquitto.conf: passwords, the ACL, persistence, optional TLS."""
    lines = [
        "# Companion: the event's broker (every car bridges to it; the board and followers read).",
        "per_listener_settings false",
        f"listener {listener.port}{' ' + listener.host if listener.host else ''}",
    ]
    if listener.certfile and listener.keyfile:
        lines += [f"certfile {listener.certfile}", f"keyfile {listener.keyfile}"]
    lines += [
        "allow_anonymous false",
        f"password_file {password_file}",
        f"acl_file {acl_file}",
        "persistence true",
        f"persistence_location {data_dir.rstrip('/')}/",
        "# Save at once: a car's bridge counts a row delivered once this broker acknowledged it.",
        "autosave_on_changes true",
        "autosave_interval 1",
        "# A follower's phone away for a day still gets the log (the default is 1000).",
        "max_queued_messages 100000",
        "log_dest stderr",
    ]
    return "\n".join(lines) + "\n"


def car_broker_conf(
    event: str,
    unit: str,
    peers: tuple[str, ...],
    athlete: str,
    remote: str,
    data_dir: str,
    *,
    local_port: int = 1883,
    remote_tls_cafile: str | None = None,
) -> str:
    """A car's own mosquitto.conf: loopback for Companion, bridged to the event broker at
    `remote` ("host:port"), its own subtree out and only its peers' log and pos in."""
    own = f"{ROOT}/{event}/{unit}"
    who = slugify(athlete, 32)
    lines = [
        f"# Companion: the broker of car {unit} (Companion publishes here; it forwards).",
        f"listener {local_port} 127.0.0.1",
        "# Loopback only; add a listener with a password_file for phones on the hotspot.",
        "allow_anonymous true",
        "persistence true",
        f"persistence_location {data_dir.rstrip('/')}/",
        "# Save at once: Companion's outbox cursor passes a row once this broker acknowledged it.",
        "autosave_on_changes true",
        "autosave_interval 1",
        "max_queued_messages 100000",
        "log_dest stderr",
        "",
        f"connection {event}-{unit}",
        f"address {remote}",
        f"remote_clientid bridge-{event}-{unit}",
        f"remote_username {unit}",
        f"remote_password {PASSWORD_PLACEHOLDER}",
        "# The event broker keeps what it has not delivered to us, and we what we have not sent.",
        "cleansession false",
        "restart_timeout 2 30",
        "start_type automatic",
        "notifications false",
    ]
    if remote_tls_cafile:
        lines.append(f"bridge_cafile {remote_tls_cafile}")
    # Out: only this car's own subtree (a restarted car must not push stale copies of other
    # units' retained statuses over newer ones). In: only what the car needs.
    lines += [f"topic {own}/# out 1", f"topic owntracks/{who}/{unit} out 1",
              f"topic owntracks/{who}/{unit}/info out 1"]  # fmt: skip
    for peer in peers:
        lines += [f"topic {ROOT}/{event}/{peer}/log in 1", f"topic {ROOT}/{event}/{peer}/pos in 1"]
    return "\n".join(lines) + "\n"
