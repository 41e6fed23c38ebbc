"""The consumer runtime: at-least-once on the wire, exactly-once in effect.

Each fetch is decoded inside the handling path (a malformed message cannot wedge the partition) and applied in
ONE database transaction: every event id goes into the inbox, and each event new to it gets its handler. A
redelivered event finds its id in the inbox and changes nothing. Offsets are committed (offset + 1) only after
the transaction committed. If the fetch's transaction fails it is applied again one record per transaction: a
handler that keeps failing is retried with backoff a bounded number of times, then its record goes to the
service's dead-letter topic with the reason and its source in headers, and the records behind it are applied.
A database outage is not the message's fault: it is retried until the database is back.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import traceback
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Literal

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from opentelemetry.trace import Link, SpanKind, get_current_span
from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

from backbone.db import RECORD_IN_INBOX
from backbone.failures import PermanentError, is_permanent, is_transient_infrastructure
from backbone.faults import CONSUMER_AFTER_DB_COMMIT, crash_point
from backbone.handling import Batched, Handler, Inbound, Subscription, consecutive_runs, in_turn
from backbone.health import Health
from backbone.kafka import idempotent_producer, manual_commit_consumer, started, transport_closed
from backbone.lag import forget_lag, record_lag
from backbone.settings import ServiceSettings
from backbone.telemetry import context_from_traceparent, tracer
from contracts.envelope import EventEnvelope, MalformedEvent, decode
from contracts.topics import dead_letter_topic

__all__ = ["EventConsumer", "Handler", "Inbound", "PermanentError", "Subscription", "in_turn"]

log = logging.getLogger(__name__)


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


BATCH_FALLBACKS = Counter(
    "consumer_batch_fallbacks_total",
    "Fetches whose one-transaction apply failed and were applied again one record per transaction",
    ["service"],
)
TRANSIENT = Counter(
    "consumer_transient_faults_total",
    "Handler attempts that met a transient fault (outage, deadlock, failover) and wait to be retried",
    ["service"],
)
Outcome = Literal["applied", "duplicate", "dead_lettered", "ignored"]


class _Stopping(Exception):
    """Raised out of a retry loop when the consumer is asked to stop before the record could be applied."""


@dataclass(frozen=True)
class _Routed:
    """A record decoded and matched to its handler, not yet applied."""

    record: ConsumerRecord[bytes, bytes]
    envelope: EventEnvelope
    handler: Handler


def _partition_of(record: ConsumerRecord[bytes, bytes]) -> TopicPartition:
    return TopicPartition(record.topic, record.partition)


def _inbox_rows(group: str, items: list[_Routed]) -> dict[str, object]:
    return {
        "group": group,
        "ids": [item.envelope.id for item in items],
        "types": [item.envelope.type for item in items],
        "topics": [item.record.topic for item in items],
        "partitions": [item.record.partition for item in items],
        "offsets": [item.record.offset for item in items],
    }


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
        forget_lag(self.consumer.service, revoked)

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
        producer = await started(
            lambda: idempotent_producer(self.settings, client_id=f"{self.service}-deadletter"),
            stopping=self._stopping,
            what="dead-letter producer",
        )
        if producer is None:
            return
        consumer = await started(self._subscribed_consumer, stopping=self._stopping, what="consumer")
        if consumer is None:
            await producer.stop()
            return
        self._consumer, self._dlt_producer = consumer, producer
        log.info("consumer started", extra={"topics": self.subscription.topics, "group": self.group_id})
        try:
            self.health.ready(True)
            while not self._stopping.is_set():
                batches = await consumer.getmany(timeout_ms=500, max_records=self.settings.consumer_batch_max)
                self.health.beat()
                if not batches:
                    await record_lag(consumer, self.service)  # caught up, or new records past a quiet spell
                    continue
                async with self.processing:
                    assigned = consumer.assignment()
                    records = [r for tp, rs in batches.items() if tp in assigned for r in rs]
                    try:
                        if records and not self._stopping.is_set():
                            await self._handle_fetch(records)
                    except _Stopping:
                        pass  # the record in hand was not applied: it is redelivered after the restart
                crash_point(CONSUMER_AFTER_DB_COMMIT)
                await self.commit_processed(None)
                await record_lag(consumer, self.service)
        finally:
            await self.commit_processed(None)
            forget_lag(self.service, consumer.assignment())  # a stopped consumer reports no lag of its own
            await consumer.stop()
            await producer.stop()

    def _subscribed_consumer(self) -> AIOKafkaConsumer:
        topics = [self.settings.topic(t) for t in self.subscription.topics]
        inbound = self.subscription.inbound
        if inbound is None:
            consumer = manual_commit_consumer(self.settings, group_id=self.group_id)
            consumer.subscribe(topics, listener=_Revocations(self))
            return consumer
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
        return consumer

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
        offsets = {tp: off for tp, off in self._processed.items() if only is None or tp in only}
        if not offsets or self._consumer is None:
            return  # nothing handled yet (a first assignment happens while the consumer is starting)
        for tp in offsets:
            self._processed.pop(tp, None)
        try:
            await self._consumer.commit(offsets)
        except Exception as exc:
            if not (
                isinstance(exc, (CommitFailedError, IllegalStateError, KafkaError)) or transport_closed(exc)
            ):
                raise
            log.warning("offset commit failed; those records will be redelivered", extra={"error": repr(exc)})

    async def _handle_record(self, record: ConsumerRecord[bytes, bytes]) -> Outcome:
        routed = await self._route(record)
        if not isinstance(routed, _Routed):
            return routed
        with self._span(routed):
            return await self._handle_with_retries(record, routed.envelope, routed.handler)

    async def _handle_fetch(self, records: list[ConsumerRecord[bytes, bytes]]) -> None:
        """Apply a fetch in one transaction; if it fails, apply it again one record per transaction.

        One commit per fetch instead of one per record is what makes the runtime fast (a commit is a WAL flush).
        The fallback keeps the per-record guarantees: a poison record is dead-lettered alone and the records
        behind it are applied; a transient fault is waited out record by record, never dead-lettered."""
        routed: list[_Routed] = []
        for record in records:
            outcome = await self._route(record)
            if isinstance(outcome, _Routed):
                routed.append(outcome)
        try:
            if routed:
                await self._apply_together(routed)
        except Exception as exc:
            BATCH_FALLBACKS.labels(self.service).inc()
            log.info(
                "a batch failed; applying its records one by one",
                extra={"records": len(routed), "error": repr(exc)[:300]},
            )
            for item in routed:
                if self._stopping.is_set():
                    raise _Stopping from exc
                with self._span(item):
                    await self._handle_with_retries(item.record, item.envelope, item.handler)
                self._processed[_partition_of(item.record)] = item.record.offset + 1
        for record in records:
            self._processed[_partition_of(record)] = record.offset + 1

    async def _route(self, record: ConsumerRecord[bytes, bytes]) -> _Routed | Outcome:
        """Decode a record and find its handler; a record that can never be handled is dead-lettered here."""
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
        return _Routed(record, envelope, handler)

    def _span(self, item: _Routed) -> AbstractContextManager[object]:
        return self._tracer.start_as_current_span(
            f"consume {item.envelope.type}",
            context=context_from_traceparent(item.envelope.traceparent),
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "kafka",
                "messaging.destination.name": item.record.topic,
                "messaging.message.id": item.envelope.id,
                "messaging.kafka.offset": item.record.offset,
            },
        )

    def _run_span(self, run: list[_Routed]) -> AbstractContextManager[object]:
        """One span for a run handled in one call, linked to each event's trace."""
        return self._tracer.start_as_current_span(
            f"consume {run[0].envelope.type} x{len(run)}",
            kind=SpanKind.CONSUMER,
            links=[
                Link(get_current_span(context).get_span_context())
                for item in run
                if (context := context_from_traceparent(item.envelope.traceparent)) is not None
            ],
            attributes={"messaging.system": "kafka", "messaging.batch.message_count": len(run)},
        )

    async def _apply_together(self, items: list[_Routed], *, traced: bool = True) -> int:
        """All inbox rows in one statement, then each new event's handler, in one transaction; how many were new.
        `traced=False`: the caller holds the record's span already."""
        async with self.sessions() as session, session.begin():
            inserted = await session.execute(RECORD_IN_INBOX, _inbox_rows(self.group_id, items))
            fresh = set(inserted.scalars())
            new: list[_Routed] = []
            for item in items:
                if item.envelope.id in fresh:  # else in the inbox already, or a second copy within this fetch
                    fresh.discard(item.envelope.id)
                    new.append(item)
            for run in consecutive_runs(new):
                handler = run[0].handler
                if isinstance(handler, Batched) and len(run) > 1:
                    with self._run_span(run) if traced else nullcontext():
                        await handler.many(session, [item.envelope for item in run])
                    continue
                for item in run:
                    with self._span(item) if traced else nullcontext():
                        await handler(session, item.envelope)
            applied = [item.envelope.type for item in new]
        if duplicates := len(items) - len(applied):
            DUPLICATES.labels(self.service).inc(duplicates)
        for event_type in applied:
            HANDLED.labels(self.service, event_type).inc()
        return len(applied)

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
                        lambda e: not is_permanent(e) and not is_transient_infrastructure(e)
                    ),
                    before_sleep=lambda _: RETRIES.labels(self.service).inc(),
                    reraise=True,
                ):
                    with attempt:
                        applied = await self._apply_together(
                            [_Routed(record, envelope, handler)], traced=False
                        )
                        outcome = "applied" if applied else "duplicate"
                if not self.health.is_ready:
                    self.health.ready(True)
                return outcome
            except Exception as exc:
                if is_transient_infrastructure(exc):
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
                reason = "permanent_error" if is_permanent(exc) else "retries_exhausted"
                await self._dead_letter(record, reason=reason, error=exc, event_type=envelope.type)
                return "dead_lettered"

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
