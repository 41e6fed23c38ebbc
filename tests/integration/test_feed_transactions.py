"""What a feed's transaction commits: every copy it sent, and where the next one resumes.

A feed whose group has lost its committed offsets resumes from its own checkpoints, not from the start. `make
chaos` (seed 25) caught the broker's group coordinator answering "no committed offset" for partitions a
committed transaction had moved, after a broker pause and a killed feed; the successor copied them again: 8
duplicates on national streams. Here the group is deleted between two feed processes, which leaves the broker
answering exactly that.

A copy whose send fails aborts the transaction: aiokafka would commit without it."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaConnectionError, NotLeaderForPartitionError
from aiokafka.protocol.admin import DeleteGroupsRequest
from aiokafka.structs import TopicPartition

from backbone.feed.checkpoints import CHECKPOINTS, checkpoint_key, parse_checkpoint
from backbone.feed.filter import FeedSettings, NationalFeed
from backbone.feed.subscribers import Registry
from backbone.kafka import ensure_topics
from chaos.verify import read_to_end
from contracts.envelope import decode
from tests.integration.test_national_feed import CASES, SUBSCRIBERS, dispute_event, publish, settings_for
from tests.support import Deployment, eventually


class FirstCopyToFails(AIOKafkaProducer):  # type: ignore[misc]
    """As aiokafka reports a batch that expired unsent: the send's future fails, and the record is not written."""

    failing_topic = ""

    async def send(self, topic: str, *args: Any, **kwargs: Any) -> asyncio.Future[Any]:
        if topic != FirstCopyToFails.failing_topic:
            sent: asyncio.Future[Any] = await super().send(topic, *args, **kwargs)
            return sent
        FirstCopyToFails.failing_topic = ""
        failed: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        failed.set_exception(NotLeaderForPartitionError())
        return failed


async def registered_feed(deployment: Deployment, tmp_path: Path) -> FeedSettings:
    """A fresh deployment and a feed's settings with every subscriber registered."""
    await deployment.create()
    registry = Registry(tmp_path / "feed.json")
    for subscriber in SUBSCRIBERS:
        registry.add(subscriber)
    return settings_for(deployment, registry.path)


def rounds_of_cases(rounds: int = 1) -> list[tuple[tuple[str, Any], set[str]]]:
    """Each handling case `rounds` times: ((event id, record), audience)."""
    return [
        (dispute_event(code, origin, members), audience)
        for _ in range(rounds)
        for code, origin, members, audience in CASES
    ]


async def published_cases(deployment: Deployment) -> list[tuple[tuple[str, Any], set[str]]]:
    """One event per handling case, published on partners' topic."""
    events = rounds_of_cases()
    await publish(deployment, [record for (_, record), _ in events])
    return events


async def each_copied_once(deployment: Deployment, events: list[tuple[tuple[str, Any], set[str]]]) -> None:
    """Each subscriber's committed stream holds each event of its audience exactly once, and nothing else."""
    for subscriber in SUBSCRIBERS:
        records = await read_to_end(
            deployment.endpoints, deployment.topic(subscriber.topic), isolation_level="read_committed"
        )
        got = Counter(decode(list(r.headers), r.key, r.value).id for r in records)
        assert got == Counter(i for (i, _), audience in events if subscriber.id in audience), subscriber.id


async def _copy(settings: FeedSettings, events: int) -> NationalFeed:
    feed = NationalFeed(settings)
    stop = asyncio.Event()
    running = asyncio.create_task(feed.run(stop))
    try:
        await eventually(lambda: feed.read >= events, timeout=60, what="the feed copied the batch")
    finally:
        stop.set()
        await running
    return feed


async def _delete_group(deployment: Deployment, group: str) -> None:
    admin = AIOKafkaAdminClient(**deployment.endpoints.kafka_options())
    await admin.start()
    try:

        async def deleted() -> bool:
            coordinator = await admin.find_coordinator(group)
            response = await admin._send_request(DeleteGroupsRequest([group]), coordinator)
            return all(error == 0 for _, error in response.results)  # not while the last member still leaves

        await eventually(deleted, timeout=30, what="the feed's group deleted")
        assert await admin.list_consumer_group_offsets(group) == {}
    finally:
        await admin.close()


async def test_a_feed_whose_group_lost_its_offsets_copies_nothing_twice(
    deployment: Deployment, tmp_path: Path
) -> None:
    settings = await registered_feed(deployment, tmp_path)
    first = await published_cases(deployment)
    await _copy(settings, len(first))

    assert settings.consumer_group is not None
    await _delete_group(deployment, settings.consumer_group)
    second = await published_cases(deployment)
    successor = await _copy(settings, len(second))

    assert successor.read == len(second)
    await each_copied_once(deployment, first + second)


async def test_a_copy_that_fails_aborts_its_transaction_and_is_copied_once_by_the_restart(
    deployment: Deployment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = await registered_feed(deployment, tmp_path)
    events = await published_cases(deployment)

    FirstCopyToFails.failing_topic = deployment.topic(SUBSCRIBERS[-1].topic)
    monkeypatch.setattr("backbone.feed.filter.AIOKafkaProducer", FirstCopyToFails)
    with pytest.raises(NotLeaderForPartitionError):
        await NationalFeed(settings).run(asyncio.Event())
    for subscriber in SUBSCRIBERS:
        committed = await read_to_end(
            deployment.endpoints, deployment.topic(subscriber.topic), isolation_level="read_committed"
        )
        assert committed == [], f"{subscriber.id}: nothing of the aborted transaction is visible"

    monkeypatch.undo()
    await _copy(settings, len(events))
    await each_copied_once(deployment, events)


async def test_subscriber_topics_unreachable_hold_the_batch_instead_of_ending_the_feed(
    deployment: Deployment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make chaos` seed 26: a connection cut while a new feed created its subscribers' topics ended it."""
    settings = await registered_feed(deployment, tmp_path)
    events = await published_cases(deployment)
    attempts: list[int] = []

    async def cut_twice(*args: Any, **kwargs: Any) -> list[str]:
        attempts.append(1)
        if len(attempts) <= 2:
            raise KafkaConnectionError("Connection at 127.0.0.1:9092 closed")
        created: list[str] = await ensure_topics(*args, **kwargs)
        return created

    monkeypatch.setattr("backbone.feed.filter.ensure_topics", cut_twice)
    await _copy(settings, len(events))
    assert len(attempts) == 3
    await each_copied_once(deployment, events)


async def test_the_checkpoints_topic_is_compacted_and_rolls_hourly(
    deployment: Deployment, tmp_path: Path
) -> None:
    """Compaction never touches the active segment: left at Kafka's 1 GiB / 7 days, every start would read a week of
    checkpoints."""
    settings = await registered_feed(deployment, tmp_path)
    events = await published_cases(deployment)
    await _copy(settings, len(events))
    admin = AIOKafkaAdminClient(**deployment.endpoints.kafka_options())
    await admin.start()
    try:
        topic = deployment.topic(CHECKPOINTS.name)
        [response] = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
        configs = {name: value for name, value, *_ in response.resources[0][4]}
    finally:
        await admin.close()
    assert configs["cleanup.policy"] == "compact"
    assert configs["segment.ms"] == "3600000"
    assert configs["retention.ms"] == "-1"


def test_a_checkpoint_key_names_its_group_even_when_the_group_holds_slashes() -> None:
    tp = TopicPartition("t1-partners.events.v1", 4)
    key = checkpoint_key("team/a/feed", tp)
    assert parse_checkpoint(key, b"97") == ("team/a/feed", tp, 97)
