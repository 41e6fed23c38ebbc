"""Processes killed with SIGKILL at the worst moments: nothing accepted is lost, nothing applied twice."""

from __future__ import annotations

import signal
import uuid
from collections.abc import Awaitable
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import TopicPartition
from sqlalchemy import text

from backbone.db import create_engine, create_sessionmaker
from backbone.faults import CONSUMER_AFTER_DB_COMMIT, RELAY_AFTER_PUBLISH, RELAY_BEFORE_PUBLISH
from services.partners.agencies import service
from services.partners.agencies.schemas import AgencyRegistration, CountryIn
from tests.support import Deployment, eventually, header, read_topic, serve_process

KILLED = -signal.SIGKILL


async def register_agency(deployment: Deployment) -> str:
    engine = create_engine(deployment.settings("partners"))
    async with create_sessionmaker(engine)() as session:
        outcome = await service.register_agency(
            session,
            registration=AgencyRegistration(
                country=CountryIn(code="BR", name="Brazil"),
                name=f"Polícia Federal {uuid.uuid4().hex[:6]}",
                agency_type="police",
            ),
            idempotency=None,
        )
    await engine.dispose()
    return str(outcome.body["id"])


async def unpublished(deployment: Deployment) -> int:
    engine = create_engine(deployment.settings("partners"))
    async with engine.connect() as conn:
        count = await conn.scalar(text("SELECT count(*) FROM outbox"))
    await engine.dispose()
    return int(count or 0)


async def training_row(deployment: Deployment, agency_id: str) -> dict[str, object] | None:
    engine = create_engine(deployment.settings("training"))
    async with engine.connect() as conn:
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
        inbox = await conn.scalar(text("SELECT count(*) FROM inbox"))
    await engine.dispose()
    return {**row, "inbox": inbox} if row else None


async def test_relay_killed_after_publish_before_mark_republishes_and_the_effect_is_applied_once(
    deployment: Deployment,
    process_logs: Path,
) -> None:
    await deployment.create("partners", "training")
    agency_id = await register_agency(deployment)
    topic = deployment.topic("partners.events.v1")

    crashing = serve_process(deployment, "partners", "relay", process_logs).start(
        BACKBONE_CRASH_AT=RELAY_AFTER_PUBLISH
    )
    assert await crashing.wait_exit(60) == KILLED, crashing.log_tail()
    assert await unpublished(deployment) == 1, "the row was published but never marked: it must stay pending"

    relay = serve_process(deployment, "partners", "relay", process_logs).start()
    consumer = serve_process(deployment, "training", "consumer", process_logs).start()
    try:
        await eventually(lambda: _zero(unpublished(deployment)), timeout=60, what="row marked published")
        records = await read_topic(deployment.endpoints, topic, until=lambda r: len(r) >= 2)
        assert len({header(r, "ce_id") for r in records}) == 1, "the same event, delivered twice on the wire"
        row = await eventually(lambda: training_row(deployment, agency_id), timeout=60, what="read model row")
        await eventually(
            lambda: _consumed_to_end(deployment, topic, "training"), timeout=60, what="both copies consumed"
        )
        row = await training_row(deployment, agency_id)
        assert row is not None and row["version"] == 1 and row["inbox"] == 1, row
    finally:
        relay.stop()
        consumer.stop()


async def test_relay_killed_before_publish_loses_nothing(deployment: Deployment, process_logs: Path) -> None:
    await deployment.create("partners")
    await register_agency(deployment)
    crashing = serve_process(deployment, "partners", "relay", process_logs).start(
        BACKBONE_CRASH_AT=RELAY_BEFORE_PUBLISH
    )
    assert await crashing.wait_exit(60) == KILLED, crashing.log_tail()
    assert await unpublished(deployment) == 1
    relay = serve_process(deployment, "partners", "relay", process_logs).start()
    try:
        records = await read_topic(
            deployment.endpoints,
            deployment.topic("partners.events.v1"),
            until=lambda r: len(r) >= 1,
            timeout=60,
        )
        assert len(records) == 1
        await eventually(lambda: _zero(unpublished(deployment)), timeout=30, what="row marked published")
    finally:
        relay.stop()


async def test_consumer_killed_between_db_commit_and_offset_commit_applies_the_event_once(
    deployment: Deployment,
    process_logs: Path,
) -> None:
    await deployment.create("partners", "training")
    agency_id = await register_agency(deployment)
    topic = deployment.topic("partners.events.v1")
    relay = serve_process(deployment, "partners", "relay", process_logs).start()
    try:
        crashing = serve_process(deployment, "training", "consumer", process_logs).start(
            BACKBONE_CRASH_AT=CONSUMER_AFTER_DB_COMMIT
        )
        assert await crashing.wait_exit(90) == KILLED, crashing.log_tail()
        row = await training_row(deployment, agency_id)
        assert row is not None and row["version"] == 1, "the handler's transaction committed before the kill"
        assert not await _consumed_to_end(deployment, topic, "training"), "the offset was never committed"

        consumer = serve_process(deployment, "training", "consumer", process_logs).start()
        try:
            await eventually(
                lambda: _consumed_to_end(deployment, topic, "training"),
                timeout=90,
                what="redelivered event consumed and committed",
            )
            row = await training_row(deployment, agency_id)
            assert row is not None and row["version"] == 1 and row["inbox"] == 1, row
        finally:
            consumer.stop()
    finally:
        relay.stop()


async def _zero(count: Awaitable[int]) -> bool:
    return await count == 0


async def _consumed_to_end(deployment: Deployment, topic: str, service: str) -> bool:
    """The group's committed offsets have reached the end of every partition of `topic`."""
    from aiokafka import AIOKafkaConsumer

    group = deployment.settings(service).consumer_group
    admin = AIOKafkaAdminClient(**deployment.endpoints.kafka_options())
    probe = AIOKafkaConsumer(**deployment.endpoints.kafka_options())
    await admin.start()
    await probe.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
        cluster = await probe._client.fetch_all_metadata()
        tps = [TopicPartition(topic, p) for p in cluster.partitions_for_topic(topic) or ()]
        ends = await probe.end_offsets(tps)
        return all(end == 0 or (tp in committed and committed[tp].offset >= end) for tp, end in ends.items())
    finally:
        await probe.stop()
        await admin.close()
