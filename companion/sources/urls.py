"""The form of a feed URL (kind, host, port), checked where it is read: the event file, --feed.

Pure and quick, no IO: whether the file or the serial device is there is for when the feed
opens (a receiver is often plugged in after the event file is written).
"""

from __future__ import annotations

from urllib.parse import urlsplit

KINDS = ("gpsd", "nmea", "nmea+tcp", "http", "https", "replay", "mqtt", "mqtts")
KNOWN = "gpsd://, nmea://, nmea+tcp://, nmea:PATH, http(s)://, replay:PATH, mqtt(s)://HOST/TOPIC"
_NEEDS_PORT = {"nmea+tcp"}  # gpsd has a default port (2947), http(s) theirs


def feed_url_problem(url: str) -> str | None:
    """What is wrong with the form of a feed URL, for a person; None if nothing is.

    The answer never quotes the URL (it may hold a password): the caller names it redacted.
    """
    text = url.strip()
    if not text:
        return "empty"
    try:
        parts = urlsplit(text)
        port = parts.port  # ValueError: "abc", 99999
    except ValueError:
        return "not a URL, or its port is not a number from 1 to 65535"
    scheme = parts.scheme.lower()
    if scheme not in KINDS:
        return f"unknown kind of feed; use {KNOWN}"
    if scheme in ("nmea", "replay"):
        return None if parts.path else "give a device or a file, as in nmea:///dev/ttyUSB0"
    if port == 0:
        return "the port must be a number from 1 to 65535"
    if scheme in ("http", "https", "mqtt", "mqtts") and not parts.hostname:
        return "no host in the URL"
    if scheme in ("mqtt", "mqtts") and not parts.path.strip("/"):
        return "give the topic, as in mqtt://HOST:1883/owntracks/USER/DEVICE"
    if scheme in _NEEDS_PORT and port is None:
        return "give a port, as in HOST:PORT"
    return None
