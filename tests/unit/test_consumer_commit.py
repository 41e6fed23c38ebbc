"""A consumer's offset commit that meets a cut broker connection loses nothing (the inbox absorbs the redelivery)
and must not end the process. Under uvloop, aiokafka's write to a connection cut before it noticed raises a
RuntimeError rather than KafkaConnectionError: a finance consumer died of it in the 760-fault chaos run."""

from __future__ import annotations

from typing import Any

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import KafkaConnectionError

from backbone.consumer import EventConsumer
from backbone.handling import Subscription
from backbone.kafka import transport_closed
from backbone.settings import load_settings

CUT = "unable to perform operation on <TCPTransport closed=True reading=False 0x55d45cd1c290>; the handler is closed"


class Committing:
    def __init__(self, error: BaseException) -> None:
        self.error = error
        self.asked: list[dict[TopicPartition, int]] = []

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.asked.append(offsets)
        raise self.error


def consumer_committing_into(error: BaseException) -> tuple[EventConsumer, Committing]:
    consumer = EventConsumer(
        load_settings("training"),
        None,  # type: ignore[arg-type]  # no record is handled here
        Subscription(topics=(), handlers={}),
    )
    kafka = Committing(error)
    consumer._consumer = kafka
    consumer._processed[TopicPartition("t", 0)] = 42
    return consumer, kafka


@pytest.mark.parametrize(
    "error", [RuntimeError(CUT), KafkaConnectionError("Connection at 127.0.0.1:9 closed")]
)
async def test_a_commit_on_a_cut_connection_is_logged_and_the_consumer_goes_on(error: Any) -> None:
    consumer, kafka = consumer_committing_into(error)
    await consumer.commit_processed(None)
    assert kafka.asked == [{TopicPartition("t", 0): 42}]


async def test_any_other_runtime_error_is_a_bug_and_ends_the_process() -> None:
    consumer, _ = consumer_committing_into(RuntimeError("a bug"))
    with pytest.raises(RuntimeError, match="a bug"):
        await consumer.commit_processed(None)


def test_only_a_closed_transport_reads_as_a_cut_connection() -> None:
    assert transport_closed(RuntimeError(CUT))
    assert not transport_closed(RuntimeError("a bug")) and not transport_closed(ValueError(CUT))
