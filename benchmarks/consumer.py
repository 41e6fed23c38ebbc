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
import json
import os
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg
import psutil
from aiokafka import AIOKafkaConsumer
from prometheus_client import REGISTRY

from backbone.consumer import EventConsumer
from backbone.db import create_engine, create_sessionmaker
from backbone.kafka import ensure_topics, idempotent_producer
from backbone.lag import lag_of
from benchmarks.relay import event as agency
from benchmarks.table import Row, median_ratio, run_standalone, stack_endpoints
from contracts.envelope import encode
from contracts.events.partners import AgencyRegisteredV1
from contracts.topics import TOPICS
from services.training.handlers import subscription
from tests.support import Deployment

TOPIC = "partners.events.v1"
BATCH = int(os.environ.get("K4_BATCH", "500"))
"""Records per fetch, for the runtime (its `consumer_batch_max`) and the baselines alike."""


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
        for first in range(0, count, 10_000):  # in chunks: a million pending futures would weigh on memory
            sent = []
            for i in range(first, min(count, first + 10_000)):
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
            batches = await consumer.getmany(timeout_ms=500, max_records=BATCH)
            seen += sum(len(records) for records in batches.values())
            if batches:
                await consumer.commit()  # offsets after each batch, as the runtime does
        return count / (time.perf_counter() - start)
    finally:
        await consumer.stop()


async def raw_database_rate(deployment: Deployment, prefix: str, count: int) -> float:
    """The least any consumer doing this work pays: getmany, then per fetch one asyncpg transaction writing the
    same inbox rows and read-model rows, with no decoding beyond JSON and no framework (a reference, not a goal)."""
    consumer = AIOKafkaConsumer(
        f"{prefix}{TOPIC}",
        **deployment.endpoints.kafka_options(),
        group_id=f"bench-raw-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    connection = await asyncpg.connect(
        deployment.endpoints.postgres_admin_url.replace("postgresql+asyncpg://", "postgresql://"),
        database=deployment.database("training"),
    )
    group = f"bench-raw-{uuid.uuid4().hex[:8]}"
    start = time.perf_counter()
    await consumer.start()
    seen = 0
    try:
        while seen < count:
            batches = await consumer.getmany(timeout_ms=500, max_records=BATCH)
            records = [r for rs in batches.values() for r in rs]
            if not records:
                continue
            headers = [dict(r.headers) for r in records]
            data = [json.loads(r.value) for r in records]
            async with connection.transaction():
                await connection.execute(
                    RAW_INBOX,
                    group,
                    [h["ce_id"].decode() for h in headers],
                    [h["ce_type"].decode() for h in headers],
                    [r.topic for r in records],
                    [r.partition for r in records],
                    [r.offset for r in records],
                )
                await connection.executemany(
                    RAW_UPSERT,
                    [
                        (
                            uuid.UUID(d["agency_id"]),
                            d["country_code"],
                            d["country_name"],
                            d["name"],
                            d["agency_type"],
                            d["is_national_coordination_unit"],
                            datetime.fromisoformat(d["registered_at"]),
                            h["ce_id"].decode(),
                        )
                        for d, h in zip(data, headers, strict=True)
                    ],
                )
            seen += len(records)
            await consumer.commit()
        return count / (time.perf_counter() - start)
    finally:
        await consumer.stop()
        await connection.close()


RAW_INBOX = (
    "INSERT INTO inbox (consumer_group, event_id, event_type, source_topic, source_partition, source_offset)"
    " SELECT $1, * FROM unnest($2::varchar[], $3::varchar[], $4::varchar[], $5::integer[], $6::bigint[])"
    " ON CONFLICT DO NOTHING"
)
RAW_UPSERT = (
    "INSERT INTO known_agencies (agency_id, country_code, country_name, name, agency_type,"
    " is_national_coordination_unit, registered_at, updated_at, last_event_id, status, version)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, now(), $8, 'pending', 1)"
    " ON CONFLICT (agency_id) DO UPDATE SET country_code = excluded.country_code,"
    " country_name = excluded.country_name, name = excluded.name, agency_type = excluded.agency_type,"
    " is_national_coordination_unit = excluded.is_national_coordination_unit,"
    " registered_at = excluded.registered_at, updated_at = excluded.updated_at,"
    " last_event_id = excluded.last_event_id, version = known_agencies.version + 1"
)


