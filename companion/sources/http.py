"""Positions polled over HTTP(S): OwnTracks, a Traccar server, home-made trackers.

    https://user:password@host/api/positions?deviceId=3&every=5

Credentials come from the URL's userinfo or from COMPANION_FEED_USER / COMPANION_FEED_PASSWORD
(Basic) or COMPANION_FEED_TOKEN (Bearer); `?token=` in the URL is passed on as written. None of
them is ever shown: statuses and log lines use the redacted URL, and a filter on httpx's own
loggers (which log every request URL at INFO) hides them there too. TLS is verified, redirects are
not followed (they would carry the credentials elsewhere), and a body over `max_bytes` is refused
while it is read, so a misconfigured URL pointing at a big file cannot fill the memory.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import socket
import ssl
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import httpx

from companion.core.models import Fix
from companion.event import redact
from companion.sources.base import FeedError, FeedLost, Source, query_float
from companion.sources.payloads import PayloadError, newest, parse_positions

DEFAULT_EVERY_S = 5.0
DEFAULT_TIMEOUT_S = 10.0  # for each read: httpx's timeout
# For a whole poll: a server dripping a byte every few seconds never trips the per-read timeout.
DEFAULT_DEADLINE_S = 30.0
DEFAULT_MAX_BYTES = 64 * 1024
ENV_USER, ENV_PASSWORD, ENV_TOKEN = (
    "COMPANION_FEED_USER",
    "COMPANION_FEED_PASSWORD",
    "COMPANION_FEED_TOKEN",
)
_OUR_PARAMS = {"every"}  # ours, not the server's: not sent


class _HideSecrets(logging.Filter):
    """Rewrites records of httpx/httpcore so that no known secret reaches a handler."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            hidden = message
            for secret in self.secrets:
                hidden = hidden.replace(secret, "***")
            if hidden != message:
                record.msg, record.args = hidden, None
        return True


_HIDE = _HideSecrets()
for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).addFilter(_HIDE)


