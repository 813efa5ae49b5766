"""Reading an event's retained statuses from a broker, for the board and the follower page:
`watch` subscribes to every unit's `status` and `online` and hands each message on, reconnecting
whenever the broker goes away. It publishes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aiomqtt

from companion.cancels import raise_if_cancelled
from companion.mqttlink import tls_context
from companion.share.config import Broker
from companion.share.topics import every_unit, split

RETRY_S = (0.5, 1.0, 2.0, 5.0)

Message = Callable[[str, str, bytes], None]  # unit, kind, payload
State = Callable[[bool, str], None]  # connected, detail


async def watch(broker: Broker, event: str, on_message: Message, on_state: State) -> None:
    """Hand on every status and online message of `event` until cancelled."""
    attempt = 0
    while True:
        tls = tls_context(broker.tls)
        try:
            async with aiomqtt.Client(
                broker.host, broker.port, username=broker.username, password=broker.password,
                tls_context=tls, keepalive=15, timeout=10,
            ) as client:  # fmt: skip
                await client.subscribe(every_unit(event, "status"), qos=1)
                await client.subscribe(every_unit(event, "online"), qos=1)
                raise_if_cancelled()  # one aiomqtt lost as a CONNACK or SUBACK arrived
                attempt = 0
                on_state(True, f"connected to {broker.shown}")
                async for message in client.messages:
                    where = split(str(message.topic))
                    if where is None or where[0] != event:
                        continue
                    payload = message.payload
                    data = payload if isinstance(payload, bytes) else str(payload or "").encode()
                    on_message(where[1], where[2], data)
        except aiomqtt.MqttError as e:
            on_state(False, f"{broker.shown}: {e}")
        raise_if_cancelled()  # a cancel the library turned into an error
        await asyncio.sleep(RETRY_S[min(attempt, len(RETRY_S) - 1)])
        attempt += 1
