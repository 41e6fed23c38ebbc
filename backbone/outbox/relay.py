"""The outbox relay: publishes committed outbox rows to Kafka and marks them published after the ack.

Marking is deleting, in the same transaction that claimed the rows: the outbox holds exactly the events not yet
acknowledged by the broker (its size is the backlog), and a published row costs PostgreSQL no new index
entries, which keeps the relay close to a bare producer's rate on a small machine. Kafka keeps the events.

Several replicas may run. Rows are claimed per bucket with a transaction-scoped advisory lock, and a bucket's
rows are read in id order from *all* unpublished rows (never "id > last seen", which would skip a row that
committed after a higher id). The writer's per-aggregate lock makes id order equal commit order within one
aggregate, so one aggregate's events reach Kafka in commit order whichever replica publishes them.

Wake-up is LISTEN/NOTIFY (delivered on commit) with a slow fallback poll for notifications lost while the
listening connection was down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from dataclasses import dataclass, field

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    CorruptRecordException,
    InvalidTopicError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
    TopicAuthorizationFailedError,
)
from aiokafka.producer.message_accumulator import BatchBuilder
from opentelemetry import trace
from opentelemetry.trace import Link
from prometheus_client import Counter, Gauge, Histogram

from backbone.db import parked_outbox_table
from backbone.errors import is_dependency_failure
from backbone.faults import RELAY_AFTER_PUBLISH, RELAY_BEFORE_PUBLISH, crash_point
from backbone.health import Health
from backbone.kafka import client_options, idempotent_producer, started, track_topics
from backbone.migrations import NOTIFY_CHANNEL
from backbone.outbox.writer import partition_of
from backbone.settings import ServiceSettings
from backbone.telemetry import context_from_traceparent, tracer

log = logging.getLogger(__name__)

_RELAY_LOCK_NAMESPACE = 0x0B0D

PUBLISHED = Counter("outbox_published_total", "Outbox rows published to Kafka", ["service"])
PUBLISH_FAILURES = Counter("outbox_publish_failures_total", "Failed publish attempts of a batch", ["service"])
BACKLOG_ROWS = Gauge("outbox_backlog_rows", "Outbox rows not yet published", ["service"])
BACKLOG_AGE = Gauge(
    "outbox_backlog_oldest_age_seconds", "Age of the oldest unpublished outbox row", ["service"]
)
COMMIT_TO_ACK = Histogram(
    "outbox_commit_to_ack_seconds",
    "For each published batch, from its oldest row's insert to the broker's acknowledgement",
    ["service"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

PARKED = Counter(
    "outbox_parked_total", "Outbox rows the broker refused for good, parked with their reason", ["service"]
)
PARKED_ROWS = Gauge("outbox_parked_rows", "Parked outbox rows waiting for an operator", ["service"])
REFUSED_FOR_GOOD = (
    MessageSizeTooLargeError,
    RecordTooLargeError,
    RecordListTooLargeError,
    TopicAuthorizationFailedError,
    InvalidTopicError,
    CorruptRecordException,
)


class _ProducerReset(Exception):
    """The relay's producer must be replaced before the next pass."""


def record_size(row: asyncpg.Record) -> int:
    return (
        len(row["message_key"])
        + len(row["message_value"])
        + sum(len(k) + len(v) for k, v in zip(row["header_names"], row["header_values"], strict=True))
    )


def refused_for_good(exc: BaseException) -> bool:
    """The broker will refuse this record however often it is sent (unlike an outage or a leader change)."""
    return isinstance(exc, REFUSED_FOR_GOOD)


async def park(conn: asyncpg.Connection, outbox_id: int, *, reason: str) -> None:
    """Move one row from the outbox to `outbox_parked`, inside the caller's transaction."""
    await conn.execute(
        f"""
        WITH moved AS (DELETE FROM outbox WHERE id = $1 RETURNING *)
        INSERT INTO outbox_parked (id, {_EVENT_COLUMNS}, reason)
        SELECT id, {_EVENT_COLUMNS}, $2 FROM moved
        """,
        outbox_id,
        reason,
    )


