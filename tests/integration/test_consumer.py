"""The consumer runtime against real Kafka and PostgreSQL: inbox de-duplication and the dead-letter topic."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer
from sqlalchemy import text

from backbone.consumer import EventConsumer
from backbone.db import create_engine, create_sessionmaker
from contracts.envelope import encode
from contracts.events.partners import AgencyActivatedV1, AgencyRegisteredV1
from services.training.handlers import subscription
from tests.support import Deployment, eventually, header, read_topic


def registered(agency_id: str) -> AgencyRegisteredV1:
    return AgencyRegisteredV1(
        agency_id=agency_id,
        country_code="KE",
        country_name="Kenya",
        name="Directorate of Criminal Investigations",
        agency_type="police",
        registered_at=datetime.now(UTC),
    )


@contextlib.asynccontextmanager
async def training_consumer(
    deployment: Deployment, **settings_changed: object
) -> AsyncIterator[tuple[EventConsumer, object]]:
    settings = deployment.settings("training", **settings_changed)
    engine = create_engine(settings)
    consumer = EventConsumer(settings, create_sessionmaker(engine), subscription())
    task = asyncio.create_task(consumer.run())
    try:
        yield consumer, engine
    finally:
        consumer.stop()
        await asyncio.wait_for(task, timeout=30)
        await engine.dispose()


async def producer_for(deployment: Deployment) -> AIOKafkaProducer:
    producer = AIOKafkaProducer(**deployment.endpoints.kafka_options(), acks="all")
    await producer.start()
    return producer


async def known_agency(engine: object, agency_id: str) -> dict[str, object] | None:
    async with engine.connect() as conn:  # type: ignore[attr-defined]
        row = (
            (
                await conn.execute(
                    text("SELECT status, version FROM known_agencies WHERE agency_id = :id"),
                    {"id": agency_id},
                )
            )
            .mappings()
            .first()
        )
    return dict(row) if row else None


async def test_a_redelivered_event_changes_nothing(deployment: Deployment) -> None:
    await deployment.create("training")
    producer = await producer_for(deployment)
    agency_id = str(uuid.uuid4())
    record = encode(registered(agency_id), source="/services/partners", key=agency_id)
    topic = deployment.topic("partners.events.v1")
    async with training_consumer(deployment) as (_, engine):
        for _ in range(3):  # the same CloudEvent id three times, as after relay crashes
            await producer.send_and_wait(topic, value=record.value, key=record.key, headers=record.headers)
        activated = encode(
            AgencyActivatedV1(
                agency_id=agency_id, country_code="KE", confirmed_by="NCU", activated_at=datetime.now(UTC)
            ),
            source="/p",
            key=agency_id,
        )
        await producer.send_and_wait(
            topic, value=activated.value, key=activated.key, headers=activated.headers
        )
        row = await eventually(lambda: _status_is(engine, agency_id, "active"), what="agency activated")
    await producer.stop()
    assert row["version"] == 2, "each distinct event applied exactly once"


async def _status_is(engine: object, agency_id: str, status: str) -> dict[str, object] | None:
    row = await known_agency(engine, agency_id)
    return row if row and row["status"] == status else None


async def test_poison_messages_go_to_the_dead_letter_topic_and_the_partition_moves_on(
    deployment: Deployment,
) -> None:
    await deployment.create("training")
    producer = await producer_for(deployment)
    topic = deployment.topic("partners.events.v1")
    key = b"same-partition-key"  # everything on one partition: the good event queues behind the poison
    good_id = str(uuid.uuid4())
    good = encode(registered(good_id), source="/services/partners", key="same-partition-key")
    broken_data = encode(registered(str(uuid.uuid4())), source="/services/partners", key="same-partition-key")
    unknown_agency = encode(
        AgencyActivatedV1(
            agency_id=str(uuid.uuid4()), country_code="KE", confirmed_by="x", activated_at=datetime.now(UTC)
        ),
        source="/p",
        key="same-partition-key",
    )
    await producer.send_and_wait(
        topic, value=b"\x00not json at all", key=key, headers=[("ce_specversion", b"1.0")]
    )
    await producer.send_and_wait(topic, value=b'{"plain": "json without CloudEvent headers"}', key=key)
    await producer.send_and_wait(topic, value=b'{"agency_id": 42}', key=key, headers=broken_data.headers)
    await producer.send_and_wait(topic, value=unknown_agency.value, key=key, headers=unknown_agency.headers)
    await producer.send_and_wait(topic, value=good.value, key=good.key, headers=good.headers)
    await producer.stop()

    async with training_consumer(deployment) as (consumer, engine):
        await eventually(lambda: known_agency(engine, good_id), timeout=60, what="good event applied")
        dead = await read_topic(
            deployment.endpoints,
            deployment.topic("training.deadletter.v1"),
            until=lambda r: len(r) >= 4,
            timeout=30,
        )
    reasons = [header(r, "dlt_reason") for r in sorted(dead, key=lambda r: r.offset)]
    assert reasons == ["malformed_event", "malformed_event", "permanent_error", "retries_exhausted"]
    for record in dead:
        assert header(record, "dlt_source_topic") == topic
        assert header(record, "dlt_source_partition") is not None
        assert header(record, "dlt_source_offset") is not None
        assert header(record, "dlt_consumer_group") == consumer.group_id
        assert header(record, "dlt_error")
        assert record.key == key
    assert dead[0].value == b"\x00not json at all", "the original bytes are kept for inspection"
    assert "LookupError" in (header(dead[3], "dlt_error_type") or "")


async def test_a_rebalance_mid_stream_loses_nothing_and_applies_nothing_twice(deployment: Deployment) -> None:
    await deployment.create("training")
    producer = await producer_for(deployment)
    topic = deployment.topic("partners.events.v1")
    agency_ids = [str(uuid.uuid4()) for _ in range(120)]

    async def publish(ids: list[str]) -> None:
        for agency_id in ids:
            record = encode(registered(agency_id), source="/services/partners", key=agency_id)
            await producer.send(topic, value=record.value, key=record.key, headers=record.headers)
        await producer.flush()

    async def applied(engine: object) -> list[int]:
        async with engine.connect() as conn:  # type: ignore[attr-defined]
            return list((await conn.execute(text("SELECT version FROM known_agencies"))).scalars())

    async with training_consumer(deployment) as (first, engine):
        await publish(agency_ids[:60])
        await eventually(lambda: _at_least(applied(engine), 20), timeout=60, what="first consumer busy")
        async with training_consumer(deployment) as (second, _):  # same group: partitions are rebalanced
            assert second.group_id == first.group_id
            await publish(agency_ids[60:])
            await eventually(lambda: _at_least(applied(engine), 120), timeout=90, what="all events applied")
        versions = await applied(engine)
    await producer.stop()
    assert len(versions) == 120 and set(versions) == {1}


async def _at_least(rows: object, count: int) -> bool:
    return len(await rows) >= count  # type: ignore[misc]
