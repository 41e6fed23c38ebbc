"""After a rebalance, the feed resumes each partition from the later of the group's committed offset and the end of
what its own committed transactions copied: the group's offsets can still read behind a transaction that has just
committed (its markers are written after the commit returns, and aiokafka cannot ask the broker to wait for them),
and resuming from them would copy that batch to the national streams a second time."""

from __future__ import annotations

import asyncio

from aiokafka import TopicPartition
from aiokafka.errors import KafkaConnectionError

from backbone.feed.filter import _BatchFinishesFirst

ONE, TWO, THREE = (TopicPartition("partners.events.v1", n) for n in range(3))


class GroupReadingBehind:
    """A consumer whose group offsets are those before the last transaction's markers landed."""

    def __init__(self, committed: dict[TopicPartition, int | None]) -> None:
        self._committed = committed
        self.seeks: dict[TopicPartition, int] = {}

    async def committed(self, tp: TopicPartition) -> int | None:
        return self._committed[tp]

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.seeks[tp] = offset


def test_a_partition_resumes_after_what_this_feed_copied_when_the_group_reads_behind() -> None:
    consumer = GroupReadingBehind({ONE: 40, TWO: None, THREE: 90})
    # Copied and committed here: ONE up to 57 (its offsets not visible yet), TWO up to 12 (none visible: the
    # first batch), THREE up to 80 (another member has since moved it further: the group's offset stands).
    listener = _BatchFinishesFirst(asyncio.Lock(), consumer, {ONE: 57, TWO: 12, THREE: 80})
    asyncio.run(listener.on_partitions_assigned([ONE, TWO, THREE]))
    assert consumer.seeks == {ONE: 57, TWO: 12, THREE: 90}


def test_partitions_this_feed_never_copied_resume_from_the_group_explicitly() -> None:
    """Sought even where the group's offset stands: aiokafka's own OffsetFetch, made as the assignment starts,
    can read none where this one read it (chaos seed 26), and would send the partition back to its start."""
    consumer = GroupReadingBehind({ONE: 40, TWO: None})
    listener = _BatchFinishesFirst(asyncio.Lock(), consumer, {THREE: 5})
    asyncio.run(listener.on_partitions_assigned([ONE, TWO]))
    assert consumer.seeks == {ONE: 40}


class Unreadable(GroupReadingBehind):
    async def committed(self, tp: TopicPartition) -> int | None:
        raise KafkaConnectionError("the broker went away")


def test_with_the_group_unreadable_partitions_resume_from_the_checkpoints() -> None:
    consumer = Unreadable({})
    listener = _BatchFinishesFirst(asyncio.Lock(), consumer, {ONE: 57, THREE: 5})
    asyncio.run(listener.on_partitions_assigned([ONE, TWO]))
    assert consumer.seeks == {ONE: 57}
