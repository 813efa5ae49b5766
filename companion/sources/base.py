"""The contract every position feed keeps, and `open_source`, which picks a feed from a URL.

A feed is a `Source`. The app (or the CLI) builds one with `open_source(url, ...)` and runs it as a
task or worker::

    source = open_source("gpsd://127.0.0.1:2947", max_kmh=event.max_kmh)
    await source.run(on_fix=handle_fix, on_status=handle_status)   # until cancelled

`run` never raises because the far end failed: a lost gpsd, a pulled cable, a server answering
500 or HTML are reported through `on_status` (CONNECTED -> LOST -> RECONNECTING -> CONNECTED) and
retried with exponential backoff. It only ends when it is cancelled (then it reports STOPPED and
re-raises `asyncio.CancelledError`) or, for finite sources (a file, a replay), after the last fix
(it reports STOPPED and returns). Both callbacks are called in the event loop's thread and must
not block; `on_fix` receives only fixes that passed the plausibility filter, in time order.

Feed URLs may carry secrets (a password in the userinfo, `?token=`). Nothing here ever puts the
raw URL in a `FeedStatus`, an exception message or a log record: only `redact(url)`.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import math
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from companion.cancels import raise_if_cancelled
from companion.core.models import CompanionError, Fix
from companion.event import redact
from companion.sources.filters import PlausibilityFilter
from companion.sources.urls import KNOWN, feed_url_problem

__all__ = [
    "FeedError",
    "FeedLost",
    "FeedState",
    "FeedStatus",
    "FixCallback",
    "FixesCallback",
    "Source",
    "StatusCallback",
    "open_source",
    "redact",
]

log = logging.getLogger("companion.sources")


class FeedError(CompanionError):
    """A feed that cannot be used as given (bad URL, unknown scheme, unreadable file)."""


class FeedLost(Exception):
    """Raised inside a source when its connection ends; the message says why, for a person.

    The message must never contain the raw URL or a credential.
    """


class FeedState(enum.Enum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    LOST = "lost"
    RECONNECTING = "reconnecting"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """What the feed status line shows. `source` is the redacted URL.

    `since` is when `state` began; `lost_since` is when the connection was lost and stays set
    through RECONNECTING until CONNECTED again ("lost since 14:05, reconnecting").
    """

    state: FeedState
    since: datetime
    detail: str
    source: str
    fixes: int = 0
    rejected: int = 0
    bad_lines: int = 0
    lost_since: datetime | None = None
    last_rejection: str = ""  # why the latest implausible fix was rejected


FixCallback = Callable[[Fix], None]
# A block of accepted fixes in time order, for a caller that takes them in one call (follow).
FixesCallback = Callable[[Sequence[Fix]], None]
StatusCallback = Callable[[FeedStatus], None]
Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Source(ABC):
    """A position feed. Subclasses implement `_session`; the base runs the reconnect loop.

    `_session` connects, calls `self._connected()` once the far end answers, delivers fixes with
    `self._deliver(fix)` and returns or raises `FeedLost`/`OSError`/`TimeoutError` when the
    connection ends. A finite source sets `self._finished = True` before returning.
    """

    kind = "feed"  # Fix.source for fixes from this feed

    def __init__(
        self,
        url: str,
        *,
        plausibility: PlausibilityFilter | None = None,
        backoff_initial: float = 1.0,
        backoff_max: float = 30.0,
        clock: Clock = utc_now,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.url_redacted = redact(url)
        self.plausibility = plausibility if plausibility is not None else PlausibilityFilter()
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self._clock = clock
        self._sleep = sleep
        self._finished = False
        self._check_live = True  # compare fix times with the clock (not for historical files)
        self._on_fix: FixCallback = _ignore
        self._on_fixes: FixesCallback | None = None
        self._on_status: StatusCallback = _ignore
        # Set by the session that logs the fixes (EventSession.attach): an MQTT feed acknowledges
        # a message once its fixes are committed, and commits what waits before it disconnects.
        self.when_committed: Callable[[Callable[[], None]], None] = _at_once
        self.commit_now: Callable[[], None] = _nothing
        # The fixes the event holds at a time (Tracker.fixes_at): a message sent again after a
        # restart must not log its buffered fix twice.
        self.held_at: Callable[[datetime], Sequence[Fix]] = _none_held
        self._state = FeedStatus(FeedState.CONNECTING, clock(), "", self.url_redacted)
        self._delivered = 0  # fixes handed on: counted here, put in the status when read
        self._had_data = False
        self._failures_seen = 0  # of the current session's parser

    # -- the public contract -------------------------------------------------------------------

    def status(self) -> FeedStatus:
        """The current status, for a once-a-second refresh of counters."""
        return self._status

    @property
    def _status(self) -> FeedStatus:
        # A new FeedStatus per fix was ~5 us of a 10 Hz feed's ~35 us budget (issue 11): the
        # count of fixes goes into it only when it is read.
        if self._state.fixes != self._delivered:
            self._state = replace(self._state, fixes=self._delivered)
        return self._state

    @_status.setter
    def _status(self, status: FeedStatus) -> None:
        self._state = status
        self._delivered = status.fixes

    async def run(
        self, on_fix: FixCallback, on_status: StatusCallback, on_fixes: FixesCallback | None = None
    ) -> None:
        """Deliver fixes until cancelled (or, for a finite source, until its end); never raises
        for a failing peer. With `on_fixes`, a source reading a file may hand on a block of
        accepted fixes in one call instead of one `on_fix` a fix (the same fixes, in order)."""
        self._on_fix, self._on_status, self._on_fixes = on_fix, on_status, on_fixes
        delay = self.backoff_initial
        attempt = 0
        self._set_state(FeedState.CONNECTING, f"connecting to {self.url_redacted}")
        try:
            while True:
                self._had_data = False
                self._failures_seen = 0
                try:
                    await self._session()
                    reason = "closed by the other end"
                except FeedLost as exc:
                    reason = str(exc)
                except TimeoutError:
                    reason = "timed out"
                except OSError as exc:
                    reason = describe_os_error(exc)
                except Exception as exc:  # a bug on one message is not the end of the feed
                    # Only the type: the message of a library's exception may quote the URL.
                    log.error("feed %s: unexpected %s", self.url_redacted, type(exc).__name__)
                    reason = f"internal error ({type(exc).__name__}); retrying"
                raise_if_cancelled()  # a cancel a library swallowed
                if self._finished:
                    self._set_state(FeedState.STOPPED, reason)
                    return
                if self._had_data:  # a session that worked resets the backoff
                    delay, attempt = self.backoff_initial, 0
                self._set_state(FeedState.LOST, reason)
                log.info("feed %s lost: %s", self.url_redacted, reason)
                await self._sleep(delay)
                delay = min(delay * 2.0, self.backoff_max)
                attempt += 1
                self._set_state(FeedState.RECONNECTING, f"attempt {attempt}")
        except asyncio.CancelledError:
            self._set_state(FeedState.STOPPED, "stopped")
            raise

    # -- for subclasses --------------------------------------------------------------------------

    @abstractmethod
    async def _session(self) -> None:
        """One connection: connect, read, deliver; return or raise when it ends."""

    def _connected(self, detail: str = "") -> None:
        self._set_state(FeedState.CONNECTED, detail or "connected")

    def _note(self, detail: str) -> None:
        """Change the detail (e.g. "no fix") without changing the state."""
        if detail != self._status.detail:
            self._status = replace(self._status, detail=detail)
            self._on_status(self._status)

    def _count_bad_lines(self, total: int) -> None:
        if total != self._status.bad_lines:
            self._status = replace(self._status, bad_lines=total)

    def _count_failures(self, total: int, reason: str) -> None:
        """A parser's count of messages it could not understand at all: each is rejected."""
        new = total - self._failures_seen
        if new > 0:
            self._failures_seen = total
            self._reject(reason, count=new)

    def _reject(self, reason: str, *, count: int = 1) -> None:
        """Count a message or fix that gave no position, keeping why."""
        self._status = replace(
            self._status, rejected=self._status.rejected + count, last_rejection=reason
        )
        self._on_status(self._status)

    def _deliver(self, fix: Fix) -> None:
        """Pass a fix through the plausibility filter; hand it on or count the rejection."""
        self._had_data = True
        now = self._clock() if self._check_live else None
        reason = self.plausibility.check(fix, now=now)
        if reason is None:
            self._delivered += 1
            self._on_fix(fix)
            return
        log.info("feed %s: fix rejected: %s", self.url_redacted, reason)
        self._reject(reason)

    def _deliver_all(self, fixes: Sequence[Fix]) -> None:
        """`_deliver` for each fix in order; with no clock to compare with (a file) and an
        `on_fixes`, each run of accepted fixes in one call (issue 11: a 10 Hz log's block)."""
        on_fixes = self._on_fixes
        if on_fixes is None or self._check_live:
            for fix in fixes:
                self._deliver(fix)
            return
        if not fixes:
            return
        self._had_data = True
        accept_run = self.plausibility.accept_run
        i, n = 0, len(fixes)
        while i < n:
            end, reason = accept_run(fixes, i)
            if end > i:
                self._delivered += end - i
                on_fixes(fixes if i == 0 and end == n else fixes[i:end])
            if reason is None:
                return
            log.info("feed %s: fix rejected: %s", self.url_redacted, reason)
            self._reject(reason)
            i = end + 1

    def _set_state(self, state: FeedState, detail: str) -> None:
        now = self._clock()
        old = self._status
        lost_since = old.lost_since
        if state is FeedState.LOST and lost_since is None:
            lost_since = now
        elif state is FeedState.CONNECTED:
            lost_since = None
        since = old.since if state is old.state else now
        self._status = replace(old, state=state, since=since, detail=detail, lost_since=lost_since)
        self._on_status(self._status)


