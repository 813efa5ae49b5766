"""Positions from an MQTT topic: OwnTracks phones, a Traccar forwarder, anything whose JSON
`payloads.parse_positions` reads.

    mqtt://user:password@host:1883/owntracks/sufiya/phone      (mqtts:// for TLS; + wildcards)

OwnTracks publishes `_type: location` with `tst` (epoch s of the fix) and `vel` in km/h; Traccar
forwards `{"position": {...}, "device": {...}}`. Phones queue fixes while offline and send them
late, interleaved with live ones: a fix older than the last one accepted is a buffered one and is
handed on in its place (the tracker inserts it), not refused as "time went backwards". It must
still be a sane position and not one already seen: QoS 1 and the retained last location
deliver some twice, and a batch whose acknowledgements a kill lost comes again after the restart
(then it is one of the event's fixes at its time: `held_at`, a bisection).

The session is persistent (a fixed client id, clean_session false), so what the phone publishes
while Companion is not running waits in the broker. Credentials as for [share]: in the URL or
COMPANION_MQTT_USER / COMPANION_MQTT_PASSWORD; never shown.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from companion.cancels import raise_if_cancelled
from companion.core.models import Fix
from companion.core.times import time_problem
from companion.event import EventError, redact
from companion.mqttlink import ack, ack_by_hand, tls_context
from companion.sources.base import FeedError, FeedLost, Source
from companion.sources.payloads import PayloadError, parse_positions

if TYPE_CHECKING:
    pass

MAX_MESSAGE_BYTES = 64 * 1024
SEEN_KEPT = 2000  # fixes remembered to drop a second delivery of the same one
log = logging.getLogger(__name__)


def fixes_from_message(data: bytes, source: str = "mqtt") -> list[Fix]:
    """The positions in one MQTT message; [] for an empty one (a retained message cleared, an
    OwnTracks card or transition).

    Raises:
        PayloadError: not JSON, too long, or JSON with no usable position.
    """
    if not data:
        return []
    if len(data) > MAX_MESSAGE_BYTES:
        raise PayloadError(f"a message of {len(data)} bytes: too long for a position")
    try:
        doc: Any = json.loads(data)
    except (ValueError, RecursionError):
        raise PayloadError("a message that is not JSON") from None
    if isinstance(doc, dict) and doc.get("_type") not in (None, "location"):
        return []  # card, lwt, transition, waypoint: not a position
    return parse_positions(doc, source=source)


def late_problem(fix: Fix) -> str | None:
    """Why a buffered (late) fix is not believed; the speed test needs neighbours it lacks."""
    if not (math.isfinite(fix.lat) and math.isfinite(fix.lon)):
        return "bad coordinates"
    if abs(fix.lat) > 90 or abs(fix.lon) > 180:
        return f"coordinates {fix.lat}, {fix.lon} are out of range"
    if abs(fix.lat) < 1e-7 and abs(fix.lon) < 1e-7:
        return "position 0,0 means the receiver has no fix"
    return time_problem(fix.time)


def logged_already(fix: Fix, held: Sequence[Fix]) -> bool:
    """Whether `held` (the event's fixes at `fix.time`) has this feed's fix: the same source
    and position at that time. A typed entry or another feed's fix there is not this one."""
    return any(h.source == fix.source and h.lat == fix.lat and h.lon == fix.lon for h in held)


class MqttSource(Source):
    """Subscribes to one topic (wildcards allowed); each position in a message is a fix."""

    kind = "mqtt"

    def __init__(self, url: str, *, env: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(url, **kwargs)
        from companion.share.config import parse_broker_url  # share imports the sources

        try:
            self.broker = parse_broker_url(url, env=env, what="feed")
        except EventError as e:
            raise FeedError(str(e)) from None
        self.topic = self.broker.path
        if not self.topic:
            raise FeedError(
                f"feed {redact(url)}: give the topic, as in mqtt://HOST/owntracks/USER/DEVICE"
            )
        self._seen: OrderedDict[tuple[float, float, float], None] = OrderedDict()
        digest = hashlib.sha1(f"{self.broker.host}:{self.broker.port}/{self.topic}".encode())
        self.client_id = f"companion-feed-{digest.hexdigest()[:12]}"
        self.late = 0  # buffered fixes handed on in their place

    async def _session(self) -> None:
        import aiomqtt  # only for an MQTT feed

        b = self.broker
        tls = tls_context(b.tls)
        try:
            client = aiomqtt.Client(
                b.host, b.port, username=b.username, password=b.password,
                identifier=self.client_id, clean_session=False, tls_context=tls,
                keepalive=15, timeout=10,
            )  # fmt: skip
            # A message is acknowledged once its fixes are committed (when_committed), not on
            # arrival: killed before the batch's commit, the broker still holds it and resends
            # it (companion/mqttlink.py).
            ack_by_hand(client)
            async with client:
                await client.subscribe(self.topic, qos=1)
                # A cancel aiomqtt lost as the CONNACK or SUBACK arrived (Python 3.11's
                # wait_for): the wait for messages below would never see it.
                raise_if_cancelled()
                self._connected(f"subscribed to {self.topic}")
                try:
                    async for message in client.messages:
                        data = message.payload
                        self.message(data if isinstance(data, bytes) else str(data).encode())
                        self.when_committed(functools.partial(ack, client, message))
                finally:
                    self.commit_now()  # stopping: the batch and its acks, before the DISCONNECT
        except aiomqtt.MqttError as e:
            raise FeedLost(str(e) or type(e).__name__) from None

    def message(self, data: bytes) -> None:
        """Hand on the fixes of one message, oldest first; count one that is not understood."""
        try:
            fixes = fixes_from_message(data, self.kind)
        except PayloadError as e:
            self._reject(str(e))
            return
        for fix in sorted(fixes, key=lambda f: f.time):
            key = (fix.time.timestamp(), fix.lat, fix.lon)
            if key in self._seen:
                continue  # the same fix again (QoS 1, the retained last location)
            self._seen[key] = None
            if len(self._seen) > SEEN_KEPT:
                self._seen.popitem(last=False)
            last = self.plausibility.last
            if last is not None and fix.time < last.time:
                self._late(fix)
            else:
                self._deliver(fix)

    def _late(self, fix: Fix) -> None:
        """A buffered fix sent late: believed if sane, and handed on to be logged in its place."""
        self._had_data = True
        problem = late_problem(fix)
        if problem is not None:
            self._reject(problem)
            return
        if logged_already(fix, self.held_at(fix.time)):
            # A batch the broker sent again: killed between its commit and its acks, `_seen`
            # went with the process. Its newest fix the filter refuses; this is an older one.
            reason = f"a second fix for {fix.time:%H:%M:%S}Z (a buffered one, sent again)"
            self.plausibility.counts["duplicate"] += 1
            log.info("feed %s: fix rejected: %s", self.url_redacted, reason)
            self._reject(reason)
            return
        self.late += 1
        self._status = replace(self._status, fixes=self._status.fixes + 1)
        self._on_fix(fix)
