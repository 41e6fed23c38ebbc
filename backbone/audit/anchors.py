"""The chain's head anchored outside the database: `<service>.audit-anchors.v1`, a Kafka topic kept forever that
the service may append to but not delete from.

Sealing (`backbone.audit.sealing`) keeps the runtime role from forging entries; the tables' owner (or a database
superuser) still could rewrite the chain and recompute every hash after the change. Each anchor fixes the hash at
one sequence number, in a system that owner cannot rewrite: `verify --anchors` reports any anchored position
whose hash is no longer there.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition

from backbone.audit.verify import PLATFORM_VIEW, Anchor
from backbone.kafka import client_options, idempotent_producer
from backbone.settings import ServiceSettings
from contracts.topics import audit_anchor_topic


def anchor_topic(settings: ServiceSettings) -> str:
    return settings.topic(audit_anchor_topic(settings.service_name).name)


async def current_head(conn: asyncpg.Connection) -> Anchor:
    async with conn.transaction(readonly=True):
        await conn.execute(PLATFORM_VIEW)
        head = await conn.fetchrow("SELECT seq, hash FROM audit_chain_head WHERE id = 1")
    return Anchor(int(head["seq"]), str(head["hash"]), datetime.now(UTC).isoformat())


async def publish(settings: ServiceSettings, anchor: Anchor) -> None:
    producer = idempotent_producer(settings, client_id=f"{settings.service_name}-audit-anchor")
    await producer.start()
    try:
        value = {"service": settings.service_name, **anchor.__dict__}
        await producer.send_and_wait(
            anchor_topic(settings),
            key=settings.service_name.encode(),
            value=json.dumps(value, sort_keys=True).encode(),
        )
    finally:
        await producer.stop()


async def read_all(settings: ServiceSettings) -> list[Anchor]:
    """Every anchor published so far (no consumer group: nothing is committed, and nothing is skipped)."""
    consumer = AIOKafkaConsumer(
        **client_options(settings),
        enable_auto_commit=False,
        client_id=f"{settings.service_name}-audit-verify",
    )
    await consumer.start()
    try:
        topic = anchor_topic(settings)
        spec = audit_anchor_topic(settings.service_name)
        partitions = [
            TopicPartition(topic, p) for p in range(spec.partitions)
        ]  # the registry creates them so
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        anchors: list[Anchor] = []
        while [tp for tp, end in ends.items() if await consumer.position(tp) < end]:
            batch = await consumer.getmany(*partitions, timeout_ms=1000)
            for records in batch.values():
                for record in records:
                    body = json.loads(record.value or b"{}")
                    if body.get("service") == settings.service_name:
                        anchors.append(Anchor(int(body["seq"]), str(body["hash"]), str(body["anchored_at"])))
        return anchors
    finally:
        await consumer.stop()
