"""The consumer under faults that are not the event's: deadlocks, serialization failures, too many connections,
a read-only failover. PostgreSQL raises each for real (with its SQLSTATE) more times than the retry budget of a
failing handler, and the event is still applied once and never dead-lettered. What was dead-lettered for a
reason since fixed goes back through the handlers with the operators' replay command."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbone import serve
from backbone.consumer import EventConsumer, PermanentError, Subscription
from backbone.db import create_engine, create_sessionmaker
from backbone.settings import ServiceSettings
from contracts.envelope import EventEnvelope, encode
from contracts.events.partners import AgencyRegisteredV1
from tests.integration import test_national_feed as national_feed
from tests.integration.test_consumer import producer_for, registered
from tests.support import Deployment, eventually

TRANSIENT = ("40P01", "40001", "53300", "25006", "57P03")


async def raise_sqlstate(session: AsyncSession, code: str) -> None:
    await session.execute(
        text(f"DO $$ BEGIN RAISE EXCEPTION 'injected fault' USING ERRCODE = '{code}'; END $$")
    )


class Flaky:
    """A handler whose database work fails `faults[agency]` times with a SQLSTATE before it succeeds."""

    def __init__(self, faults: dict[str, list[str]], broken: set[str] | None = None) -> None:
        self.faults, self.broken = faults, broken or set()
        self.applied: Counter[str] = Counter()

    async def __call__(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        agency = str(envelope.data["agency_id"])
        if agency in self.broken:
            raise (
                PermanentError("still broken")
                if agency.startswith("f")
                else RuntimeError("a bug, since fixed")
            )
        if self.faults.get(agency):
            await raise_sqlstate(session, self.faults[agency].pop(0))
        await session.execute(text("SELECT 1"))
        self.applied[agency] += 1

    def subscription(self) -> Subscription:
        return Subscription(topics=("partners.events.v1",), handlers={AgencyRegisteredV1.event_type: self})


def quick(deployment: Deployment) -> ServiceSettings:
    return deployment.settings(
        "training",
        consumer_max_attempts=2,
        consumer_retry_initial_seconds=0.05,
        consumer_retry_max_seconds=0.3,
    )


@contextlib.asynccontextmanager
async def consuming(settings: ServiceSettings, handler: Flaky) -> AsyncIterator[None]:
    engine = create_engine(settings)
    consumer = EventConsumer(settings, create_sessionmaker(engine), handler.subscription())
    task = asyncio.create_task(consumer.run())
    try:
        yield
    finally:
        consumer.stop()
        await asyncio.wait_for(task, timeout=30)
        await engine.dispose()


async def dead_letters(deployment: Deployment) -> int:
    topic = deployment.topic("training.deadletter.v1")
    producer = await producer_for(deployment)
    consumer = AIOKafkaConsumer(**deployment.endpoints.kafka_options(), group_id=None)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in await producer.partitions_for(topic)]
        assert partitions, topic
        ends = await consumer.end_offsets(partitions)
        return sum(ends.values())
    finally:
        await consumer.stop()
        await producer.stop()


async def publish(deployment: Deployment, *agencies: str) -> None:
    records = [encode(registered(a), source="/services/partners", key="one-partition") for a in agencies]
    await national_feed.publish(deployment, records)  # one partition: each waits for the one before


async def test_transient_database_faults_are_retried_and_never_dead_lettered(deployment: Deployment) -> None:
    await deployment.create("training")
    settings = quick(deployment)
    agencies = {code: str(uuid.uuid4()) for code in TRANSIENT}
    handler = Flaky({agency: [code] * 4 for code, agency in agencies.items()})  # twice the retry budget
    after = str(uuid.uuid4())
    await publish(deployment, *agencies.values(), after)
    async with consuming(settings, handler):
        await eventually(lambda: handler.applied[after] == 1, timeout=60, what="every event applied")
    assert all(handler.applied[a] == 1 for a in agencies.values()), handler.applied
    assert await dead_letters(deployment) == 0, "a transient fault is never the event's fault"


async def test_dead_letters_are_replayed_once_the_cause_is_fixed(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    await deployment.create("training")
    settings = quick(deployment)
    fixed, still_broken = "a" + str(uuid.uuid4())[1:], "f" + str(uuid.uuid4())[1:]
    handler = Flaky({}, broken={fixed, still_broken})
    await publish(deployment, fixed, still_broken)
    async with consuming(settings, handler):
        await eventually(
            lambda: _at_least(dead_letters(deployment), 2), timeout=60, what="both dead-lettered"
        )
    handler.broken.discard(fixed)  # the bug is fixed; the other event is still wrong

    engine = create_engine(settings)
    try:
        replayer = EventConsumer(settings, create_sessionmaker(engine), handler.subscription())
        first = await replayer.replay_dead_letters()
        assert (first.applied, first.dead_lettered, first.duplicate) == (1, 1, 0)
        assert handler.applied[fixed] == 1
        again = await EventConsumer(
            settings, create_sessionmaker(engine), handler.subscription()
        ).replay_dead_letters()
        assert (again.applied, again.dead_lettered) == (0, 1), (
            "read once; only the re-dead-lettered one is new"
        )
    finally:
        await engine.dispose()
    assert await dead_letters(deployment) == 4, (
        "the still-broken event stays a dead letter, with a new reason"
    )

    handler.broken.clear()
    handler.faults[still_broken] = []
    # The operators' command (`python -m backbone.serve training replay-dead-letters`) runs the service's
    # handlers; here, the test's.
    monkeypatch.setattr(serve, "spec_of", lambda name: _Spec(handler))
    report = await asyncio.to_thread(serve.replay_dead_letters, settings)
    assert report == {"applied": 1, "duplicate": 0, "dead_lettered": 0, "ignored": 0, "skipped": 0}
    assert handler.applied == Counter({fixed: 1, still_broken: 1}), "each applied exactly once"


async def _at_least(count: object, wanted: int) -> bool:
    return int(await count) >= wanted  # type: ignore[misc]


class _Spec:
    def __init__(self, handler: Flaky) -> None:
        self.handler = handler

    def handlers(self) -> _Spec:
        return self

    def subscription(self, settings: ServiceSettings) -> Subscription:
        return self.handler.subscription()
