"""The outbox publisher: this car's log to its broker, and its peers' logs into this car's.

After each (re)connect it publishes the rows after the broker's cursor, in order, QoS 1, and
moves the cursor only once the broker acknowledged them (aiomqtt awaits each PUBACK), so a row is
never lost to a dropped connection, only sent again; receivers drop duplicates by (unit, id). The
car's own Mosquitto stores and forwards to the event's broker (the bridge); this keeps no queue
of its own: the log is the queue.

It also keeps the retained `status` (status --json plus unit, athlete, seq, sent) and `online`
topics (a last will says offline), the OwnTracks location and card, and merges the `log` and
`pos` rows of the peers named in [share] through ShareStore.merge.

Runs in `companion follow` and `companion share EVENT` (cli/share.py): one publisher per event
at a time (it is one persistent MQTT session).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import aiomqtt

from companion.cancels import raise_if_cancelled
from companion.core.models import CompanionError
from companion.logbook import LogbookError
from companion.logrows import from_iso
from companion.mqttlink import ack, ack_by_hand, tls_context
from companion.service import EventSession
from companion.share import messages
from companion.share.config import Broker, ShareConfig
from companion.share.store import AheadOfClock, Merged, OwnRow, RowError, ShareStore
from companion.share.topics import Topics, event_topic_id, split
from companion.status_doc import status_document

# How often the log is looked at for new rows (rows typed in another process land there too).
POLL_S = 0.5
# The retained status is refreshed this often with no new rows (its ETAs and ages move on).
STATUS_EVERY_S = 30.0
# GPS fixes on the `pos` topic: one every this many seconds or this many km, whichever first.
POS_EVERY_S = 30.0
POS_EVERY_KM = 0.1
# Rows published before the cursor is saved: a chunk is acknowledged as a whole.
CHUNK = 100
# Waits between reconnects, doubling up to the last.
RETRY_S = (0.5, 1.0, 2.0, 5.0)
# On a stop, how long the 'offline' goodbye may wait for its PUBACK (a paused broker never acks).
OFFLINE_S = 2.0


@dataclass
class ShareState:
    """What the publisher has done, for a status line."""

    connected: bool = False
    subscribed: bool = False  # to the peers' topics, in this connection
    published: int = 0
    merged: int = 0
    dropped: int = 0
    last_error: str = ""
    cursor: int = 0
    dropped_why: list[str] = field(default_factory=list)


class Publisher:
    """Publishes one event's log and status for its `[share]` unit; merges its peers' rows."""

    def __init__(
        self,
        session: EventSession,
        *,
        now: Callable[[], datetime],
        config: ShareConfig | None = None,
        say: Callable[[str], None] = lambda line: None,
        notice: Callable[[str], None] | None = None,  # what the crew must see (else `say`)
        on_merged: Callable[[], None] | None = None,
        on_rows: Callable[[list[OwnRow]], None] | None = None,
        status_every_s: float = STATUS_EVERY_S,
    ) -> None:
        cfg = config or session.event.share
        if cfg is None:
            raise CompanionError(f"{session.event.path}: no [share] table: nothing to share to")
        self.session = session
        self.config = cfg
        self.broker: Broker = cfg.connect_to()
        self.topics = Topics(event_topic_id(session.event), cfg.unit)
        self.store = ShareStore(session.db_path, clock=now)  # a peer's time is judged by it
        self.state = ShareState()
        self._now = now
        self._say = say
        self._notice = notice or say
        self._on_merged = on_merged
        self._on_rows = on_rows
        self._status_every_s = status_every_s
        self._wake = asyncio.Event()
        self._status_due = True
        self._last_status = -1e9
        self._last_pos: tuple[float, float] | None = None  # (monotonic-free fix epoch, km)
        self._clock_warned: set[str] = set()  # peers told of a row ahead of this car's clock

    @property
    def key(self) -> str:
        """The cursor's name: the broker without credentials."""
        return self.broker.shown

    def notify(self) -> None:
        """Something was logged: look at the log now rather than at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        """Publish until cancelled, reconnecting whenever the broker goes away."""
        attempt = 0
        while True:
            try:
                async with self._client() as client:
                    attempt = 0
                    self.state.connected = True
                    self.state.last_error = ""
                    self._say(f"share: connected to {self.broker.shown} as {self.config.unit}")
                    try:
                        await self._session(client)
                    except asyncio.CancelledError:
                        # Stopped on purpose: say offline (the last will is for a lost link).
                        with contextlib.suppress(Exception):
                            async with asyncio.timeout(OFFLINE_S):
                                await client.publish(
                                    self.topics.online, b"offline", qos=1, retain=True
                                )
                        raise
            except aiomqtt.MqttError as e:
                was = self.state.connected
                self.state.connected = self.state.subscribed = False
                self.state.last_error = str(e)
                if was or attempt == 0:
                    self._say(f"share: {self.broker.shown}: {e}; retrying")
            except LogbookError as e:  # the log locked or unreadable for a while: not the end
                self.state.connected = self.state.subscribed = False
                self.state.last_error = str(e)
                self._say(f"share: {e}; retrying")
            raise_if_cancelled()  # one the MQTT library turned into an MqttError
            await asyncio.sleep(RETRY_S[min(attempt, len(RETRY_S) - 1)])
            attempt += 1

    def close(self) -> None:
        self.store.close()

    def _client(self) -> aiomqtt.Client:
        t = self.topics
        tls = tls_context(self.broker.tls)
        client = aiomqtt.Client(
            self.broker.host,
            self.broker.port,
            username=self.broker.username,
            password=self.broker.password,
            identifier=f"companion-{t.event}-{t.unit}",
            clean_session=False,  # the peers' rows wait in the car's broker while we are away
            will=aiomqtt.Will(t.online, b"offline", qos=1, retain=True),
            tls_context=tls,
            keepalive=15,
            timeout=10,
        )
        # A peer's row is acknowledged once it is committed to the log (mqttlink.ack), not when it
        # arrives: killed in between, the broker still holds it and resends it on reconnect.
        return ack_by_hand(client)

    async def _session(self, client: aiomqtt.Client) -> None:
        t = self.topics
        await client.publish(t.online, b"online", qos=1, retain=True)
        card = messages.owntracks_card(self.session.event.athlete)
        await client.publish(
            t.owntracks(self.session.event.athlete) + "/info", card, qos=1, retain=True
        )
        for peer in self.config.peers:
            peer_topics = Topics(t.event, peer)
            await client.subscribe(peer_topics.log, qos=1)
            await client.subscribe(peer_topics.pos, qos=1)
        self.state.subscribed = True
        listener = asyncio.create_task(self._listen(client))
        self._status_due = True
        try:
            while not listener.done():
                # A cancel aiomqtt lost (it awaits each PUBACK with asyncio.wait_for, which on
                # Python 3.11 returns normally when the cancel lands as the PUBACK arrives).
                raise_if_cancelled()
                await self._drain(client)
                await self._status(client)
                self._wake.clear()
                # asyncio.timeout, never wait_for: a peer's row waking this as SIGTERM's cancel
                # landed made wait_for return, the cancel lost, and the publisher ran on.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(POLL_S):
                        await self._wake.wait()
            listener.result()  # its MqttError, if that is why it stopped
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, aiomqtt.MqttError):
                await listener

    async def _drain(self, client: aiomqtt.Client) -> None:
        """Publish every row after the cursor, a chunk at a time, saving the cursor after each."""
        while True:
            cursor = self.store.cursor(self.key)
            rows, upto = self.store.rows_after(cursor, CHUNK)
            if upto <= cursor:
                self.state.cursor = cursor
                return
            sends = []
            thinned_from = self._last_pos  # put back if the chunk fails: it goes out again
            for row in rows:
                topic = self._topic_for(row)
                if topic is not None:
                    sends.append(
                        client.publish(topic, messages.log_message(self.config.unit, row), qos=1)
                    )
            try:
                await asyncio.gather(*sends)  # each awaits its PUBACK; a lost link raises here
            except BaseException:
                self._last_pos = thinned_from
                raise
            self.store.advance(self.key, upto)
            self.state.published += len(sends)
            self.state.cursor = upto
            if rows:
                self._status_due = True
                if self._on_rows is not None:
                    self._on_rows(rows)

    def _topic_for(self, row: OwnRow) -> str | None:
        """`log` for the crew's entries, undos and edits; `pos` for a thinned feed fix."""
        if not row.is_gps:
            return self.topics.log
        try:
            epoch = from_iso(row.time).timestamp()
        except CompanionError:
            return None
        km = row.km if row.km is not None else 0.0
        last = self._last_pos
        if last is not None and epoch - last[0] < POS_EVERY_S and abs(km - last[1]) < POS_EVERY_KM:
            return None
        self._last_pos = (epoch, km)
        return self.topics.pos

    async def _status(self, client: aiomqtt.Client) -> None:
        now_m = time.monotonic()
        if not self._status_due and now_m - self._last_status < self._status_every_s:
            return
        self._status_due = False
        self._last_status = now_m
        s = self.session
        now = self._now()
        p = s.progress(now)
        seq = self.store.last_id()
        doc = messages.status_message(s.event, self.config.unit, status_document(s, now), seq, now)
        await client.publish(self.topics.status, doc, qos=1, retain=True)
        location = messages.owntracks_location(self.config.unit, p)
        if location is not None:
            topic = self.topics.owntracks(s.event.athlete)
            await client.publish(topic, location, qos=1, retain=True)

    async def _listen(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            # A LogbookError (the log locked, the disk full) leaves the row unacknowledged and
            # ends the session: the broker resends it on the reconnect. Everything else is
            # acknowledged: merged, a duplicate, refused, or not a peer's (else resent forever).
            merged = self._take(message)
            ack(client, message)
            if merged is not None:
                self.state.merged += 1
                self._apply(merged)
                self._status_due = True
                self._wake.set()

    def _take(self, message: aiomqtt.Message) -> Merged | None:
        """Merge one received message if it is a peer's row (committed when this returns)."""
        where = split(str(message.topic))
        if where is None or where[0] != self.topics.event or where[1] not in self.config.peers:
            return None
        payload = message.payload
        data = payload if isinstance(payload, bytes) else str(payload).encode()
        try:
            return self.store.merge(messages.parse_log(data, where[1]))
        except (messages.MessageError, RowError) as e:
            self.state.dropped += 1
            if len(self.state.dropped_why) < 10:
                self.state.dropped_why.append(f"{message.topic}: {e}")
            if isinstance(e, AheadOfClock) and where[1] not in self._clock_warned:
                self._clock_warned.add(where[1])  # once a unit: its phone sends every 30 s
                self._notice(f"share: {e}")
            return None

    def _apply(self, merged: Merged) -> None:
        """A peer's row is in the log: the tracker takes a fix in its place (no replay of a
        long log every 30 s of a peer's GPS); an undo or an edit rebuilds from the log."""
        if merged.fix is not None:
            self.session.tracker.add(merged.fix)
        else:
            self.session.replay()
        if self._on_merged is not None:
            self._on_merged()
