"""Kafka clients configured from settings, and topic creation from the contract's registry."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from backbone.settings import ServiceSettings
from contracts.topics import TopicSpec

log = logging.getLogger(__name__)


def ssl_context(settings: ServiceSettings) -> ssl.SSLContext:
    """What aiokafka needs for SSL and SASL_SSL: the brokers' certificates verified against the configured CA
    (or the system's), their host names checked, and a client certificate when one is configured."""
    context = ssl.create_default_context(cafile=settings.kafka_ssl_cafile)
    context.check_hostname = settings.kafka_ssl_check_hostname
    if settings.kafka_ssl_certfile:
        password = settings.kafka_ssl_keyfile_password
        context.load_cert_chain(
            settings.kafka_ssl_certfile,
            settings.kafka_ssl_keyfile,
            password.get_secret_value() if password else None,
        )
    return context


def client_options(settings: ServiceSettings) -> dict[str, Any]:
    options: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap,
        "security_protocol": settings.kafka_security_protocol,
    }
    if settings.kafka_security_protocol in ("SSL", "SASL_SSL"):
        options["ssl_context"] = ssl_context(settings)
    if settings.kafka_sasl_mechanism:
        options["sasl_mechanism"] = settings.kafka_sasl_mechanism
        options["sasl_plain_username"] = settings.kafka_sasl_username
        options["sasl_plain_password"] = (
            settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else None
        )
    return options


def security_options(settings: ServiceSettings) -> dict[str, Any]:
    """client_options without the bootstrap servers: how this process authenticates."""
    return {k: v for k, v in client_options(settings).items() if k != "bootstrap_servers"}


def idempotent_producer(settings: ServiceSettings, **overrides: Any) -> AIOKafkaProducer:
    """acks=all with idempotence: a retried send is never written twice nor reordered in a partition."""
    options = {
        **client_options(settings),
        "enable_idempotence": True,
        "acks": "all",
        "linger_ms": 1,
        "max_batch_size": 256 * 1024,
        "request_timeout_ms": 30_000,
        "client_id": f"{settings.service_name}-producer",
        **overrides,
    }
    return AIOKafkaProducer(**options)


def manual_commit_consumer(
    settings: ServiceSettings, *topics: str, group_id: str, **overrides: Any
) -> AIOKafkaConsumer:
    options = {
        **client_options(settings),
        "group_id": group_id,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "isolation_level": "read_committed",
        "client_id": f"{settings.service_name}-consumer",
        "max_poll_records": 200,
        **overrides,
    }
    return AIOKafkaConsumer(*topics, **options)


def durability(settings: ServiceSettings) -> dict[str, int]:
    """How the topics a process creates are replicated (`ensure_topics` keywords), from its settings."""
    assert settings.topic_replication_factor is not None and settings.topic_min_insync_replicas is not None
    return {
        "replication_factor": settings.topic_replication_factor,
        "min_insync_replicas": settings.topic_min_insync_replicas,
    }


_COMPACTED = {
    "cleanup.policy": "compact",
    # The cleaner never touches the active segment, which by default rolls at 1 GiB or after 7 days: a small
    # topic rewritten often (the feed's checkpoints) would be read whole at every start. It rolls hourly instead.
    "segment.ms": str(3_600_000),
    "segment.bytes": str(16 * 1024 * 1024),
}


