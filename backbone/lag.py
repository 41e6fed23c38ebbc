"""A consumer's lag, per partition it holds: the records on the partition it has not applied yet.

The end is the last stable offset a read_committed consumer may read to (the high watermark for one that reads
uncommitted), as the latest fetch response reported it; the position is the next offset the consumer hands out,
set once the batch before it is applied. So under a backlog the gauge counts down what is left, and it reads 0 only
when everything fetchable has been applied."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client import Gauge

LAG = Gauge(
    "consumer_lag_records",
    "Records on a partition this consumer holds that it has not applied yet (last stable offset - position)",
    ["service", "topic", "partition"],
)


async def record_lag(consumer: AIOKafkaConsumer, service: str) -> None:
    """Never holds the consumer up: a position not known yet (being reset, the broker away) is skipped."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(_record(consumer, service), timeout=1.0)


async def _record(consumer: AIOKafkaConsumer, service: str) -> None:
    for tp in consumer.assignment():
        end = consumer.last_stable_offset(tp)
        if end is None:
            end = consumer.highwater(tp)
        if end is None:
            continue  # no fetch response for it yet: nothing truthful to say
        position = await consumer.position(tp)
        LAG.labels(service, tp.topic, str(tp.partition)).set(max(0, end - position))


def forget_lag(service: str, partitions: Iterable[TopicPartition]) -> None:
    """A partition moved to another member: its lag is that member's to report."""
    for tp in partitions:
        with contextlib.suppress(KeyError):  # never reported here
            LAG.remove(service, tp.topic, str(tp.partition))


def lag_of(service: str, topic_prefix: str = "") -> float:
    """The sum over the partitions this process holds, of topics with that prefix (benchmarks and tests read it
    in process)."""
    return sum(
        sample.value
        for metric in LAG.collect()
        for sample in metric.samples
        if sample.labels.get("service") == service and sample.labels.get("topic", "").startswith(topic_prefix)
    )
