"""The national feed while its consumer group rebalances over and over (another member joining and leaving, as
when a filter restarts or its session expires under load): each subscriber's topic still holds each event once,
and the feed goes on copying.

Found by `make chaos`:
- a rebalance between reading a batch and committing its transaction reset the positions to offsets that
  transaction was about to move, and the batch was copied a second time;
- (seed 27) a rebalance that began while the feed waited for records, with records arriving during the wait,
  stalled the feed for good: aiokafka's `getmany` waits for the new assignment, which waited for the feed's
  rebalance listener, which waited for the batch `getmany` was reading. 31 copies never reached FR."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from backbone.feed.filter import NationalFeed
from backbone.feed.subscribers import Subscriber
from contracts.topics import EVENT_TOPICS
from tests.integration.test_feed_transactions import each_copied_once, registered_feed, rounds_of_cases
from tests.integration.test_national_feed import publish
from tests.support import Deployment, eventually


class SlowFeed(NationalFeed):
    """Takes its time over a batch while `slow` is set: a rebalance then lands between read and commit, as when
    the broker stalls (the chaos run paused it) or the process is starved of CPU."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.slow = asyncio.Event()

    async def _forward(
        self,
        producer: AIOKafkaProducer,
        batch: dict[TopicPartition, list[Any]],
        subscribers: tuple[Subscriber, ...],
    ) -> None:
        if self.slow.is_set():
            await asyncio.sleep(5)
        await super()._forward(producer, batch, subscribers)


def _intruder(deployment: Deployment, group: str | None) -> AIOKafkaConsumer:
    """Another member of the feed's group: joining splits the partitions, leaving hands them back."""
    return AIOKafkaConsumer(
        *(deployment.topic(spec.name) for spec in EVENT_TOPICS),
        **deployment.endpoints.kafka_options(),
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )


async def test_a_rebalance_while_the_feed_waits_for_records_does_not_stall_it(
    deployment: Deployment, tmp_path: Path
) -> None:
    settings = await registered_feed(deployment, tmp_path)
    events = rounds_of_cases(12)
    feed = NationalFeed(settings)
    stop = asyncio.Event()
    running = asyncio.create_task(feed.run(stop))

    async def trickle() -> None:  # one event at a time: the feed spends most of its time waiting in `getmany`
        for (_, record), _ in events:
            await publish(deployment, [record])
            await asyncio.sleep(0.1)

    try:
        await eventually(lambda: feed.health.is_ready, timeout=60, what="the feed started")
        publishing = asyncio.create_task(trickle())
        for _ in range(2):
            intruder = _intruder(deployment, settings.consumer_group)
            await intruder.start()
            await asyncio.sleep(4)
            await intruder.stop()
            await asyncio.sleep(4)
        await publishing
        await eventually(lambda: feed.read >= len(events), timeout=60, what="every event copied")
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=30)
    await each_copied_once(deployment, events)


async def test_rebalances_mid_stream_copy_nothing_twice(deployment: Deployment, tmp_path: Path) -> None:
    settings = (await registered_feed(deployment, tmp_path)).model_copy(update={"batch_size": 3})
    events = rounds_of_cases(30)
    feed = SlowFeed(settings)
    stop = asyncio.Event()
    running = asyncio.create_task(feed.run(stop))
    try:
        await publish(deployment, [record for (_, record), _ in events[:30]])
        await eventually(lambda: feed.read > 0, timeout=60, what="the feed started copying")
        chunks = [events[i : i + 30] for i in range(30, len(events), 30)]
        for (
            chunk
        ) in chunks:  # more events, then a member joins (partitions split) and leaves (they come back)
            await publish(deployment, [record for (_, record), _ in chunk])
            intruder = _intruder(deployment, settings.consumer_group)
            feed.slow.set()
            await intruder.start()
            await asyncio.sleep(6)
            await intruder.stop()
            feed.slow.clear()
            await asyncio.sleep(1.0)
        await eventually(lambda: feed.read >= len(events), timeout=120, what="every event read")
    finally:
        stop.set()
        await running
    await each_copied_once(deployment, events)
