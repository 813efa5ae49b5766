"""The MQTT topics of an event (issue 12), in one place so publishers and readers agree.

companion/v1/<event>/<unit>/status   retained: status --json plus unit, athlete, seq, sent
companion/v1/<event>/<unit>/online   retained: "online", or the last will "offline"
companion/v1/<event>/<unit>/log      every manual entry, undo and edit, with its log id
companion/v1/<event>/<unit>/pos      GPS fixes with their km, thinned
owntracks/<athlete>/<unit>           _type: location, retained, for OwnTracks apps
"""

from __future__ import annotations

from dataclasses import dataclass

from companion.event import Event, EventError
from companion.event_id import slugify

ROOT = "companion/v1"
KINDS = ("status", "online", "log", "pos")


def event_topic_id(event: Event) -> str:
    """The event's name on the broker: its id.

    Raises:
        EventError: the event has no id (sharing needs one; `companion new` writes it).
    """
    if event.id is None:
        raise EventError(
            f"{event.path}: [share] needs the event's id (a slug such as "
            f'id = "{slugify(event.name)}-k3f9"; `companion new` writes one)'
        )
    return event.id


@dataclass(frozen=True, slots=True)
class Topics:
    """The topics of one unit of one event."""

    event: str
    unit: str

    def of(self, kind: str) -> str:
        return f"{ROOT}/{self.event}/{self.unit}/{kind}"

    @property
    def status(self) -> str:
        return self.of("status")

    @property
    def online(self) -> str:
        return self.of("online")

    @property
    def log(self) -> str:
        return self.of("log")

    @property
    def pos(self) -> str:
        return self.of("pos")

    def owntracks(self, athlete: str) -> str:
        return f"owntracks/{slugify(athlete, 32)}/{self.unit}"


def every_unit(event: str, kind: str) -> str:
    """The subscription for one kind of message of every unit of an event."""
    return f"{ROOT}/{event}/+/{kind}"


def split(topic: str) -> tuple[str, str, str] | None:
    """(event, unit, kind) of one of our topics; None for any other topic."""
    parts = topic.split("/")
    if len(parts) != 5 or f"{parts[0]}/{parts[1]}" != ROOT or parts[4] not in KINDS:
        return None
    return parts[2], parts[3], parts[4]
