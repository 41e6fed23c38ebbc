"""The consumer runtime: at-least-once on the wire, exactly-once in effect.

For each record: decode (inside the handling path, so a malformed message cannot wedge the partition),
then in ONE database transaction record the event id in the inbox and run the handler. A redelivered event
finds its id in the inbox and changes nothing. Offsets are committed (offset + 1) only after the transaction
committed. A handler that keeps failing is retried with backoff a bounded number of times, then the record
goes to the service's dead-letter topic with the reason and its source in headers, and the partition moves
on. A database outage is not the message's fault: it is retried until the database is back.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import traceback
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from opentelemetry.trace import SpanKind
from prometheus_client import Counter
from pydantic import ValidationError
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.service import RPCError, RPCStatusCode
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

from backbone.db import inbox_table
from backbone.faults import CONSUMER_AFTER_DB_COMMIT, crash_point
from backbone.health import Health
from backbone.kafka import idempotent_producer, manual_commit_consumer
from backbone.settings import ServiceSettings
from backbone.telemetry import context_from_traceparent, tracer
from contracts.envelope import EventEnvelope, MalformedEvent, decode
from contracts.topics import dead_letter_topic

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, EventEnvelope], Awaitable[None]]

HANDLED = Counter("consumer_events_handled_total", "Events handled", ["service", "event_type"])
DUPLICATES = Counter(
    "consumer_events_duplicate_total", "Redelivered events skipped by the inbox", ["service"]
)
DEAD_LETTERED = Counter(
    "consumer_events_dead_lettered_total", "Records sent to the dead-letter topic", ["service"]
)
RETRIES = Counter(
    "consumer_handler_retries_total", "Handler attempts that failed and were retried", ["service"]
)


TRANSIENT = Counter(
    "consumer_transient_faults_total",
    "Handler attempts that met a transient fault (outage, deadlock, failover) and wait to be retried",
    ["service"],
)
Outcome = Literal["applied", "duplicate", "dead_lettered", "ignored"]


class _Stopping(Exception):
    """Raised out of a retry loop when the consumer is asked to stop before the record could be applied."""


class PermanentError(Exception):
    """The event can never be handled as it is (bad data, a broken invariant): dead-letter without retrying."""


TRANSIENT_SQLSTATES = frozenset(
    {
        "40001",  # serialization_failure
        "40P01",  # deadlock_detected
        "55P03",  # lock_not_available
        "25006",  # read_only_sql_transaction: a failover in progress
        "53000",  # insufficient_resources
        "53100",  # disk_full
        "53200",  # out_of_memory
        "53300",  # too_many_connections
        "57P01",  # admin_shutdown
        "57P02",  # crash_shutdown
        "57P03",  # cannot_connect_now
        "58000",  # system_error
        "58030",  # io_error
    }
)
"""Database errors that say nothing about the event: the same transaction succeeds once they pass. Class 08
(connection exceptions) is transient too."""


def _sqlstate(exc: BaseException) -> str | None:
    if isinstance(exc, DBAPIError):
        state = getattr(exc.orig, "sqlstate", None)
        return state if isinstance(state, str) else None
    state = getattr(exc, "sqlstate", None)
    return state if isinstance(state, str) else None


def _is_transient_infrastructure(exc: BaseException) -> bool:
    if isinstance(exc, RPCError) and exc.status in (
        RPCStatusCode.UNAVAILABLE,
        RPCStatusCode.DEADLINE_EXCEEDED,
        RPCStatusCode.RESOURCE_EXHAUSTED,
        RPCStatusCode.ABORTED,
    ):
        return True  # Temporal is down or overloaded: wait for it, as for the database
    state = _sqlstate(exc)
    if state is not None and (state in TRANSIENT_SQLSTATES or state.startswith("08")):
        return True
    if isinstance(
        exc,
        (
            OperationalError,
            InterfaceError,
            OSError,
            asyncpg.CannotConnectNowError,
            asyncpg.ConnectionDoesNotExistError,
            TimeoutError,
        ),
    ):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def _is_permanent(exc: BaseException) -> bool:
    return isinstance(exc, (PermanentError, ValidationError, MalformedEvent))


def in_turn(*handlers: Handler) -> Handler:
    """Several reactions to one event type, in one transaction (each is idempotent if the whole is retried)."""

    async def handle(session: AsyncSession, envelope: EventEnvelope) -> None:
        for handler in handlers:
            await handler(session, envelope)

    return handle


@dataclass(frozen=True)
class Inbound:
    """What outside systems write on topics of their own (the national inbound topics): the topics' logical names
    as a regular expression, a handler per event type, and who a topic belongs to. The sender is known from the
    topic alone (its Kafka ACL lets only that sender write it), never from what the event says: the consumer
    stamps it on the envelope as the `sender` and `sendercountry` extensions, and prefixes the event id with the
    topic so one sender's ids never collide with another's or with the platform's in the inbox."""

    pattern: str
    handlers: Mapping[str, Handler]
    sender: Callable[[str], tuple[str, str] | None]
    """Logical topic name -> (sender id, its country), None when the topic is nobody's."""


