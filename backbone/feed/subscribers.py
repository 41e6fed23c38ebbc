"""The national systems subscribed to the feed: who they are, which country they speak for, their topic."""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

SUBSCRIBER_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
COUNTRY = re.compile(r"^[A-Z]{2}$")


class InvalidSubscriber(ValueError):
    pass


class SubscriberTaken(ValueError):
    """The id is registered for another country: its stream (topic, consumer group, credentials) stays there."""


@dataclass(frozen=True)
class Subscriber:
    id: str
    country: str
    description: str = ""

    def __post_init__(self) -> None:
        if not SUBSCRIBER_ID.match(self.id):
            raise InvalidSubscriber(f"subscriber id {self.id!r}: lower-case letters, digits and dashes, 1-40")
        if not COUNTRY.match(self.country):
            raise InvalidSubscriber(f"country {self.country!r}: an ISO 3166-1 alpha-2 code in capitals")

    @property
    def topic(self) -> str:
        """Logical topic name (a deployment may prefix it)."""
        return topic_of(self.id)

    @property
    def inbound_topic(self) -> str:
        """Where the national system reports to the backbone (its Kafka user alone may write it). The country is
        in the name, so a consumer knows who speaks on it without the registry."""
        return f"inbound.{self.country.lower()}.{self.id}.v1"


def topic_of(subscriber_id: str) -> str:
    return f"national.{subscriber_id}.v1"


INBOUND_TOPIC = r"inbound\.[a-z]{2}\.[a-z0-9-]+\.v1"
"""The logical names of the national inbound topics, as a regular expression."""
_INBOUND = re.compile(r"^inbound\.(?P<country>[a-z]{2})\.(?P<id>[a-z0-9-]+)\.v1$")


def sender_of(logical_topic: str) -> Subscriber | None:
    """The national system an inbound topic belongs to (None: not an inbound topic)."""
    found = _INBOUND.match(logical_topic)
    if found is None:
        return None
    try:
        return Subscriber(found["id"], found["country"].upper())
    except InvalidSubscriber:
        return None


class Registry:
    """Subscribers kept in a JSON file (a ConfigMap in Kubernetes); re-read when the file changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: tuple[float, int] | None = None
        self._subscribers: tuple[Subscriber, ...] = ()

    def current(self) -> tuple[Subscriber, ...]:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self._seen, self._subscribers = None, ()
            return self._subscribers
        if self._seen != (stat.st_mtime, stat.st_size):
            self._subscribers = self._read()
            self._seen = (stat.st_mtime, stat.st_size)
        return self._subscribers

    def _read(self) -> tuple[Subscriber, ...]:
        entries = json.loads(self.path.read_text() or "[]")
        subscribers = tuple(Subscriber(**entry) for entry in entries)
        ids = [s.id for s in subscribers]
        if len(ids) != len(set(ids)):
            raise InvalidSubscriber(f"{self.path}: a subscriber id appears twice")
        return subscribers

    def add(self, subscriber: Subscriber) -> bool:
        """Register a subscriber, or update its description; False when it was already registered exactly so.

        An id is its country's for good: registering it for another country would hand that country the
        stream the first one reads (same topic, same credentials), so it is refused and nothing changes.
        """
        existing = {s.id: s for s in (self._read() if self.path.exists() else ())}
        if existing.get(subscriber.id) == subscriber:
            return False
        if (held := existing.get(subscriber.id)) is not None and held.country != subscriber.country:
            raise SubscriberTaken(
                f"subscriber {subscriber.id} is registered for {held.country}; register {subscriber.country}'s "
                "national system under an id of its own"
            )
        existing[subscriber.id] = subscriber
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".partial")
        partial.write_text(json.dumps([asdict(s) for s in existing.values()], indent=2) + "\n")
        os.replace(partial, self.path)  # a reader never sees half a file
        return True