async def release_parked(conn: asyncpg.Connection, ids: list[int] | None = None) -> int:
    """Put parked rows back in the outbox (all, or those `ids`), behind what is there: the operator has fixed
    the cause (an ACL, the topic's size limit). Returns how many were released."""
    async with conn.transaction():
        moved = await conn.fetch(
            f"""
            WITH released AS (
                DELETE FROM outbox_parked WHERE $1::bigint[] IS NULL OR id = ANY($1::bigint[]) RETURNING *
            )
            INSERT INTO outbox ({_EVENT_COLUMNS}) SELECT {_EVENT_COLUMNS} FROM released ORDER BY id
            RETURNING id
            """,
            ids,
        )
    return len(moved)


_EVENT_COLUMNS = ", ".join(
    c.name for c in parked_outbox_table.columns if c.name not in ("id", "reason", "parked_at")
)

_CLAIM_SQL = """
SELECT id, topic, message_key, message_value, header_names, header_values, partition_hint, partition_count,
       created_at
FROM outbox
WHERE bucket = $1
ORDER BY id
LIMIT $2
"""


@dataclass
class RelayStats:
    published: int = 0
    batches: int = 0
    failures: int = 0
    last_error: str | None = None
    started_at: float = field(default_factory=time.monotonic)


async def backlog(conn: asyncpg.Connection) -> tuple[int, float]:
    row = await conn.fetchrow(
        "SELECT count(*) AS n, coalesce(extract(epoch FROM now() - min(created_at)), 0) AS age FROM outbox"
    )
    assert row is not None
    return int(row["n"]), float(row["age"])


async def purge_expired(conn: asyncpg.Connection, settings: ServiceSettings) -> tuple[int, int]:
    """Forget idempotency keys and inbox entries past their retention (each service's relay does it).

    An inbox entry is kept far longer than any topic's retention, so no redelivery can outlive it.
    """
    keys = await conn.execute(
        "DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)",
        settings.idempotency_retention_hours,
    )
    handled = await conn.execute(
        "DELETE FROM inbox WHERE handled_at < now() - make_interval(days => $1)",
        settings.inbox_retention_days,
    )
    return int(keys.split()[-1]), int(handled.split()[-1])


