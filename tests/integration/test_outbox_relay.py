"""The outbox relay against real PostgreSQL and Kafka."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import uuid
from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from backbone.db import create_engine, create_sessionmaker
from backbone.outbox import add_event
from backbone.outbox.relay import OutboxRelay
from backbone.outbox.writer import lock_aggregate
from backbone.telemetry import tracer
from contracts.events.partners import AgencyRegisteredV1
from tests.support import Deployment, header, read_topic


def agency_event(aggregate_id: str, seq: int) -> AgencyRegisteredV1:
    return AgencyRegisteredV1(
        agency_id=aggregate_id,
        country_code="FR",
        country_name="France",
        name=f"Agency {aggregate_id[:8]}",
        agency_type="police",
        mandate=str(seq),
        registered_at=datetime.now(UTC),
    )


async def write_sequenced(sessions: async_sessionmaker[AsyncSession], aggregate_id: str) -> None:
    """One transaction: bump the aggregate's version and announce it, as a use case would."""
    async with sessions() as session, session.begin():
        await lock_aggregate(session, aggregate_id)
        await asyncio.sleep(random.random() / 200)  # widen the window for out-of-order commits
        version = await session.scalar(
            text(
                "INSERT INTO test_aggregates AS a (id, version) VALUES (:id, 1) "
                "ON CONFLICT (id) DO UPDATE SET version = a.version + 1 RETURNING version"
            ),
            {"id": aggregate_id},
        )
        await add_event(
            session, agency_event(aggregate_id, int(version or 0)), aggregate_id=aggregate_id, source="/test"
        )


@contextlib.asynccontextmanager
async def running(relay: OutboxRelay):  # type: ignore[no-untyped-def]
    task = asyncio.create_task(relay.run())
    try:
        yield relay
    finally:
        relay.stop()
        await asyncio.wait_for(task, timeout=20)


async def test_committed_event_reaches_kafka_as_a_cloudevent_woken_by_notify(deployment: Deployment) -> None:
    await deployment.create("partners")
    # A fallback poll far longer than the test's patience: only LISTEN/NOTIFY can wake the relay in time.
    settings = deployment.settings("partners", relay_fallback_poll_seconds=120)
    engine = create_engine(settings)
    sessions = create_sessionmaker(engine)
    aggregate_id = str(uuid.uuid4())
    async with running(OutboxRelay(settings)):
        await asyncio.sleep(1.0)  # let the relay go idle on its LISTEN
        with tracer("test").start_as_current_span("http request") as span:
            trace_id = format(span.get_span_context().trace_id, "032x")
            async with sessions() as session, session.begin():
                event_id = await add_event(
                    session,
                    agency_event(aggregate_id, 1),
                    aggregate_id=aggregate_id,
                    source="/services/partners",
                )
        records = await read_topic(
            deployment.endpoints,
            deployment.topic("partners.events.v1"),
            until=lambda r: len(r) >= 1,
            timeout=20,
        )
    record = records[0]
    assert record.key == aggregate_id.encode()
    assert header(record, "ce_id") == event_id
    assert header(record, "ce_type") == "partners.agency_registered.v1"
    assert header(record, "ce_specversion") == "1.0"
    assert header(record, "ce_source") == "/services/partners"
    assert header(record, "content-type") == "application/json"
    assert (header(record, "traceparent") or "").split("-")[1] == trace_id
    assert json.loads(record.value)["agency_id"] == aggregate_id
    async with sessions() as session:
        unpublished = await session.scalar(text("SELECT count(*) FROM outbox"))
    assert unpublished == 0
    await engine.dispose()


