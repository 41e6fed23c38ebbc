"""Writing events into the outbox inside the use case's own transaction."""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiokafka.partitioner import murmur2
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.audit.log import record_change
from backbone.db import driver_connection, outbox_table
from backbone.errors import DomainError
from backbone.telemetry import current_traceparent
from contracts.envelope import Event, encode
from contracts.topics import topic_for
from rules.releasability import Release

BUCKETS = 16
"""Relays claim outbox rows by bucket; a bucket's rows are published by one relay at a time, in id order.
Changing this number only changes how new rows are spread, never the order within one aggregate."""

_AGGREGATE_LOCK_NAMESPACE = 0x0B0C
_LOCK_AGGREGATE = "SELECT pg_advisory_xact_lock($1, hashtext($2))"
_LOCK_AGGREGATES = (
    "SELECT pg_advisory_xact_lock($1, key) FROM "
    "(SELECT DISTINCT hashtext(id) AS key FROM unnest($2::text[]) AS id ORDER BY 1) AS keys"
)
OUTBOX_COLUMNS = (
    "event_id",
    "event_type",
    "topic",
    "aggregate_type",
    "aggregate_id",
    "bucket",
    "message_key",
    "partition_hint",
    "partition_count",
    "message_value",
    "header_names",
    "header_values",
)
_INSERT_OUTBOX = (
    f"INSERT INTO {outbox_table.name} ({', '.join(OUTBOX_COLUMNS)}) "
    f"VALUES ({', '.join(f'${n}' for n in range(1, len(OUTBOX_COLUMNS) + 1))})"
)

MAX_EVENT_BYTES = 900 * 1024
"""Key, value and headers of one event: under Kafka's default limit for a record batch (1 MiB, the broker's
`message.max.bytes` and the producer's request size), so the broker never refuses what the outbox accepted."""


class EventTooLarge(DomainError):
    status, code, title = 413, "event_too_large", "The change is too large to publish"


def partition_of(key: bytes, partitions: int) -> int:
    """The partition Kafka's default partitioner (and aiokafka's) picks for `key`."""
    return int(murmur2(key) & 0x7FFFFFFF) % partitions


def bucket_of(aggregate_id: str) -> int:
    return zlib.crc32(aggregate_id.encode()) % BUCKETS


async def lock_aggregate(session: AsyncSession, aggregate_id: str) -> None:
    """Serialise, until commit, the transactions that emit events for one aggregate (re-entrant)."""
    await lock_aggregates(session, [aggregate_id])


@dataclass(frozen=True)
class Outgoing:
    """One event for `add_events`, with what its CloudEvent says besides the payload."""

    event: Event
    aggregate_id: str
    subject: str | None = None
    event_id: str | None = None
    occurred_at: datetime | None = None
    release: Release | None = None


async def lock_aggregates(session: AsyncSession, aggregate_ids: Sequence[str]) -> None:
    """`lock_aggregate` for many at once, in the order of their lock keys: two transactions locking overlapping
    sets never wait on each other in a circle."""
    await _lock(await _transaction_driver(session), aggregate_ids)


async def _transaction_driver(session: AsyncSession) -> asyncpg.Connection:
    if not session.in_transaction():
        raise RuntimeError("events are written inside the use case's transaction")
    return await driver_connection(session)


async def _lock(driver: asyncpg.Connection, aggregate_ids: Sequence[str]) -> None:
    if len(set(aggregate_ids)) == 1:
        await driver.execute(_LOCK_AGGREGATE, _AGGREGATE_LOCK_NAMESPACE, aggregate_ids[0])
    else:
        await driver.execute(_LOCK_AGGREGATES, _AGGREGATE_LOCK_NAMESPACE, list(aggregate_ids))


async def add_event(
    session: AsyncSession,
    event: Event,
    *,
    aggregate_id: str,
    source: str,
    subject: str | None = None,
    event_id: str | None = None,
    occurred_at: datetime | None = None,
    release: Release | None = None,
) -> str:
    """Add `event` to the outbox of the session's open transaction; returns the CloudEvent id.

    Takes a transaction-scoped lock on the aggregate first, so that two transactions emitting events for the
    same aggregate commit in the order their outbox rows were numbered: the relay, which publishes in id
    order, then publishes one aggregate's events in commit order.
    """
    outgoing = Outgoing(event, aggregate_id, subject, event_id, occurred_at, release)
    return (await add_events(session, [outgoing], source=source))[0]


async def add_events(session: AsyncSession, outgoing: Sequence[Outgoing], *, source: str) -> list[str]:
    """`add_event` for many events of one transaction in three statements, numbered in the order given."""
    if not outgoing:
        return []
    driver = await _transaction_driver(session)
    await _lock(driver, [item.aggregate_id for item in outgoing])
    rows = [_outbox_row(item, source) for item in outgoing]  # stamped once the aggregate is ours
    if len(rows) == 1:
        await driver.execute(_INSERT_OUTBOX, *(rows[0][column] for column in OUTBOX_COLUMNS))
    else:  # pipelined, one row after the other: ids follow the order given
        await driver.executemany(
            _INSERT_OUTBOX, [tuple(row[column] for column in OUTBOX_COLUMNS) for row in rows]
        )
    for item in outgoing:
        # Every state change passes here, in its own transaction: the audit entry commits (or not) with it.
        await record_change(
            session,
            event_type=item.event.event_type,
            object_type=item.event.aggregate,
            object_id=item.aggregate_id,
            tenant=item.release.originator if item.release else None,
            handling=str(item.release.code) if item.release else None,
        )
    return [row["event_id"] for row in rows]


def _outbox_row(item: Outgoing, source: str) -> dict[str, Any]:
    event, aggregate_id, release = item.event, item.aggregate_id, item.release
    event_id = item.event_id or str(uuid.uuid4())
    # Without a release the event stays inside the backbone: the national feed forwards it to no one.
    record = encode(
        event,
        source=source,
        key=aggregate_id,
        event_id=event_id,
        time=item.occurred_at or datetime.now(UTC),
        subject=item.subject,
        traceparent=current_traceparent(),
        extensions=release.extensions() if release else None,
    )
    size = len(record.key) + len(record.value) + sum(len(k) + len(v) for k, v in record.headers)
    if size > MAX_EVENT_BYTES:
        # Refused here, in the use case's transaction (nothing is stored), not by the broker after the commit.
        raise EventTooLarge(
            f"The {event.event_type} event of this change would be {size} bytes; at most {MAX_EVENT_BYTES} "
            "can be published. Send less (shorter texts, fewer items per request)."
        )
    topic = topic_for(event)
    return {
        "event_id": event_id,
        "event_type": event.event_type,
        "topic": topic.name,
        "aggregate_type": event.aggregate,
        "aggregate_id": aggregate_id,
        "bucket": bucket_of(aggregate_id),
        "message_key": record.key,
        "partition_hint": partition_of(record.key, topic.partitions),
        "partition_count": topic.partitions,
        "message_value": record.value,
        "header_names": [name for name, _ in record.headers],
        "header_values": [value for _, value in record.headers],
    }
