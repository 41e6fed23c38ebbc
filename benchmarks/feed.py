"""`make bench ONLY=F1`: the national feed's copy rate with 20 subscribers against a raw consume + produce loop.

N public events (released to every country) on the partners topic; 20 national subscribers, so each event is
copied 20 times. (a) the raw loop: getmany, one idempotent send per copy, wait for the acks, commit the offsets;
(b) the feed itself (`NationalFeed`: registry, routing by audience, one Kafka transaction per batch holding the
copies and the consumed offsets). Rate = source events per second until the last is handled. Goal >= 0.7x.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from aiokafka import AIOKafkaConsumer

from backbone.feed.filter import NationalFeed, feed_settings
from backbone.feed.subscribers import Registry, Subscriber
from backbone.kafka import ensure_topics, idempotent_producer
from benchmarks.relay import event as agency
from benchmarks.table import Row, median_ratio, run_standalone, stack_endpoints
from contracts.envelope import encode
from contracts.topics import TOPICS, TopicSpec
from rules.releasability import Release
from tests.support import Deployment

COUNTRIES = (
    "FR",
    "SN",
    "BR",
    "KE",
    "MX",
    "DE",
    "NL",
    "IT",
    "ES",
    "PT",
    "BE",
    "CI",
    "GH",
    "NG",
    "MA",
    "TN",
    "JP",
    "CA",
    "AU",
    "CL",
)
SUBSCRIBERS = tuple(Subscriber(f"{c.lower()}-ncu", c) for c in COUNTRIES)
BATCH = 500


async def write_events(deployment: Deployment, prefix: str, count: int) -> None:
    endpoints = deployment.endpoints
    national = [TopicSpec(name=s.topic, owner="feed", description="bench", partitions=3) for s in SUBSCRIBERS]
    await ensure_topics(
        endpoints.kafka_bootstrap,
        [*TOPICS, *national],
        prefix=prefix,
        extra_options=endpoints.kafka_security(),
    )
    producer = idempotent_producer(deployment.settings("partners"))
    await producer.start()
    release = Release.of("public", originator="FR")
    try:
        sent = []
        for i in range(count):
            key, ev = agency(i)
            record = encode(ev, source="/bench", key=key, extensions=release.extensions())
            sent.append(
                await producer.send(
                    f"{prefix}partners.events.v1", value=record.value, key=record.key, headers=record.headers
                )
            )
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def raw_rate(deployment: Deployment, prefix: str, count: int) -> float:
    consumer = AIOKafkaConsumer(
        f"{prefix}partners.events.v1",
        **deployment.endpoints.kafka_options(),
        group_id=f"bench-raw-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    producer = idempotent_producer(deployment.settings("partners"))
    await producer.start()
    start = time.perf_counter()
    await consumer.start()
    seen = 0
    try:
        while seen < count:
            batch = await consumer.getmany(timeout_ms=500, max_records=BATCH)
            acks = [
                await producer.send(
                    f"{prefix}{s.topic}", value=r.value, key=r.key, headers=list(r.headers or ())
                )
                for records in batch.values()
                for r in records
                for s in SUBSCRIBERS
            ]
            await asyncio.gather(*acks)
            if batch:
                await consumer.commit()
            seen += sum(len(records) for records in batch.values())
        return count / (time.perf_counter() - start)
    finally:
        await consumer.stop()
        await producer.stop()


async def feed_rate(deployment: Deployment, prefix: str, count: int, registry: Path) -> float:
    settings = feed_settings(
        environment="test",
        **deployment.kafka_settings(),
        topic_prefix=prefix,
        subscribers_file=registry,
        consumer_group=f"{prefix}feed",
        transactional_id=f"{prefix}national-feed-0",
        batch_size=BATCH,
    )
    feed = NationalFeed(settings)
    stop = asyncio.Event()
    start = time.perf_counter()
    running = asyncio.create_task(feed.run(stop))
    try:
        while feed.read < count:
            if running.done():
                running.result()
            await asyncio.sleep(0.01)
        return count / (time.perf_counter() - start)
    finally:
        stop.set()
        await running


async def measure_rounds(
    deployment: Deployment, count: int, rounds: int, registry: Path, rates: dict[str, list[float]]
) -> None:
    for round_no in range(rounds + 1):
        # Each side reads the round's events from its own copy of the topics (the subscriber topics too).
        raw_prefix, feed_prefix = (f"{deployment.prefix}.f1{side}{round_no}." for side in ("r", "f"))
        await write_events(deployment, raw_prefix, count)
        await write_events(deployment, feed_prefix, count)
        raw = await raw_rate(deployment, raw_prefix, count)
        feed = await feed_rate(deployment, feed_prefix, count, registry)
        label = "warm-up" if round_no == 0 else f"round {round_no}"
        print(f"{label}: raw {raw:,.0f} ev/s, feed {feed:,.0f} ev/s, ratio {feed / raw:.2f}", file=sys.stderr)
        if round_no:
            rates["raw"].append(raw)
            rates["feed"].append(feed)


async def measure(count: int = 5000, rounds: int = 3) -> list[Row]:
    deployment = Deployment(await stack_endpoints())
    registry = Registry(Path(tempfile.mkdtemp(prefix="bench-feed-")) / "feed.json")
    for subscriber in SUBSCRIBERS:
        registry.add(subscriber)
    rates: dict[str, list[float]] = {"raw": [], "feed": []}
    try:
        await measure_rounds(deployment, count, rounds, registry.path, rates)
    finally:
        await deployment.destroy()  # every topic under its prefix, the subscribers' included
    ratio = median_ratio(rates["feed"], rates["raw"])
    raw, feed = statistics.median(rates["raw"]), statistics.median(rates["feed"])
    return [
        Row(
            "F1",
            f"national feed, {count:,} public events x {len(SUBSCRIBERS)} subscribers",
            f"raw consume + produce {raw:,.0f} ev/s ({raw * len(SUBSCRIBERS):,.0f} copies/s)",
            f"feed {feed:,.0f} ev/s ({feed * len(SUBSCRIBERS):,.0f} copies/s), transactional",
            f"{ratio:.2f}x",
            ">= 0.7x",
            ratio >= 0.7,
            {"raw": raw, "feed": feed, "ratio": ratio},
        )
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sys.exit(run_standalone(lambda: measure(args.events, args.rounds)))
