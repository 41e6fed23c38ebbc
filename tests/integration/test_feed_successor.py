"""A national feed that starts after its predecessor was killed mid-transaction: the predecessor's transaction is
settled (fenced and aborted) before the successor reads its group's offsets, and each event reaches each
subscriber once.

Exactly-once copying rests on that order. aiokafka's OffsetFetch cannot ask the broker to wait for pending
transactional offsets (KIP-447's `require_stable`), so a consumer that fetched them while a killed predecessor's
commit was still being completed would re-copy that batch. What keeps the order today is that aiokafka's
`producer.start()` waits for the producer id, which the coordinator hands out only once the predecessor's
transaction is committed or aborted; this test fails if that ever changes (a client upgrade, a lazier start)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from backbone.feed.filter import NationalFeed, subscriber_topic
from backbone.feed.subscribers import Registry
from backbone.kafka import ensure_topics, manual_commit_consumer, security_options
from chaos.verify import read_to_end
from tests.integration.test_feed_transactions import each_copied_once
from tests.integration.test_national_feed import CASES, SUBSCRIBERS, dispute_event, publish, settings_for
from tests.support import Deployment, eventually


async def test_successor_reads_offsets_only_after_the_predecessor_is_settled(
    deployment: Deployment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await deployment.create()
    registry = Registry(tmp_path / "feed.json")
    for subscriber in SUBSCRIBERS:
        registry.add(subscriber)
    settings = settings_for(deployment, registry.path)
    events = [
        (dispute_event(code, originator, members), audience) for code, originator, members, audience in CASES
    ]
    await publish(deployment, [record for (_, record), _ in events])
    source = await read_to_end(deployment.endpoints, deployment.topic("partners.events.v1"))
    past_the_batch = {TopicPartition(r.topic, r.partition): r.offset + 1 for r in source}

    # The predecessor: it copied the batch and moved the group's offsets past it in a transaction, then was killed
    # before it ended (its producer is simply abandoned, as a SIGKILL leaves it).
    await ensure_topics(
        settings.kafka_bootstrap,
        [subscriber_topic(settings, s) for s in SUBSCRIBERS],
        prefix=settings.topic_prefix,
        extra_options=security_options(settings),
    )
    predecessor = AIOKafkaProducer(
        **deployment.endpoints.kafka_options(),
        transactional_id=settings.transactional_id,
        enable_idempotence=True,
    )
    await predecessor.start()
    await predecessor.begin_transaction()
    for subscriber in SUBSCRIBERS:
        await predecessor.send_and_wait(
            deployment.topic(subscriber.topic), value=b"never committed", key=b"x"
        )
    await predecessor.send_offsets_to_transaction(past_the_batch, settings.consumer_group)

    producers: list[AIOKafkaProducer] = []
    id_held_when_consumer_made: list[bool] = []
    original_producer = AIOKafkaProducer

    def producer(**options: Any) -> AIOKafkaProducer:
        made = original_producer(**options)
        producers.append(made)
        return made

    def consumer(*args: Any, **kwargs: Any) -> AIOKafkaConsumer:
        # The consumer fetches the group's offsets as it joins, right after this: by then the predecessor's
        # transaction must be settled, which the coordinator shows by handing the successor its producer id.
        id_held_when_consumer_made.append(producers[-1]._txn_manager.has_pid())
        return manual_commit_consumer(*args, **kwargs)

    monkeypatch.setattr("backbone.feed.filter.AIOKafkaProducer", producer)
    monkeypatch.setattr("backbone.feed.filter.manual_commit_consumer", consumer)
    feed = NationalFeed(settings)
    stop = asyncio.Event()
    running = asyncio.create_task(feed.run(stop))
    try:
        await eventually(lambda: feed.read >= len(events), timeout=60, what="the feed copied the batch")
    finally:
        stop.set()
        await running
        await (
            predecessor.client.close()
        )  # the abandoned producer's connections, without ending its transaction

    assert id_held_when_consumer_made == [True]
    await each_copied_once(deployment, events)
