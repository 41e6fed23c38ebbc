"""`make bench` (issue 18's K4): the consumer runtime against a bare aiokafka `getmany` loop, in the same run.

Each round writes N `partners.agency_registered.v1` records to a fresh topic, then reads them all twice:
(a) a bare consumer group's `getmany` loop that only counts records (the baseline: what reading costs),
(b) the training service's real consumer (`EventConsumer` with training's subscription): per record, an inbox
    row and the handler's read-model write in one transaction, offsets committed after each batch.
Rate = N / time to the last record handled. Goal: (b) >= 0.7x (a). Warm-up round first, then the median of the
per-round ratios (each round measures both back to back, so a slow phase of this shared machine hits both).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid

import asyncpg
from aiokafka import AIOKafkaConsumer

from backbone.consumer import EventConsumer
from backbone.db import create_engine, create_sessionmaker
from backbone.kafka import ensure_topics, idempotent_producer
from benchmarks.relay import event as agency
from contracts.envelope import encode
from contracts.topics import TOPICS
from devstack.config import StackConfig
from devstack.infra import ensure_infra, stop_started
from services.training.handlers import subscription
from tests.support import Deployment

TOPIC = "partners.events.v1"


async def write_round(deployment: Deployment, prefix: str, count: int) -> None:
    await ensure_topics(
        deployment.endpoints.kafka_bootstrap,
        TOPICS,
        prefix=prefix,
        extra_options=deployment.endpoints.kafka_security(),
    )
    producer = idempotent_producer(deployment.settings("training"))
    await producer.start()
    try:
        sent = []
        for i in range(count):
            key, event = agency(i)  # the relay benchmark's events
            record = encode(event, source="/bench", key=key)
            sent.append(
                await producer.send(
                    f"{prefix}{TOPIC}", value=record.value, key=record.key, headers=record.headers
                )
            )
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def bare_rate(deployment: Deployment, prefix: str, count: int) -> float:
    consumer = AIOKafkaConsumer(
        f"{prefix}{TOPIC}",
        **deployment.endpoints.kafka_options(),
        group_id=f"bench-bare-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    start = time.perf_counter()
    await consumer.start()
    seen = 0
    try:
        while seen < count:
            batches = await consumer.getmany(timeout_ms=500, max_records=200)
            seen += sum(len(records) for records in batches.values())
            if batches:
                await consumer.commit()  # offsets after each batch, as the runtime does
        return count / (time.perf_counter() - start)
    finally:
        await consumer.stop()


async def runtime_rate(deployment: Deployment, prefix: str, count: int) -> float:
    group = f"bench-runtime-{uuid.uuid4().hex[:8]}"
    settings = deployment.settings("training", topic_prefix=prefix, consumer_group=group)
    engine = create_engine(settings)
    runtime = EventConsumer(settings, create_sessionmaker(engine), subscription(settings), group_id=group)
    admin = await asyncpg.connect(
        deployment.endpoints.postgres_admin_url.replace("postgresql+asyncpg://", "postgresql://"),
        database=deployment.database("training"),
    )
    start = time.perf_counter()
    task = asyncio.create_task(runtime.run())
    try:
        while True:
            handled = await admin.fetchval("SELECT count(*) FROM inbox WHERE consumer_group = $1", group)
            if handled >= count:
                return count / (time.perf_counter() - start)
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
    finally:
        runtime.stop()
        await task
        await admin.close()
        await engine.dispose()


async def main(count: int, rounds: int) -> int:
    config = StackConfig.from_env()
    endpoints, started = await asyncio.to_thread(ensure_infra, config)
    deployment = Deployment(endpoints)
    await deployment.create("training")
    bare_rates, runtime_rates = [], []
    try:
        for round_no in range(rounds + 1):
            prefix = f"{deployment.prefix}.k4r{round_no}."
            await write_round(deployment, prefix, count)
            bare = await bare_rate(deployment, prefix, count)
            runtime = await runtime_rate(deployment, prefix, count)
            label = "warm-up" if round_no == 0 else f"round {round_no}"
            print(
                f"{label}: bare {bare:,.0f} ev/s, runtime {runtime:,.0f} ev/s, ratio {runtime / bare:.3f}",
                file=sys.stderr,
            )
            if round_no:
                bare_rates.append(bare)
                runtime_rates.append(runtime)
    finally:
        await deployment.destroy()
        await asyncio.to_thread(stop_started, config, started)  # what `make run` holds stays up
    ratio = statistics.median(r / b for r, b in zip(runtime_rates, bare_rates, strict=True))
    print()
    print(f"Consumer runtime benchmark (K4; {count:,} events x {rounds} rounds after warm-up)")
    bare, runtime = statistics.median(bare_rates), statistics.median(runtime_rates)
    print(
        f"  bare getmany {bare:>10,.0f} ev/s   runtime {runtime:>8,.0f} ev/s   ratio {ratio:.3f}x (median of rounds)"
        f"   (goal >= 0.7x) {'OK' if ratio >= 0.7 else 'MISSED'}"
    )
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.events, args.rounds)))