def handled_so_far() -> float:
    return (
        REGISTRY.get_sample_value(
            "consumer_events_handled_total",
            {"service": "training", "event_type": AgencyRegisteredV1.event_type},
        )
        or 0.0
    )


@dataclass
class Replayed:
    seconds: float
    rss: list[int]
    """The process's resident memory, sampled along the way."""
    lag: list[tuple[float, float]]
    """(events left to apply by the runtime's own count, the lag gauge), sampled along the way."""


async def replay(deployment: Deployment, prefix: str, count: int) -> Replayed:
    """`count` events applied by the runtime from the start of a topic; what it took."""
    group = f"bench-replay-{uuid.uuid4().hex[:8]}"
    settings = deployment.settings(
        "training", topic_prefix=prefix, consumer_group=group, consumer_batch_max=BATCH
    )
    engine = create_engine(settings)
    runtime = EventConsumer(settings, create_sessionmaker(engine), subscription(settings), group_id=group)
    me = psutil.Process()
    before = handled_so_far()
    replayed = Replayed(0.0, [], [])
    start = time.perf_counter()
    task = asyncio.create_task(runtime.run())
    try:
        while True:
            handled = handled_so_far() - before  # the runtime's own counter: polling the inbox would load it
            replayed.rss.append(me.memory_info().rss)
            replayed.lag.append((count - handled, lag_of("training", prefix)))
            if handled >= count:
                replayed.seconds = time.perf_counter() - start
                return replayed
            if task.done():
                task.result()
            await asyncio.sleep(0.02 if count < 100_000 else 1.0)  # fine grain for a short run
    finally:
        runtime.stop()
        await task
        await engine.dispose()


async def runtime_rate(deployment: Deployment, prefix: str, count: int) -> float:
    return count / (await replay(deployment, prefix, count)).seconds


async def measure(count: int = 20_000, rounds: int = 3) -> list[Row]:
    deployment = Deployment(await stack_endpoints())
    await deployment.create("training")
    rates: dict[str, list[float]] = {"bare": [], "raw": [], "runtime": []}
    try:
        for round_no in range(rounds + 1):
            prefix = f"{deployment.prefix}.k4r{round_no}."
            await write_round(deployment, prefix, count)
            bare = await bare_rate(deployment, prefix, count)
            raw = await raw_database_rate(deployment, prefix, count)
            runtime = await runtime_rate(deployment, prefix, count)
            label = "warm-up" if round_no == 0 else f"round {round_no}"
            print(
                f"{label}: bare {bare:,.0f} ev/s, raw asyncpg {raw:,.0f} ev/s, runtime {runtime:,.0f} ev/s, "
                f"ratio {runtime / bare:.3f}",
                file=sys.stderr,
            )
            if round_no:
                for name, rate in (("bare", bare), ("raw", raw), ("runtime", runtime)):
                    rates[name].append(rate)
    finally:
        await deployment.destroy()
    ratio = median_ratio(rates["runtime"], rates["bare"])
    to_raw = median_ratio(rates["runtime"], rates["raw"])
    bare, raw, runtime = (statistics.median(rates[k]) for k in ("bare", "raw", "runtime"))
    return [
        Row(
            "K4",
            f"consumer runtime, {count:,} events, fetches of {BATCH}",
            f"bare getmany {bare:,.0f} ev/s",
            f"runtime {runtime:,.0f} ev/s; raw asyncpg doing the same writes {raw:,.0f} ev/s "
            f"(runtime/raw {to_raw:.2f}x)",
            f"{ratio:.2f}x",
            ">= 0.7x",
            ratio >= 0.7,
            {"bare": bare, "raw_database": raw, "runtime": runtime, "ratio": ratio, "ratio_to_raw": to_raw},
        )
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sys.exit(run_standalone(lambda: measure(args.events, args.rounds)))
