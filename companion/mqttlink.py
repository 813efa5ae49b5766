"""What every MQTT client of Companion sets up the same way (the share publisher, the organiser's
watch, the MQTT feed): the TLS context for mqtts://, and acknowledging a message by hand.

A message is acknowledged (PUBACK) only once what it carried is committed to the log, so a
process killed in between gets it again from the broker. aiomqtt 2.x does not pass paho's
manual ack on, so this reaches paho's client under it (`_client`): the one place that does,
which is why aiomqtt is pinned below 3.
"""

from __future__ import annotations

import os
import ssl
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import aiomqtt

CAFILE_ENV = "COMPANION_MQTT_CAFILE"  # a CA (or a self-signed cert) for mqtts://


def tls_context(tls: bool) -> ssl.SSLContext | None:
    """The context for an mqtts:// broker (the system's CAs, or COMPANION_MQTT_CAFILE's)."""
    if not tls:
        return None
    return ssl.create_default_context(cafile=os.environ.get(CAFILE_ENV) or None)


def ack_by_hand(client: aiomqtt.Client) -> aiomqtt.Client:
    """`client`, acknowledging nothing on arrival: each message waits for `ack`."""
    client._client.manual_ack_set(True)
    return client


def ack(client: aiomqtt.Client, message: aiomqtt.Message) -> None:
    """PUBACK: the broker forgets `message`. Called in the order received, as MQTT asks; on a
    link already lost nothing is sent (the broker resends it: a duplicate, dropped). It may run
    inside the log's commit, so it must not fail: a client gone is not asked."""
    if client._client.is_connected():
        client._client.ack(message.mid, message.qos)
