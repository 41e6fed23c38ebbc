"""Live pages: the partners' and the incidents' events on Kafka wake the pages that show what they are about.

An event is only a signal: the console never forwards its content. A page woken by a vote (or an escalation)
re-reads the decision (or the incident) from its API with its viewer's own token, so what it pushes is exactly
what that person may see. Every console replica reads the topics from their end (no consumer group: each must
wake its own pages)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer

from backbone.kafka import client_options
from console.settings import ConsoleSettings

log = logging.getLogger(__name__)

TOPICS = ("partners.events.v1", "incidents.events.v1")
WAKING = {
    "partners.vote_cast.v1",
    "partners.decision_closed.v1",
    "partners.decision_opened.v1",
    "partners.partnership_phase_advanced.v1",
    "incidents.incident_declared.v1",
    "incidents.incident_changed.v1",
    "incidents.incident_resolved.v1",
    "incidents.incident_closed.v1",
}
KEYS = ("partnership_id", "decision_id", "incident_id")
"""The ids an event is about: a page listens for the ids it shows."""


@dataclass(frozen=True)
class Signal:
    event_type: str
    about: frozenset[str]


class Broadcaster:
    """Who listens for which partnership or decision; each listener has a small queue (a slow page misses
    signals, never the others: it re-reads on the next one)."""

    def __init__(self) -> None:
        self._listeners: set[tuple[frozenset[str], asyncio.Queue[Signal]]] = set()

    @contextlib.asynccontextmanager
    async def listen(self, keys: set[str]) -> AsyncIterator[asyncio.Queue[Signal]]:
        queue: asyncio.Queue[Signal] = asyncio.Queue(maxsize=16)
        entry = (frozenset(keys), queue)
        self._listeners.add(entry)
        try:
            yield queue
        finally:
            self._listeners.discard(entry)

    def publish(self, signal: Signal) -> None:
        for keys, queue in list(self._listeners):
            if keys & signal.about:
                with contextlib.suppress(asyncio.QueueFull):
                    queue.put_nowait(signal)


def signal_of(event_type: str | None, value: bytes | None) -> Signal | None:
    if event_type not in WAKING or not value:
        return None
    try:
        data = json.loads(value)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    about = frozenset(str(data[key]) for key in KEYS if data.get(key))
    return Signal(event_type, about) if about else None


async def follow_events(settings: ConsoleSettings, broadcaster: Broadcaster, ready: asyncio.Event) -> None:
    """Read the topics from their end, forever; reconnects after a broker outage (aiokafka retries)."""
    topics = [settings.topic(name) for name in TOPICS]
    while True:
        # Without a group, a subscription is assigned every partition; with nothing committed, it starts at the end.
        consumer = AIOKafkaConsumer(
            *topics,
            **client_options(settings),
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="latest",
        )
        try:
            await consumer.start()
            await _positioned(consumer)
            ready.set()
            async for record in consumer:
                headers = {k: v.decode() for k, v in record.headers or ()}
                signal = signal_of(headers.get("ce_type"), record.value)
                if signal is not None:
                    broadcaster.publish(signal)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("live updates: reading %s failed; retrying", ", ".join(topics))
            await asyncio.sleep(2)
        finally:
            await consumer.stop()


async def _positioned(consumer: AIOKafkaConsumer) -> None:
    """Wait until every partition is assigned and its end resolved: a vote cast after a page opened is seen."""
    for _ in range(600):
        partitions = consumer.assignment()
        if partitions:
            for partition in partitions:
                await consumer.position(partition)
            return
        await asyncio.sleep(0.1)
    raise RuntimeError("no partition of the followed topics was assigned within a minute")


def update(target: str, html: str) -> str:
    """A server-sent event replacing the page's `[data-live-target=<target>]` with `html`."""
    return f"event: update\ndata: {json.dumps({'target': target, 'html': html})}\n\n"
