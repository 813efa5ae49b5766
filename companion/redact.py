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