def _ignore(_value: object) -> None:
    return None


def _at_once(callback: Callable[[], None]) -> None:
    callback()


def _nothing() -> None:
    return None


def _none_held(_t: datetime) -> Sequence[Fix]:
    return ()


def describe_os_error(exc: OSError) -> str:
    """A short, secret-free reason for a connection error ("connection refused")."""
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError):
        return "connection reset"
    if exc.strerror:
        return exc.strerror.lower()
    return type(exc).__name__


def query_float(url: str, name: str, default: float, *, minimum: float = 0.0) -> float:
    """A positive number from the URL's query (`?every=5`), or FeedError naming it."""
    values = parse_qs(urlsplit(url).query).get(name)
    if not values:
        return default
    try:
        value = float(values[-1])
    except ValueError:
        raise FeedError(f"feed {redact(url)}: {name}={values[-1]!r} is not a number") from None
    if not math.isfinite(value) or value <= minimum:
        raise FeedError(f"feed {redact(url)}: {name} must be a number above {minimum:g}")
    return value


def open_source(
    url: str,
    *,
    max_kmh: float | None = None,
    backoff_initial: float = 1.0,
    backoff_max: float = 30.0,
    clock: Clock = utc_now,
    env: dict[str, str] | None = None,
) -> Source:
    """The Source for a feed URL.

    Schemes: `gpsd://HOST:PORT`, `nmea:///dev/ttyUSB0?baud=4800`, `nmea+tcp://HOST:PORT`,
    `nmea:PATH` (a file, read once; `?speed=N` plays it in its own time), `http(s)://...?every=5`,
    `replay:PATH?speed=60` (GPX track or NMEA log). `max_kmh` is the event's fastest plausible
    speed; `env` (default `os.environ`) supplies COMPANION_FEED_USER / _PASSWORD / _TOKEN.

    Raises:
        FeedError: the URL cannot be used; the message shows only the redacted URL.
    """
    # Imported here: the concrete sources import this module.
    from companion.sources import gpsd, http, nmea_feeds, replay

    plaus = PlausibilityFilter(max_kmh=max_kmh)
    b0, b1 = backoff_initial, backoff_max
    text = url.strip()
    problem = feed_url_problem(text)
    if problem is not None:
        raise FeedError(f"feed {redact(text) or '(empty)'}: {problem}")
    scheme = urlsplit(text).scheme.lower()
    source: Source
    if scheme == "gpsd":
        source = gpsd.GpsdSource(
            text, plausibility=plaus, backoff_initial=b0, backoff_max=b1, clock=clock
        )
    elif scheme == "nmea+tcp":
        source = nmea_feeds.NmeaTcpSource(
            text, plausibility=plaus, backoff_initial=b0, backoff_max=b1, clock=clock
        )
    elif scheme == "nmea":
        source = nmea_feeds.open_nmea(
            text, plausibility=plaus, backoff_initial=b0, backoff_max=b1, clock=clock
        )
    elif scheme in ("http", "https"):
        source = http.HttpSource(
            text, env=env, plausibility=plaus, backoff_initial=b0, backoff_max=b1, clock=clock
        )
    elif scheme == "replay":
        source = replay.ReplaySource(
            text, plausibility=plaus, backoff_initial=b0, backoff_max=b1, clock=clock
        )
    elif scheme in ("mqtt", "mqtts"):
        from companion.sources.mqtt import MqttSource  # aiomqtt only for an MQTT feed

        source = MqttSource(
            text, env=env, plausibility=plaus, backoff_initial=b0, backoff_max=b1, clock=clock
        )
    else:  # feed_url_problem knows the same kinds
        raise FeedError(f"feed {redact(text)}: unknown kind of feed; use {KNOWN}")
    return source