class OutboxRelay:
    def __init__(self, settings: ServiceSettings, *, producer: AIOKafkaProducer | None = None) -> None:
        self.settings = settings
        self.service = settings.service_name
        self._producer = producer
        self._owns_producer = producer is None
        self._wake = asyncio.Event()
        self._kafka_ok = True
        self._reset_producer = False
        self._stopping = asyncio.Event()
        self.stats = RelayStats()
        self.health = Health()
        self._tracer = tracer("backbone.outbox.relay")

    async def run(self) -> None:
        """Publish until `stop()`; reconnects to PostgreSQL and Kafka on failure."""
        producer = self._producer or await started(
            lambda: idempotent_producer(self.settings), stopping=self._stopping, what="relay producer"
        )
        if producer is None:
            return  # stopped before the broker answered
        try:
            while not self._stopping.is_set():
                try:
                    await self._run_connected(producer)
                except _ProducerReset:
                    # A batch the broker refused left the idempotent producer's sequence numbers ahead of the
                    # broker's for that partition: a new producer (new id) starts them afresh.
                    self._reset_producer = False
                    if self._owns_producer:
                        await producer.stop()
                        fresh = await started(
                            lambda: idempotent_producer(self.settings),
                            stopping=self._stopping,
                            what="relay producer",
                        )
                        if fresh is None:
                            return
                        producer = fresh
                except Exception as exc:
                    # Anything the database or the network going away raises (however it is wrapped, including
                    # asyncpg's "another operation is in progress" on a connection cut mid-query) is waited out;
                    # anything else is a bug and ends the process.
                    if not (isinstance(exc, asyncpg.PostgresError) or is_dependency_failure(exc)):
                        raise
                    self.stats.last_error = repr(exc)
                    self.health.ready(False, f"database: {exc!r}")
                    log.warning("relay lost its database connection, retrying", extra={"error": repr(exc)})
                    await self._sleep(1.0)
        finally:
            if self._owns_producer:
                await producer.stop()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def _run_connected(self, producer: AIOKafkaProducer) -> None:
        # Losing a "published" mark in a database crash only means the event is sent again, which consumers
        # absorb (inbox): so the relay's own commits need not wait for the WAL flush.
        pool = await asyncpg.create_pool(
            self.settings.asyncpg_dsn,
            min_size=1,
            max_size=self.settings.relay_concurrency,
            timeout=10,
            server_settings={"synchronous_commit": "off", "application_name": f"{self.service}-relay"},
        )
        listener = await asyncpg.connect(self.settings.asyncpg_dsn, timeout=10)
        try:
            await listener.add_listener(NOTIFY_CHANNEL, self._on_notify)
            last_metrics = last_housekeeping = 0.0
            while not self._stopping.is_set():
                self._wake.clear()
                published = await self.publish_pending(pool, producer)
                if self._reset_producer:
                    raise _ProducerReset
                self.health.ready(
                    self._kafka_ok, "connected" if self._kafka_ok else f"kafka: {self.stats.last_error}"
                )
                if time.monotonic() - last_metrics > 5:
                    async with pool.acquire() as conn:
                        rows, age = await backlog(conn)
                        parked = await conn.fetchval("SELECT count(*) FROM outbox_parked")
                    PARKED_ROWS.labels(self.service).set(parked)
                    BACKLOG_ROWS.labels(self.service).set(rows)
                    BACKLOG_AGE.labels(self.service).set(age)
                    last_metrics = time.monotonic()
                if time.monotonic() - last_housekeeping > 600:
                    async with pool.acquire() as conn:
                        await purge_expired(conn, self.settings)
                    last_housekeeping = time.monotonic()
                if published == 0:
                    await self._wait_for_work()
        finally:
            with contextlib.suppress(Exception):
                await listener.close(timeout=2)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pool.close(), timeout=5)

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def _wait_for_work(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=self.settings.relay_fallback_poll_seconds)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    async def publish_pending(self, pool: asyncpg.Pool, producer: AIOKafkaProducer) -> int:
        """One pass over the buckets that have unpublished rows; returns how many rows were published.

        Buckets are published concurrently (one connection each), so one bucket's wait for acks overlaps
        with another's reads and sends; within a bucket everything stays sequential and ordered.
        """
        async with pool.acquire() as conn:
            buckets = [r["bucket"] for r in await conn.fetch("SELECT DISTINCT bucket FROM outbox")]
        random.shuffle(buckets)  # replicas start on different buckets instead of queueing on the same one
        self._kafka_ok = True
        results = await asyncio.gather(*(self._publish_bucket_safely(pool, producer, b) for b in buckets))
        return sum(results)

    async def _publish_bucket_safely(
        self, pool: asyncpg.Pool, producer: AIOKafkaProducer, bucket: int
    ) -> int:
        try:
            async with pool.acquire() as conn:
                return await self._publish_bucket(conn, producer, bucket)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
            raise
        except Exception as exc:  # a Kafka failure: the rows stay unpublished and are retried
            self._kafka_ok = False
            self.stats.failures += 1
            self.stats.last_error = repr(exc)
            PUBLISH_FAILURES.labels(self.service).inc()
            log.warning("publishing a batch failed; it will be retried", extra={"error": repr(exc)})
            await self._sleep(0.5)
            return 0

    async def _publish_bucket(self, conn: asyncpg.Connection, producer: AIOKafkaProducer, bucket: int) -> int:
        published = 0
        while not self._stopping.is_set():
            async with conn.transaction():
                locked = await conn.fetchval(
                    "SELECT pg_try_advisory_xact_lock($1, $2)", _RELAY_LOCK_NAMESPACE, bucket
                )
                if not locked:
                    return published  # another replica publishes this bucket right now
                rows = await conn.fetch(_CLAIM_SQL, bucket, self.settings.relay_batch_size)
                if not rows:
                    return published
                crash_point(RELAY_BEFORE_PUBLISH)
                sendable = []
                for row in rows:  # what the broker would refuse for its size is parked before it is sent
                    size = record_size(row)
                    if size > self.settings.relay_max_record_bytes:
                        await self._park(
                            conn, row, f"too large for the broker: {size} bytes > relay_max_record_bytes"
                        )
                    else:
                        sendable.append(row)
                try:
                    if sendable:
                        await self._send_batch(producer, sendable)
                except Exception as exc:
                    if not refused_for_good(exc):
                        raise
                    await self._send_one_by_one(conn, sendable)
                crash_point(RELAY_AFTER_PUBLISH)
                await conn.execute(
                    "DELETE FROM outbox WHERE id = ANY($1::bigint[])",
                    [r["id"] for r in rows],
                )
            published += len(rows)
            self.stats.published += len(rows)
            self.stats.batches += 1
            PUBLISHED.labels(self.service).inc(len(rows))
            if len(rows) < self.settings.relay_batch_size:
                return published
        return published

    async def _send_one_by_one(self, conn: asyncpg.Connection, rows: list[asyncpg.Record]) -> None:
        """After a batch the broker refused for good: find the rows it refuses and park them with the reason,
        so the rest of the bucket is published. A producer without idempotence sends them (a refusal costs it no
        sequence numbers), and the relay's own producer is replaced after this pass. A failure that may pass (the
        broker away) stops here, and the batch is tried again later (a row sent twice is absorbed by the
        consumers' inbox)."""
        self._reset_producer = True
        isolating = AIOKafkaProducer(
            **client_options(self.settings), acks="all", enable_idempotence=False, request_timeout_ms=30_000
        )
        await isolating.start()
        try:
            for row in rows:
                try:
                    await self._send_batch(isolating, [row])
                except Exception as exc:
                    if not refused_for_good(exc):
                        raise
                    await self._park(conn, row, f"{type(exc).__name__}: {exc}")
        finally:
            await isolating.stop()

    async def _park(self, conn: asyncpg.Connection, row: asyncpg.Record, reason: str) -> None:
        await park(conn, row["id"], reason=reason[:2000])
        PARKED.labels(self.service).inc()
        log.error(
            "an outbox row the broker refuses for good was parked",
            extra={"outbox_id": row["id"], "topic": row["topic"], "reason": reason},
        )

    async def _send_batch(self, producer: AIOKafkaProducer, rows: list[asyncpg.Record]) -> None:
        """Send rows as Kafka record batches, one per partition, and wait for every acknowledgement.

        Building the batches here (instead of one `send()` per row) keeps the relay's cost per event close
        to the producer's own; partitions are the default partitioner's (murmur2 of the key, computed by the
        writer), so an aggregate's events land on the same partition whichever client published them.
        """
        headers_of = [list(zip(row["header_names"], row["header_values"], strict=True)) for row in rows]
        links = []
        for headers in headers_of[:32]:
            parent = context_from_traceparent(
                next((v.decode() for k, v in headers if k == "traceparent"), None)
            )
            if parent is not None:
                span_context = trace.get_current_span(parent).get_span_context()
                if span_context.is_valid:
                    links.append(Link(span_context))
        with self._tracer.start_as_current_span(
            "outbox publish", links=links, attributes={"messaging.batch.message_count": len(rows)}
        ):
            builders: dict[tuple[str, int], BatchBuilder] = {}
            futures: list[asyncio.Future[object]] = []
            partitions: dict[str, list[int]] = {}
            for row, headers in zip(rows, headers_of, strict=True):
                topic = self.settings.topic(row["topic"])
                if topic not in partitions:
                    await track_topics(producer, [topic])  # a service may publish on more than one topic
                    partitions[topic] = sorted(await producer.partitions_for(topic))
                candidates = partitions[topic]
                key = row["message_key"]
                if row["partition_count"] == len(candidates):
                    target = (topic, candidates[row["partition_hint"]])
                else:  # the topic was repartitioned after the row was written
                    target = (topic, candidates[partition_of(key, len(candidates))])
                builder = builders.get(target)
                if builder is None:
                    builder = builders[target] = producer.create_batch()
                if (
                    builder.append(key=key, value=row["message_value"], timestamp=None, headers=headers)
                    is None
                ):
                    futures.append(await producer.send_batch(builder, target[0], partition=target[1]))
                    builder = builders[target] = producer.create_batch()
                    if (
                        builder.append(key=key, value=row["message_value"], timestamp=None, headers=headers)
                        is None
                    ):
                        raise RecordTooLargeError(f"outbox row {row['id']} is larger than a Kafka batch")
            for (topic, partition), builder in builders.items():
                if builder.record_count():
                    futures.append(await producer.send_batch(builder, topic, partition=partition))
            await asyncio.gather(*futures)
        COMMIT_TO_ACK.labels(self.service).observe(max(0.0, time.time() - rows[0]["created_at"].timestamp()))
