"""After a rebalance, the feed resumes each partition from the later of the group's committed offset and the end of
what its own committed transactions copied: the group's offsets can still read behind a transaction that has just
committed (its markers are written after the commit returns, and aiokafka cannot ask the broker to wait for them),
and resuming from them would copy that batch to the national streams a second time."""

from __future__ import annotations

import asyncio

import pytest
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


def test_every_partition_is_sought_even_where_the_group_offset_stands_or_nothing_was_copied() -> None:
    """aiokafka's own OffsetFetch, made as the assignment starts, can read none where this one read it (chaos seed
    26), and would send the partition back to its start; a partition never copied from starts at the beginning."""
    consumer = GroupReadingBehind({ONE: 40, TWO: None})
    listener = _BatchFinishesFirst(asyncio.Lock(), consumer, {THREE: 5})
    asyncio.run(listener.on_partitions_assigned([ONE, TWO]))
    assert consumer.seeks == {ONE: 40, TWO: 0}


class Unreadable(GroupReadingBehind):
    async def committed(self, tp: TopicPartition) -> int | None:
        raise KafkaConnectionError("the broker went away")


def test_with_the_group_unreadable_partitions_resume_from_the_checkpoints() -> None:
    consumer = Unreadable({})
    listener = _BatchFinishesFirst(asyncio.Lock(), consumer, {ONE: 57, TWO: 3, THREE: 5})
    asyncio.run(listener.on_partitions_assigned([ONE, TWO]))
    assert consumer.seeks == {ONE: 57, TWO: 3}
    assert not listener.read_in_vain(listener.rebalances)


def test_with_the_group_unreadable_and_a_partition_never_checkpointed_the_feed_starts_over() -> None:
    """Without its checkpoint, "never copied from" is not known: the feed ends (its restart asks the group
    again) instead of waiting with its partitions unsought or copying that one from its start."""
    consumer = Unreadable({})
    listener = _BatchFinishesFirst(asyncio.Lock(), consumer, {ONE: 57})
    with pytest.raises(KafkaConnectionError):
        asyncio.run(listener.on_partitions_assigned([ONE, TWO]))
    assert consumer.seeks == {}
    assert isinstance(listener.failure, KafkaConnectionError)
    assert listener.read_in_vain(listener.rebalances)


async def _a_rebalance(listener: _BatchFinishesFirst, assigned: list[TopicPartition]) -> None:
    await listener.on_partitions_revoked([])
    await listener.on_partitions_assigned(assigned)


def test_a_batch_read_before_a_rebalance_or_during_its_seeks_is_not_copied() -> None:
    consumer = GroupReadingBehind({ONE: 40})
    listener = _BatchFinishesFirst(asyncio.Lock(), consumer, {})
    assert listener.read_in_vain(listener.rebalances), "nothing is sought before the first assignment"
    asyncio.run(_a_rebalance(listener, [ONE]))
    read_at = listener.rebalances
    assert not listener.read_in_vain(read_at)

    asyncio.run(listener.on_partitions_revoked([ONE]))
    assert listener.read_in_vain(read_at), "a rebalance has started: its seeks will decide"
    asyncio.run(listener.on_partitions_assigned([ONE]))
    assert listener.read_in_vain(read_at), "read from the positions before the rebalance"
    assert not listener.read_in_vain(listener.rebalances)


def test_a_rebalance_waits_for_the_transaction_in_hand() -> None:
    async def scenario() -> list[str]:
        lock, order = asyncio.Lock(), []
        listener = _BatchFinishesFirst(lock, GroupReadingBehind({ONE: 1}), {})

        async def transaction() -> None:
            async with lock:
                await asyncio.sleep(0.05)
                order.append("committed")

        copying = asyncio.create_task(transaction())
        await asyncio.sleep(0)
        await _a_rebalance(listener, [ONE])
        order.append("sought")
        await copying
        return order

    assert asyncio.run(scenario()) == ["committed", "sought"]