async def test_two_relays_with_many_writers_publish_every_row_once_in_aggregate_order(
    deployment: Deployment,
) -> None:
    await deployment.create("partners")
    settings = deployment.settings("partners", relay_batch_size=25)
    engine = create_engine(settings, pool_size=12)
    sessions = create_sessionmaker(engine)
    owner = create_async_engine(settings.migration_sqlalchemy_url)  # the runtime role may not create tables
    async with owner.begin() as conn:
        await conn.execute(text("CREATE TABLE test_aggregates (id text PRIMARY KEY, version int NOT NULL)"))
    await owner.dispose()
    aggregates = [str(uuid.uuid4()) for _ in range(12)]
    writers, per_writer = 10, 40
    total = writers * per_writer

    async def writer() -> None:
        for _ in range(per_writer):
            await write_sequenced(sessions, random.choice(aggregates))

    relay_a, relay_b = OutboxRelay(settings), OutboxRelay(settings)
    async with running(relay_a), running(relay_b):
        await asyncio.gather(*(writer() for _ in range(writers)))
        records = await read_topic(
            deployment.endpoints,
            deployment.topic("partners.events.v1"),
            until=lambda r: len(r) >= total,
            timeout=60,
        )
    assert len(records) == total
    assert relay_a.stats.published + relay_b.stats.published == total
    assert len({header(r, "ce_id") for r in records}) == total, "an event was published twice"
    sequences: dict[str, list[int]] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        sequences[record.key.decode()].append(int(json.loads(record.value)["mandate"]))
    for aggregate_id, seqs in sequences.items():
        assert seqs == list(range(1, len(seqs) + 1)), f"aggregate {aggregate_id} out of order: {seqs}"
    async with sessions() as session:
        assert await session.scalar(text("SELECT count(*) FROM outbox")) == 0
    await engine.dispose()


async def test_rows_wait_while_kafka_topic_is_missing_and_go_out_once_it_exists(
    deployment: Deployment,
) -> None:
    """A publish failure leaves the rows unpublished (never marked, never dropped) and they are retried."""
    await deployment.create("partners")
    settings = deployment.settings("partners", topic_prefix=f"{deployment.prefix}-late.")
    engine = create_engine(settings)
    sessions = create_sessionmaker(engine)
    aggregate_id = str(uuid.uuid4())
    async with sessions() as session, session.begin():
        await add_event(session, agency_event(aggregate_id, 1), aggregate_id=aggregate_id, source="/test")
    from backbone.kafka import idempotent_producer

    producer = idempotent_producer(settings, request_timeout_ms=3000)
    await producer.start()
    relay = OutboxRelay(settings, producer=producer)
    async with running(relay):
        await asyncio.sleep(4)
        async with sessions() as session:
            assert await session.scalar(text("SELECT count(*) FROM outbox")) == 1
        from backbone.kafka import ensure_topics
        from contracts.topics import TOPICS

        await ensure_topics(
            settings.kafka_bootstrap,
            TOPICS,
            prefix=settings.topic_prefix,
            extra_options=deployment.endpoints.kafka_security(),
        )
        records = await read_topic(
            deployment.endpoints,
            settings.topic("partners.events.v1"),
            until=lambda r: len(r) >= 1,
            timeout=40,
        )
    await producer.stop()
    assert records[0].key == aggregate_id.encode()
    await engine.dispose()


async def test_housekeeping_forgets_only_expired_idempotency_keys_and_inbox_entries(
    deployment: Deployment,
) -> None:
    import asyncpg

    from backbone.outbox.relay import purge_expired

    await deployment.create("training")
    settings = deployment.settings("training", idempotency_retention_hours=24, inbox_retention_days=30)
    conn = await asyncpg.connect(settings.asyncpg_dsn)
    try:
        await conn.execute(
            "INSERT INTO idempotency_keys (scope, key, request_fingerprint, created_at) VALUES "
            "('s', 'old', 'f', now() - interval '25 hours'), ('s', 'new', 'f', now() - interval '23 hours')"
        )
        await conn.execute(
            "INSERT INTO inbox (consumer_group, event_id, event_type, source_topic, source_partition, source_offset,"
            " handled_at) VALUES ('g', 'old', 't', 'x', 0, 0, now() - interval '31 days'),"
            " ('g', 'new', 't', 'x', 0, 1, now() - interval '29 days')"
        )
        assert await purge_expired(conn, settings) == (1, 1)
        assert await conn.fetchval("SELECT string_agg(key, ',') FROM idempotency_keys") == "new"
        assert await conn.fetchval("SELECT string_agg(event_id, ',') FROM inbox") == "new"
    finally:
        await conn.close()
