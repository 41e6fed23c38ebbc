"""What a service consumes (`Subscription`, `Inbound`) and what its handlers are: a coroutine per event,
optionally able to take a run of events at once.

A handler applies one event inside the consumer's transaction. A read model fed by many events of one type can
also offer a `many` form (`batched`): the consumer then hands it each run of consecutive new events of that type
in a fetch, in their order, so it can write them with one pipelined statement instead of one round trip each.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.envelope import EventEnvelope

Handler = Callable[[AsyncSession, EventEnvelope], Awaitable[None]]
ManyHandler = Callable[[AsyncSession, list[EventEnvelope]], Awaitable[None]]


class Batched:
    """A handler with a form for a run of events; it must leave the same state as applying them one by one."""

    def __init__(self, one: Handler, many: ManyHandler) -> None:
        self.one, self.many = one, many

    async def __call__(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        await self.one(session, envelope)


def batched(many: ManyHandler) -> Batched:
    async def one(session: AsyncSession, envelope: EventEnvelope) -> None:
        await many(session, [envelope])

    return Batched(one, many)


@dataclass(frozen=True)
class Inbound:
    """What outside systems write on topics of their own (the national inbound topics): the topics' logical names
    as a regular expression, a handler per event type, and who a topic belongs to. The sender is known from the
    topic alone (its Kafka ACL lets only that sender write it), never from what the event says: the consumer
    stamps it on the envelope as the `sender` and `sendercountry` extensions, and prefixes the event id with the
    topic so one sender's ids never collide with another's or with the platform's in the inbox."""

    pattern: str
    handlers: Mapping[str, Handler]
    sender: Callable[[str], tuple[str, str] | None]
    """Logical topic name -> (sender id, its country), None when the topic is nobody's."""


@dataclass(frozen=True)
class Subscription:
    """What a service consumes: logical topics and a handler per event type (unknown types are skipped), and the
    outside systems' inbound topics it reads, if any."""

    topics: tuple[str, ...]
    handlers: Mapping[str, Handler]
    inbound: Inbound | None = None


def in_turn(*handlers: Handler) -> Handler:
    """Several reactions to one event type, in one transaction (each is idempotent if the whole is retried)."""

    async def handle(session: AsyncSession, envelope: EventEnvelope) -> None:
        for handler in handlers:
            await handler(session, envelope)

    return handle


class _HasHandler(Protocol):
    @property
    def handler(self) -> Handler: ...


T = TypeVar("T", bound=_HasHandler)


def consecutive_runs(items: Sequence[T]) -> Iterator[list[T]]:
    """Split items into runs that share a handler, keeping their order (order across types matters: an agency's
    registration is applied before its activation)."""
    run: list[T] = []
    for item in items:
        if run and item.handler is not run[0].handler:
            yield run
            run = []
        run.append(item)
    if run:
        yield run
