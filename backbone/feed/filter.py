"""The filtering process: internal event topics in, one topic per national subscriber out, in transactions."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import KafkaError
from prometheus_client import Counter, Gauge
from pydantic import Field

from backbone.feed.checkpoints import CHECKPOINTS, read_checkpoints, write_checkpoints
from backbone.feed.routing import recipients
from backbone.feed.subscribers import Registry, Subscriber
from backbone.health import Health
from backbone.kafka import (
    client_options,
    durability,
    ensure_topics,
    manual_commit_consumer,
    security_options,
    started,
    track_topics,
)
from backbone.settings import ServiceSettings, load_settings_as, local_state_dir
from contracts.topics import DAY_MS, EVENT_TOPICS, TopicSpec

log = logging.getLogger(__name__)

READ = Counter("feed_events_read_total", "Events the national feed read from the internal topics")
FORWARDED = Counter("feed_events_forwarded_total", "Events copied to a subscriber's topic", ["subscriber"])
WITHHELD = Counter("feed_events_withheld_total", "Events released to no registered subscriber")
SUBSCRIBERS = Gauge("feed_subscribers", "National subscribers registered")
REGISTRY_READY = Gauge(
    "feed_registry_ready", "1 when the subscribers registry lists subscribers; 0: the feed holds its events"
)


class FeedSettings(ServiceSettings):
    service_name: str = "feed"
    uses_database: bool = False
    subscribers_file: Path = Field(default_factory=lambda: local_state_dir() / "feed.json")
    transactional_id: str = "national-feed-0"
    """Unique per running filter (e.g. the pod's ordinal): the broker fences a zombie with the same id."""
    subscriber_partitions: int = Field(default=3, ge=1)
    subscriber_retention_days: int = Field(default=30, ge=1)
    batch_size: int = Field(default=500, ge=1, le=10_000)
    metrics_port: int | None = None


def feed_settings(**overrides: object) -> FeedSettings:
    return load_settings_as(FeedSettings, "feed", **overrides)


def subscriber_topic(settings: FeedSettings, subscriber: Subscriber) -> TopicSpec:
    return TopicSpec(
        name=subscriber.topic,
        owner="feed",
        description=f"What the handling codes release to {subscriber.country}, for {subscriber.id}.",
        partitions=settings.subscriber_partitions,
        retention_ms=settings.subscriber_retention_days * DAY_MS,
    )


def inbound_topic(settings: FeedSettings, subscriber: Subscriber) -> TopicSpec:
    return TopicSpec(
        name=subscriber.inbound_topic,
        owner="national",
        description=f"What {subscriber.id} reports for {subscriber.country} (aggregates only).",
        partitions=settings.subscriber_partitions,
        retention_ms=settings.subscriber_retention_days * DAY_MS,
    )


class _BatchFinishesFirst(ConsumerRebalanceListener):  # type: ignore[misc]
    """A rebalance (another filter joining, or this one rejoining after its session expired) waits for the
    transaction in hand to be committed or aborted, and every partition then resumes where the feed's own records
    say; a batch read before the rebalance is not copied.

    Where a partition resumes comes from the group's committed offsets, which can read behind a committed
    transaction:
    - its commit returns once the coordinator has decided it, and the offsets become visible when its markers are
      written, moments later. Java's consumer asks the broker to wait for them (OffsetFetch `require_stable`,
      KIP-447); aiokafka cannot;
    - a group coordinator that reloaded the group after a broker stall answered "no offset" for some partitions
      (`checkpoints.py`).
    So a partition resumes from `copied_up_to` when the group's offsets read behind it: the feed's checkpoints as
    this process read them at start, moved on by each transaction it committed since. Only one feed runs at a
    time (one transactional id, a Recreate deployment), so nothing else moves them meanwhile.

    The lock covers a transaction, never a read: aiokafka's `getmany` waits for a rebalance to finish, so a read
    under the lock that this listener waits for never ends (`make chaos` seed 27 stalled the feed so)."""

    def __init__(
        self, processing: asyncio.Lock, consumer: AIOKafkaConsumer, copied_up_to: dict[TopicPartition, int]
    ) -> None:
        self.processing = processing
        self.consumer = consumer
        self.copied_up_to = copied_up_to
        self.rebalances = 0
        """Moves as a rebalance starts and once its seeks are done: a batch read before it moved is not copied."""
        self.settled = False
        """Every assigned partition sought to where it resumes, and no rebalance started since."""
        self.failure: Exception | None = None
        """Why the partitions could not be sought: the feed ends and its restart starts over."""

    def read_in_vain(self, read_at: int) -> bool:
        """A batch read when `rebalances` was `read_at` came from positions a rebalance has reset since (or is
        about to): copying it would copy again what the new positions read, or skip what they do not."""
        return not self.settled or self.rebalances != read_at

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        self.rebalances += 1
        self.settled = False
        async with self.processing:
            pass

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        async with self.processing:
            try:
                await self._seek(assigned)
            except Exception as exc:  # aiokafka would only log it, and the feed would wait unsought forever
                self.failure = exc
                raise
            self.rebalances += 1
            self.settled = True

    async def _seek(self, assigned: list[TopicPartition]) -> None:
        # Every partition is sought explicitly, so no batch aiokafka hands over before the seeks is right by chance.
        # Left alone, aiokafka resumes from its own OffsetFetch, a second one, made as the assignment starts: in
        # `make chaos` (seed 26) ours read the right offset while that one read none, and a partition was copied
        # again from its start.
        try:
            committed = {tp: await self.consumer.committed(tp) for tp in assigned}
        except KafkaError as exc:
            if any(tp not in self.copied_up_to for tp in assigned):
                raise  # without a checkpoint, "never copied from" is not known: a restart asks again
            # The checkpoints are enough: they move in the same transactions as the group's offsets.
            log.warning("feed partitions assigned; committed offsets unreadable", extra={"error": str(exc)})
            committed = dict.fromkeys(assigned)
        resumes: dict[TopicPartition, int] = {}
        ahead: dict[TopicPartition, int] = {}
        for tp in assigned:
            group, copied = committed.get(tp), self.copied_up_to.get(tp)
            if copied is not None and (group is None or group < copied):
                resumes[tp] = ahead[tp] = copied
            elif group is not None:
                resumes[tp] = group
        for tp in assigned:
            # Never copied from: the start (an offset retention removed resets to the earliest, as configured).
            self.consumer.seek(tp, resumes.get(tp, 0))
        log.log(
            logging.WARNING if ahead else logging.INFO,
            "feed partitions assigned",
            extra={
                "partitions": len(assigned),
                "resumes_at": {f"{tp.topic}[{tp.partition}]": resumes.get(tp) for tp in assigned},
                "ahead_of_group_offsets": {f"{tp.topic}[{tp.partition}]": at for tp, at in ahead.items()},
            },
        )


def _put_back(consumer: AIOKafkaConsumer, batch: dict[TopicPartition, list]) -> None:  # type: ignore[type-arg]
    for partition, records in batch.items():
        consumer.seek(partition, records[0].offset)


class NationalFeed:
    def __init__(self, settings: FeedSettings) -> None:
        self.settings = settings
        self.registry = Registry(settings.subscribers_file)
        assert settings.consumer_group is not None  # the settings default it to `<topic prefix>feed`
        self.group_id = settings.consumer_group
        self.forwarded = 0
        self.read = 0
        self._topics_ready: set[str] = set()
        self._ready: bool | None = None
        self.health = Health()
        self.processing = asyncio.Lock()
        self.copied_up_to: dict[TopicPartition, int] = {}
        """Per source partition, the next offset to copy: from the checkpoints, then this process's transactions."""
        self.checkpoints_topic = settings.topic(CHECKPOINTS.name)

    async def run(self, stop: asyncio.Event) -> None:
        settings = self.settings

        listeners: list[_BatchFinishesFirst] = []

        def subscribed() -> AIOKafkaConsumer:
            consumer = manual_commit_consumer(
                settings, group_id=self.group_id, max_poll_records=settings.batch_size
            )
            listeners.append(_BatchFinishesFirst(self.processing, consumer, self.copied_up_to))
            consumer.subscribe([settings.topic(spec.name) for spec in EVENT_TOPICS], listener=listeners[-1])
            return consumer

        def transactional() -> AIOKafkaProducer:
            return AIOKafkaProducer(
                **client_options(settings),
                transactional_id=settings.transactional_id,
                enable_idempotence=True,
                acks="all",
                client_id="national-feed",
            )

        producer = await started(transactional, stopping=stop, what="feed producer")
        if producer is None:
            return
        # After the producer's start (the predecessor's transaction settled), before the group assigns anything.
        checkpoints = await read_checkpoints(settings, self.group_id, stopping=stop)
        if checkpoints is None:
            await producer.stop()
            return
        self.copied_up_to.update(checkpoints)
        await track_topics(producer, [self.checkpoints_topic])
        consumer = await started(subscribed, stopping=stop, what="feed consumer")
        if consumer is None:
            await producer.stop()
            return
        rebalances = listeners[-1]
        log.info(
            "national feed started",
            extra={
                "group": self.group_id,
                "file": str(settings.subscribers_file),
                "checkpoints": len(self.copied_up_to),
            },
        )
        try:
            while not stop.is_set():
                if rebalances.failure is not None:
                    raise rebalances.failure
                ready = self._registry_ready(consumer)
                batch = await consumer.getmany(timeout_ms=500, max_records=settings.batch_size)
                read_at = rebalances.rebalances  # nothing awaited since the read: the positions it came from
                # Ready only with a registry to copy by: without one it holds every event (fails closed).
                self.health.ready(ready, "forwarding" if ready else "no subscribers registry: holding events")
                if not batch:
                    continue
                async with self.processing:
                    if rebalances.read_in_vain(read_at):
                        continue  # the rebalance's seeks decide where reading resumes: nothing to put back
                    subscribers = self._subscribers()  # the registry as this batch finds it, read once
                    if not subscribers:
                        # Paused partitions give nothing; one assigned while waiting, or a registry emptied since,
                        # may have: put it back unread.
                        _put_back(consumer, batch)
                    elif not await self._subscriber_topics_ready(producer, subscribers):
                        _put_back(consumer, batch)  # nothing is in a transaction yet: it waits for the broker
                        await asyncio.sleep(1)
                    else:
                        await self._forward(producer, batch, subscribers)
        finally:
            await consumer.stop()
            await producer.stop()
            log.info("national feed stopped", extra={"read": self.read, "forwarded": self.forwarded})

    async def _forward(
        self,
        producer: AIOKafkaProducer,
        batch: dict[TopicPartition, list],  # type: ignore[type-arg]
        subscribers: tuple[Subscriber, ...],
    ) -> None:
        """One transaction: the copies and the consumed offsets commit together or not at all.

        A failure aborts the transaction and ends the process (its supervisor restarts it): the consumer's
        position has moved past the batch, and a restart resumes from the checkpoints, which the aborted
        transaction did not move.
        """
        topics = {s.id: self.settings.topic(s.topic) for s in subscribers}
        copies: dict[str, int] = dict.fromkeys(topics, 0)
        read = withheld = 0
        async with producer.transaction():
            # aiokafka commits a transaction whose sends failed (their batches expired unsent): every copy is
            # awaited first, so a failed one aborts the transaction instead.
            sent: list[asyncio.Future[object]] = []
            offsets: dict[TopicPartition, int] = {}
            for partition, records in batch.items():
                for record in records:
                    headers = list(record.headers or ())
                    chosen = recipients(headers, subscribers)
                    for subscriber in chosen:
                        sent.append(
                            await producer.send(
                                topics[subscriber.id], value=record.value, key=record.key, headers=headers
                            )
                        )
                        copies[subscriber.id] += 1
                    read += 1
                    withheld += not chosen
                offsets[partition] = records[-1].offset + 1
            sent.extend(await write_checkpoints(producer, self.checkpoints_topic, self.group_id, offsets))
            await asyncio.gather(*sent)
            await producer.send_offsets_to_transaction(offsets, self.group_id)
        # Committed: the coordinator has decided it, whatever the group's offsets read for a moment yet.
        self.copied_up_to.update(offsets)
        # Counted once the transaction committed, per batch (a labelled metric per copy cost a tenth of the CPU).
        for subscriber_id, count in copies.items():
            if count:
                FORWARDED.labels(subscriber_id).inc(count)
        self.forwarded += sum(copies.values())
        self.read += read
        READ.inc(read)
        WITHHELD.inc(withheld)

    def _subscribers(self) -> tuple[Subscriber, ...]:
        try:
            subscribers = self.registry.current()
        except (OSError, ValueError) as exc:  # unreadable, half-written by hand, an invalid entry
            log.error("subscribers registry unreadable", extra={"error": str(exc)})
            subscribers = ()
        SUBSCRIBERS.set(len(subscribers))
        return subscribers

    def _registry_ready(self, consumer: AIOKafkaConsumer) -> bool:
        """Fail closed: with no subscribers (a missing, empty or unreadable registry) nothing is read, so no
        event is consumed and committed with no copies; the partitions wait paused and the feed says so."""
        subscribers = self._subscribers()
        ready = bool(subscribers)
        if ready != self._ready:
            log.log(
                logging.INFO if ready else logging.WARNING,
                "subscribers registry ready"
                if ready
                else "no subscribers registered: the feed holds its events",
                extra={"file": str(self.settings.subscribers_file), "subscribers": len(subscribers)},
            )
        self._ready = ready
        REGISTRY_READY.set(1 if ready else 0)
        assignment = consumer.assignment()
        if ready:
            consumer.resume(*assignment)
        elif assignment:
            consumer.pause(*assignment)
        return ready

    async def _subscriber_topics_ready(
        self, producer: AIOKafkaProducer, subscribers: tuple[Subscriber, ...]
    ) -> bool:
        """Each subscriber's topic exists and is tracked; False while the broker cannot say (`make chaos` seed 26:
        a connection cut while a new feed created them ended the process)."""
        try:
            await self._ensure_topics(producer, subscribers)
        except (KafkaError, TimeoutError) as exc:
            log.warning("subscriber topics not ready; the batch waits", extra={"error": str(exc)})
            return False
        return True

    async def _ensure_topics(self, producer: AIOKafkaProducer, subscribers: tuple[Subscriber, ...]) -> None:
        missing = [s for s in subscribers if s.id not in self._topics_ready]
        if not missing:
            return
        await ensure_topics(
            self.settings.kafka_bootstrap,
            [subscriber_topic(self.settings, s) for s in missing],
            prefix=self.settings.topic_prefix,
            extra_options=security_options(self.settings),
            **durability(self.settings),
        )
        await track_topics(producer, [self.settings.topic(s.topic) for s in missing])
        self._topics_ready.update(s.id for s in missing)