class HttpSource(Source):
    """Polls a URL every `every` seconds; each answer's newest position is one fix."""

    kind = "http"

    def __init__(
        self,
        url: str,
        *,
        env: Mapping[str, str] | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        deadline_s: float = DEFAULT_DEADLINE_S,
        max_bytes: int = DEFAULT_MAX_BYTES,
        transport: httpx.AsyncBaseTransport | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(url, **kwargs)
        env = os.environ if env is None else env
        self.every_s = query_float(url, "every", DEFAULT_EVERY_S)
        self.timeout_s = timeout_s
        self.deadline_s = deadline_s
        self.max_bytes = max_bytes
        self._transport = transport
        parts = urlsplit(url)
        if not parts.hostname:
            raise FeedError(f"feed {redact(url)}: no host in the URL")
        try:
            port = parts.port  # ValueError for "abc" or 99999
        except ValueError:
            port = 0
        if port == 0:
            raise FeedError(f"feed {redact(url)}: the port must be a number from 1 to 65535")
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
        self._request_url = urlunsplit(
            (
                parts.scheme,
                parts.netloc.rpartition("@")[2],
                parts.path or "/",
                urlencode([(k, v) for k, v in query if k not in _OUR_PARAMS]),
                "",
            )
        )
        secrets = {v for k, v in query if k not in _OUR_PARAMS and _is_secret_name(k) and v}
        self._auth: httpx.BasicAuth | None = None
        self._headers = {"Accept": "application/json"}
        user = unquote(parts.username or "") or env.get(ENV_USER, "")
        password = unquote(parts.password or "") if parts.username else ""
        password = password or env.get(ENV_PASSWORD, "")
        if user or password:
            self._auth = httpx.BasicAuth(user, password)
            basic = base64.b64encode(f"{user}:{password}".encode()).decode()
            secrets.update(s for s in (password, basic) if s)
        token = env.get(ENV_TOKEN, "")
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
            secrets.add(token)
        self._secrets = {s for s in secrets if len(s) >= 3}  # hiding "a" would mangle logs
        try:
            httpx.URL(self._request_url)  # what httpx would refuse at the first poll
        except (httpx.InvalidURL, ValueError, TypeError):
            raise FeedError(f"feed {redact(url)}: not a URL httpx can use") from None
        _HIDE.secrets.update(self._secrets)
        self._last_time: datetime | None = None

    def _hide(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    async def _session(self) -> None:
        async with httpx.AsyncClient(
            timeout=httpx.Timeout(self.timeout_s),
            verify=True,
            follow_redirects=False,
            transport=self._transport,
            trust_env=False,  # a proxy from the environment would see the credentials
        ) as client:
            first = True
            while True:
                try:
                    async with asyncio.timeout(self.deadline_s):
                        data = await self._get(client)
                except TimeoutError:
                    raise FeedLost(f"no complete answer within {self.deadline_s:g} s") from None
                self._had_data = True
                if first:
                    self._connected(f"polling every {self.every_s:g} s")
                    first = False
                try:
                    fix = newest(parse_positions(data, source=self.kind))
                except PayloadError as exc:
                    # The server answers; this answer holds no usable position: rejected.
                    self._reject(self._hide(str(exc)))
                else:
                    self._take(fix)
                await self._sleep(self.every_s)

    async def _get(self, client: httpx.AsyncClient) -> Any:
        """One answer, decoded; FeedLost when there is none that is JSON."""
        try:
            async with client.stream(
                "GET", self._request_url, headers=self._headers, auth=self._auth
            ) as response:
                if response.status_code != 200:
                    raise FeedLost(_status_reason(response.status_code))
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self.max_bytes:
                    raise FeedLost(self._too_big())
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > self.max_bytes:
                        raise FeedLost(self._too_big())
                content_type = response.headers.get("content-type", "")
        except httpx.TimeoutException:
            raise FeedLost(f"no answer within {self.timeout_s:g} s") from None
        except httpx.HTTPError as exc:
            raise FeedLost(_transport_reason(exc)) from None
        try:
            return _decode(bytes(body), content_type)
        except PayloadError as exc:
            raise FeedLost(str(exc)) from None

    def _too_big(self) -> str:
        return f"answer larger than {self.max_bytes // 1024} KiB refused"

    def _take(self, fix: Fix) -> None:
        if self._last_time is not None and fix.time <= self._last_time:
            # The tracker has nothing new (phone asleep, no signal): not a rejected fix.
            self._note(f"no new position since {self._last_time:%H:%M:%S}Z")
            return
        self._last_time = fix.time
        self._note(f"polling every {self.every_s:g} s")
        self._deliver(fix)


def _decode(body: bytes, content_type: str) -> Any:
    text = body.strip()
    if not text:
        raise PayloadError("server answered with an empty body")
    if "html" in content_type.lower() or text[:1] == b"<":
        raise PayloadError("server answered HTML, not JSON")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: 60 KB of "["
        raise PayloadError("server answered something that is not JSON") from None


def _status_reason(code: int) -> str:
    if code in (401, 403):
        return f"HTTP {code}: check the feed's user, password or token"
    if code == 404:
        return "HTTP 404: no such page on the server"
    return f"HTTP {code}"


def _transport_reason(exc: httpx.HTTPError) -> str:
    # httpx's messages can quote the URL; only our own words go into a status. The real cause
    # (refused, DNS, certificate) is further down the exception chain.
    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and len(chain) < 10:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    for err in chain:
        if isinstance(err, ssl.SSLCertVerificationError):
            return "TLS certificate not trusted"
        if isinstance(err, ssl.SSLError):
            return "TLS handshake failed"
        if isinstance(err, ConnectionRefusedError):
            return "connection refused"
        if isinstance(err, socket.gaierror):
            return "host name not found"
    if isinstance(exc, httpx.ConnectError):
        return "cannot connect"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "server closed the connection mid-answer"
    return type(exc).__name__


def _is_secret_name(name: str) -> bool:
    return any(s in name.lower() for s in ("token", "key", "password", "passwd", "secret", "auth"))
