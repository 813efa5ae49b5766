"""Hiding the secrets of a feed URL before it is printed or logged (`redact`)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

# Query or fragment parameters whose value is hidden; matched as substrings of the lowercased name
# so `api_key`, `access_token` and `Authorization` are caught too.
_SECRET_NAMES = ("token", "key", "password", "passwd", "secret", "auth", "sig")
_HIDDEN = "***"


def redact(url: str) -> str:
    """`url` with its secrets hidden: the userinfo password (or a lone userinfo, which is often a
    token) and secret-looking parameters.

    Everything that prints or logs a feed URL goes through this. A string that is not a URL (a
    serial device path) comes back unchanged; one that cannot be parsed is hidden whole rather than
    risk printing a secret.
    """
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" not in netloc and (spilled := _spilled_credentials(url)) is not None:
            return redact(spilled)
        if "@" in netloc:
            userinfo, _, hostport = netloc.rpartition("@")
            user, sep, _password = userinfo.partition(":")
            # A userinfo without a password is often a token (https://TOKEN@host): hide it too.
            netloc = f"{user}:{_HIDDEN}@{hostport}" if sep else f"{_HIDDEN}@{hostport}"
        return urlunsplit(
            (
                parts.scheme,
                netloc,
                parts.path,
                _redact_params(parts.query),
                _redact_params(parts.fragment),
            )
        )
    except ValueError:
        return "<feed URL hidden: cannot parse it>"


def _spilled_credentials(url: str) -> str | None:
    """`url` with its userinfo hidden when a raw / ? or # in a password ended the authority early
    for urlsplit (the rest of the password then reads as path, query or fragment); None when no
    "@" followed by a host comes after the scheme. A path holding "@host" is hidden too: better
    too much than a password."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return None
    for at in reversed([i for i, c in enumerate(rest) if c == "@"]):
        if _HOST.match(rest, at + 1):
            user, colon, _password = rest[:at].partition(":")
            plain = colon and not any(c in user for c in "/?#")
            return f"{scheme}://{user + ':' if plain else ''}{_HIDDEN}@{rest[at + 1 :]}"
    return None


# A host (name, IPv4 or [IPv6]) with an optional port (a URL in a log line may end in ":").
_HOST = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::[0-9]*)?(?![A-Za-z0-9.-])")


def _redact_params(text: str) -> str:
    # Split by hand rather than parse_qsl + urlencode, so the parameters we keep are printed
    # exactly as written.
    if "=" not in text:
        return text
    out = []
    for item in re.split(r"([&;])", text):
        name, sep, _value = item.partition("=")
        if sep and any(s in name.lower() for s in _SECRET_NAMES):
            item = f"{name}={_HIDDEN}"
        out.append(item)
    return "".join(out)
