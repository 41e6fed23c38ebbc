"""Where the feed has copied up to, kept by the feed itself: one record per source partition in a compacted topic,
written in the same transaction as the copies and the group's offsets, and read back with read_committed when a
feed process starts.

The group's committed offsets are written in that transaction too, but a feed cannot trust them alone. `make chaos`
(seed 25) caught the broker's group coordinator answering "no committed offset" for partitions whose offsets a
committed transaction had moved, after it reloaded the group behind a broker pause and a killed feed: the successor
copied those partitions again from the start. A topic's own records are read from its log, not from the
coordinator's memory, and a read_committed reader sees a transaction's records exactly when its copies are visible.
"""

from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

from backbone.kafka import (
    client_options,
    durability,
    ensure_topics,
    records_to_end,
    retried,
    security_options,
)
from backbone.settings import ServiceSettings
from contracts.topics import TopicSpec

log = logging.getLogger(__name__)

CHECKPOINTS = TopicSpec(
    name="feed.checkpoints.v1",
    owner="feed",
    description=(
        "Per consumer group and source partition, the next offset the national feed copies from: written in the "
        "feed's transactions, compacted to the latest per key."
    ),
    partitions=1,
    retention_ms=-1,
    compacted=True,
)


def checkpoint_key(group: str, tp: TopicPartition) -> bytes:
    # Topic names cannot hold "/", so the last two fields always split off cleanly, whatever the group's name.
    return f"{group}/{tp.topic}/{tp.partition}".encode()


def parse_checkpoint(key: bytes, value: bytes) -> tuple[str, TopicPartition, int]:
    group, topic, partition = key.decode().rsplit("/", 2)
    return group, TopicPartition(topic, int(partition)), int(value)


async def write_checkpoints(
    producer: AIOKafkaProducer, topic: str, group: str, next_offsets: dict[TopicPartition, int]
) -> list[asyncio.Future[object]]:
    """Inside the caller's transaction: they commit with the copies or not at all (the caller awaits their
    delivery before it commits)."""
    return [
        await producer.send(topic, key=checkpoint_key(group, tp), value=str(offset).encode())
        for tp, offset in next_offsets.items()
    ]


async def read_checkpoints(
    settings: ServiceSettings, group: str, *, stopping: asyncio.Event
) -> dict[TopicPartition, int] | None:
    """The latest committed checkpoint of each source partition for `group` (None if asked to stop first).

    Read only after this process's transactional producer has started: the coordinator hands it its producer id
    only once a predecessor's transaction is settled, so its checkpoints are decided and their markers written,
    and the last stable offset this reader stops at is past them. A broker away is waited for."""

    async def attempt() -> dict[TopicPartition, int]:
        await ensure_topics(
            settings.kafka_bootstrap,
            [CHECKPOINTS],
            prefix=settings.topic_prefix,
            extra_options=security_options(settings),
            **durability(settings),
        )
        return await _read_all(settings, settings.topic(CHECKPOINTS.name), group)

    return await retried(attempt, stopping=stopping, what="feed checkpoints", transient=_unreadable_for_now)


def _unreadable_for_now(exc: BaseException) -> bool:
    """Whatever the broker answers is waited out: the feed cannot copy before it knows where it copied up to."""
    return isinstance(exc, (KafkaError, TimeoutError))


async def _read_all(settings: ServiceSettings, topic: str, group: str) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(
        **client_options(settings),
        group_id=None,
        enable_auto_commit=False,
        isolation_level="read_committed",
        client_id="national-feed-checkpoints",
    )
    await consumer.start()
    try:
        found: dict[TopicPartition, int] = {}
        for record in await records_to_end(consumer, [TopicPartition(topic, 0)]):
            if record.key is None or record.value is None:
                continue  # a tombstone: nothing of ours writes one
            owner, tp, offset = parse_checkpoint(record.key, record.value)
            if owner == group:
                found[tp] = offset
        return found
    finally:
        await consumer.stop()