async def ensure_topics(
    bootstrap: str,
    specs: Iterable[TopicSpec],
    *,
    prefix: str = "",
    replication_factor: int = 1,
    min_insync_replicas: int = 1,
    extra_options: dict[str, Any] | None = None,
) -> list[str]:
    """Create the registry's topics that are missing; returns the names created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **(extra_options or {}))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(
                name=spec.qualified(prefix),
                num_partitions=spec.partitions,
                replication_factor=replication_factor,
                topic_configs={
                    "retention.ms": str(spec.retention_ms),
                    "min.insync.replicas": str(min_insync_replicas),
                    **(_COMPACTED if spec.compacted else {}),
                },
            )
            for spec in specs
            if spec.qualified(prefix) not in existing
        ]
        if wanted:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(wanted, timeout_ms=30_000)
            await _wait_for_metadata(admin, [t.name for t in wanted])
        return [t.name for t in wanted]
    finally:
        await admin.close()


async def _wait_for_metadata(admin: AIOKafkaAdminClient, names: list[str], timeout: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        existing = set(await admin.list_topics())
        if all(name in existing for name in names):
            return
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"topics not visible after creation: {names}")
        await asyncio.sleep(0.2)


Client = TypeVar("Client", AIOKafkaConsumer, AIOKafkaProducer)
T = TypeVar("T")


def broker_unreachable(exc: BaseException) -> bool:
    """What a client's start or first request fails with while the broker is away or its connection is cut.

    Besides KafkaConnectionError and aiokafka's retriable errors: a transactional producer's FindCoordinator that
    loses its connection raises a plain KafkaError wrapping it, and one whose metadata lists no broker after a cut
    fails aiokafka's assertion "Did we not perform bootstrap?" (both ended the feed in `make chaos`, seed 28). An
    authorisation or configuration error is not transient: the process ends and says why."""
    if isinstance(exc, AssertionError):
        return "bootstrap" in str(exc)
    if not isinstance(exc, KafkaError):
        return False
    cause = exc.__cause__
    return bool(exc.retriable) or (isinstance(cause, KafkaError) and bool(cause.retriable))


async def retried(
    attempt: Callable[[], Awaitable[T]],
    *,
    stopping: asyncio.Event,
    what: str,
    transient: Callable[[BaseException], bool] = broker_unreachable,
) -> T | None:
    """`attempt` until it succeeds, however long the broker takes to answer (None if asked to stop first).

    A process that starts while the broker is away (restarting, paused, unreachable) waits for it, not ready,
    instead of exiting into a crash loop."""
    wait = 0.5
    while not stopping.is_set():
        try:
            return await attempt()
        except Exception as exc:
            if not transient(exc):
                raise
            log.warning(
                "Kafka unreachable; retrying", extra={"client": what, "error": repr(exc), "wait": wait}
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=wait)
            wait = min(wait * 2, 10.0)
    return None


async def started(make: Callable[[], Client], *, stopping: asyncio.Event, what: str) -> Client | None:
    """A Kafka client started, as `retried` waits: each attempt is a new client, since one whose start failed is
    spent."""

    async def start() -> Client:
        client = make()
        try:
            await client.start()
        except Exception:
            with contextlib.suppress(Exception):
                await client.stop()
            raise
        return client

    return await retried(start, stopping=stopping, what=what)


async def records_to_end(
    consumer: AIOKafkaConsumer, partitions: Iterable[TopicPartition]
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of `partitions` from their beginning to their end as the consumer's isolation level sees it
    (with read_committed: the last stable offset), in partition and offset order."""
    tps = sorted(partitions)
    if not tps:
        return []
    consumer.assign(tps)
    await consumer.seek_to_beginning(*tps)
    ends = await consumer.end_offsets(tps)
    records: list[ConsumerRecord[bytes, bytes]] = []
    remaining = {tp for tp in tps if ends[tp] > 0}
    while remaining:
        for batch in (await consumer.getmany(*remaining, timeout_ms=1000, max_records=5000)).values():
            records.extend(batch)
        remaining = {tp for tp in remaining if await consumer.position(tp) < ends[tp]}
    return sorted(records, key=lambda r: (r.partition, r.offset))


async def track_topics(producer: AIOKafkaProducer, topics: Iterable[str]) -> None:
    """Keep the metadata of every topic a producer writes to, for as long as it runs.

    aiokafka tracks only the topics it had to look up: one already in the metadata it fetched at start is written
    to untracked, and the first lookup of another topic then narrows the metadata to the tracked ones. Batches for
    the dropped topics wait for a leader until they expire (40 s) and fail, and a transaction commits without
    them (found by the feed's checkpoints test: its first checkpoint dropped every national topic)."""
    await asyncio.gather(*(producer.client.add_topic(topic) for topic in topics))


def transport_closed(exc: BaseException) -> bool:
    """A request aiokafka wrote to a broker connection that was cut before it noticed. Under uvloop that write
    raises RuntimeError ("... the handler is closed"), where asyncio's own loop would only log it; it means the
    same as KafkaConnectionError (found by `make chaos`: a consumer's offset commit ended its process)."""
    return isinstance(exc, RuntimeError) and "handler is closed" in str(exc)