@dataclass(frozen=True)
class Subscription:
    """What a service consumes: logical topics and a handler per event type (unknown types are skipped), and the
    outside systems' inbound topics it reads, if any."""

    topics: tuple[str, ...]
    handlers: Mapping[str, Handler]
    inbound: Inbound | None = None


@dataclass
class ReplayReport:
    """What a dead-letter replay did: applied now, already applied (inbox), dead-lettered again, not handled
    by this service, or without the headers that say where it came from."""

    applied: int = 0
    duplicate: int = 0
    dead_lettered: int = 0
    ignored: int = 0
    skipped: int = 0

    def count(self, outcome: Outcome | None) -> None:
        name = outcome or "skipped"
        setattr(self, name, getattr(self, name) + 1)


class _Revocations(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, consumer: EventConsumer) -> None:
        self.consumer = consumer

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        # Wait for the batch in progress, then commit what it finished before the partitions move; the new
        # owner starts after it. Anything not committed is redelivered there and skipped by the inbox.
        async with self.consumer.processing:
            pass
        await self.consumer.commit_processed(set(revoked))

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        log.info(
            "partitions assigned", extra={"partitions": [f"{tp.topic}:{tp.partition}" for tp in assigned]}
        )


class EventConsumer:
    def __init__(
        self,
        settings: ServiceSettings,
        sessions: async_sessionmaker[AsyncSession],
        subscription: Subscription,
        *,
        group_id: str | None = None,
    ) -> None:
        self.settings = settings
        self.service = settings.service_name
        self.sessions = sessions
        self.subscription = subscription
        self.group_id = group_id or settings.consumer_group or settings.service_name
        self.processing = asyncio.Lock()
        self._processed: dict[TopicPartition, int] = {}
        self._consumer: AIOKafkaConsumer | None = None
        self._dlt_producer: AIOKafkaProducer | None = None
        self._stopping = asyncio.Event()
        self.health = Health(stall_seconds=max(120.0, 4 * settings.consumer_retry_max_seconds))
        self._tracer = tracer("backbone.consumer")
        self.dead_letter_topic = settings.topic(dead_letter_topic(self.service).name)

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        topics = [self.settings.topic(t) for t in self.subscription.topics]
        inbound = self.subscription.inbound
        if inbound is None:
            consumer = manual_commit_consumer(self.settings, group_id=self.group_id)
            consumer.subscribe(topics, listener=_Revocations(self))
        else:
            # A pattern, so a national system registered later is read without a restart (found at the next
            # metadata refresh, within `consumer_topic_discovery_seconds`).
            consumer = manual_commit_consumer(
                self.settings,
                group_id=self.group_id,
                metadata_max_age_ms=int(self.settings.consumer_topic_discovery_seconds * 1000),
            )
            names = "|".join(re.escape(t) for t in topics)
            prefix = re.escape(self.settings.topic(""))
            consumer.subscribe(pattern=f"^({names}|{prefix}{inbound.pattern})$", listener=_Revocations(self))
        producer = idempotent_producer(self.settings, client_id=f"{self.service}-deadletter")
        self._consumer, self._dlt_producer = consumer, producer
        await producer.start()
        await consumer.start()
        log.info("consumer started", extra={"topics": topics, "group": self.group_id})
        try:
            self.health.ready(True)
            while not self._stopping.is_set():
                batches = await consumer.getmany(timeout_ms=500, max_records=200)
                self.health.beat()
                if not batches:
                    continue
                async with self.processing:
                    try:
                        for tp, records in batches.items():
                            for record in records:
                                if self._stopping.is_set() or tp not in consumer.assignment():
                                    break
                                await self._handle_record(record)
                                self._processed[tp] = record.offset + 1
                    except _Stopping:
                        pass  # the record in hand was not applied: it is redelivered after the restart
                crash_point(CONSUMER_AFTER_DB_COMMIT)
                await self.commit_processed(None)
        finally:
            await self.commit_processed(None)
            await consumer.stop()
            await producer.stop()

    async def replay_dead_letters(self) -> ReplayReport:
        """Put what the dead-letter topic holds back through the handlers, once the cause is fixed.

        Only the records there when the replay starts are read; one that fails again is dead-lettered again
        (after them, for a later replay). The inbox makes an event that was applied meanwhile a no-op. Progress
        is committed under the group `<group>.replay`, so a replay interrupted resumes and one run twice reads
        nothing twice."""
        report = ReplayReport()
        consumer = manual_commit_consumer(self.settings, group_id=f"{self.group_id}.replay")
        producer = idempotent_producer(self.settings, client_id=f"{self.service}-deadletter")
        self._dlt_producer = producer
        try:
            await producer.start()
            await consumer.start()
            # The producer's metadata call is the public way to learn the topic's partitions.
            ids = await producer.partitions_for(self.dead_letter_topic)
            partitions = [TopicPartition(self.dead_letter_topic, p) for p in sorted(ids)]
            consumer.assign(partitions)
            end = await consumer.end_offsets(partitions)
            remaining = {tp for tp in partitions if await consumer.position(tp) < end[tp]}
            while remaining and not self._stopping.is_set():
                batches = await consumer.getmany(*remaining, timeout_ms=1000, max_records=200)
                for tp, records in batches.items():
                    for record in records:
                        if record.offset >= end[tp]:
                            break
                        report.count(await self._replay_one(record))
                    await consumer.commit({tp: min(records[-1].offset + 1, end[tp])})
                remaining = {tp for tp in remaining if await consumer.position(tp) < end[tp]}
        finally:
            await consumer.stop()
            await producer.stop()
        return report

    async def _replay_one(self, record: ConsumerRecord[bytes, bytes]) -> Outcome | None:
        headers = {k: v for k, v in record.headers or ()}
        source = headers.get("dlt_source_topic")
        if source is None:
            log.warning("a dead-letter record without its source; skipped", extra={"offset": record.offset})
            return None
        original = dataclasses.replace(
            record,
            topic=source.decode(),
            partition=int(headers.get("dlt_source_partition", b"0")),
            offset=int(headers.get("dlt_source_offset", b"0")),
            headers=tuple((k, v) for k, v in record.headers or () if not k.startswith("dlt_")),
        )
        return await self._handle_record(original)

    async def commit_processed(self, only: set[TopicPartition] | None) -> None:
        """Commit offset + 1 of what was handled. A failed commit loses nothing: the inbox absorbs redelivery."""
        assert self._consumer is not None
        offsets = {tp: off for tp, off in self._processed.items() if only is None or tp in only}
        if not offsets:
            return
        for tp in offsets:
            self._processed.pop(tp, None)
        try:
            await self._consumer.commit(offsets)
        except (CommitFailedError, IllegalStateError, KafkaError) as exc:
            log.warning("offset commit failed; those records will be redelivered", extra={"error": repr(exc)})

    async def _handle_record(self, record: ConsumerRecord[bytes, bytes]) -> Outcome:
        try:
            envelope = decode(list(record.headers or ()), record.key, record.value)
        except MalformedEvent as exc:
            await self._dead_letter(record, reason="malformed_event", error=exc)
            return "dead_lettered"
        handlers = self.subscription.handlers
        inbound = self.subscription.inbound
        logical = record.topic.removeprefix(self.settings.topic(""))
        if inbound is not None and re.fullmatch(inbound.pattern, logical):
            sender = inbound.sender(logical)
            if sender is None:
                await self._dead_letter(record, reason="unknown_sender", error=PermanentError(logical))
                return "dead_lettered"
            handlers = inbound.handlers
            if len(envelope.id) > 120:
                await self._dead_letter(
                    record, reason="permanent_error", error=PermanentError("ce_id too long")
                )
                return "dead_lettered"
            envelope = dataclasses.replace(
                envelope,
                id=f"{logical}:{envelope.id}",
                extensions={**envelope.extensions, "sender": sender[0], "sendercountry": sender[1]},
            )
        handler = handlers.get(envelope.type)
        if handler is None:
            return "ignored"  # a type this service does not act on; tolerated, not an error
        with self._tracer.start_as_current_span(
            f"consume {envelope.type}",
            context=context_from_traceparent(envelope.traceparent),
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "kafka",
                "messaging.destination.name": record.topic,
                "messaging.message.id": envelope.id,
                "messaging.kafka.offset": record.offset,
            },
        ):
            return await self._handle_with_retries(record, envelope, handler)

    async def _handle_with_retries(
        self, record: ConsumerRecord[bytes, bytes], envelope: EventEnvelope, handler: Handler
    ) -> Outcome:
        wait = self.settings.consumer_retry_initial_seconds
        outcome: Outcome = "applied"
        while True:
            try:
                async for attempt in AsyncRetrying(
                    stop=stop_after_attempt(self.settings.consumer_max_attempts),
                    wait=wait_exponential(
                        multiplier=self.settings.consumer_retry_initial_seconds,
                        max=self.settings.consumer_retry_max_seconds,
                    ),
                    retry=retry_if_exception(
                        lambda e: not _is_permanent(e) and not _is_transient_infrastructure(e)
                    ),
                    before_sleep=lambda _: RETRIES.labels(self.service).inc(),
                    reraise=True,
                ):
                    with attempt:
                        outcome = (
                            "applied" if await self._apply_once(record, envelope, handler) else "duplicate"
                        )
                if not self.health.is_ready:
                    self.health.ready(True)
                return outcome
            except Exception as exc:
                if _is_transient_infrastructure(exc):
                    if self._stopping.is_set():
                        raise _Stopping from exc
                    self.health.ready(False, f"waiting out a transient fault: {exc!r}"[:300])
                    # Not the event's fault (an outage, a deadlock, a failover): never dead-lettered, retried
                    # with backoff while the partition waits, however long it takes.
                    TRANSIENT.labels(self.service).inc()
                    log.warning(
                        "transient fault while handling an event; retrying",
                        extra={"event_id": envelope.id, "error": repr(exc), "wait_seconds": wait},
                    )
                    await asyncio.sleep(wait)
                    wait = min(wait * 2, self.settings.consumer_retry_max_seconds)
                    continue
                reason = "permanent_error" if _is_permanent(exc) else "retries_exhausted"
                await self._dead_letter(record, reason=reason, error=exc, event_type=envelope.type)
                return "dead_lettered"

    async def _apply_once(
        self, record: ConsumerRecord[bytes, bytes], envelope: EventEnvelope, handler: Handler
    ) -> bool:
        """Whether the event was applied now (False: the inbox had it already)."""
        async with self.sessions() as session, session.begin():
            inserted = await session.execute(
                pg_insert(inbox_table)
                .values(
                    consumer_group=self.group_id,
                    event_id=envelope.id,
                    event_type=envelope.type,
                    source_topic=record.topic,
                    source_partition=record.partition,
                    source_offset=record.offset,
                )
                .on_conflict_do_nothing()
                .returning(inbox_table.c.event_id)
            )
            if inserted.first() is None:
                DUPLICATES.labels(self.service).inc()
                return False
            await handler(session, envelope)
        HANDLED.labels(self.service, envelope.type).inc()
        return True

    async def _dead_letter(
        self,
        record: ConsumerRecord[bytes, bytes],
        *,
        reason: str,
        error: BaseException,
        event_type: str | None = None,
    ) -> None:
        assert self._dlt_producer is not None
        detail = "".join(traceback.format_exception_only(type(error), error)).strip()[:2000]
        headers = [
            *(record.headers or ()),
            ("dlt_reason", reason.encode()),
            ("dlt_error", detail.encode()),
            ("dlt_error_type", type(error).__name__.encode()),
            ("dlt_source_topic", record.topic.encode()),
            ("dlt_source_partition", str(record.partition).encode()),
            ("dlt_source_offset", str(record.offset).encode()),
            ("dlt_consumer_group", self.group_id.encode()),
        ]
        await self._dlt_producer.send_and_wait(
            self.dead_letter_topic, value=record.value, key=record.key, headers=headers
        )
        DEAD_LETTERED.labels(self.service).inc()
        log.error(
            "record sent to the dead-letter topic",
            extra={
                "reason": reason,
                "error": detail,
                "event_type": event_type,
                "topic": record.topic,
                "partition": record.partition,
                "offset": record.offset,
            },
        )
