"""Async SQLAlchemy engine and sessions, and the plumbing tables every service database has."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from contextvars import ContextVar
from typing import Any

import asyncpg
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    event,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

from backbone.settings import ServiceSettings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

plumbing_metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _event_columns() -> list[Column[Any]]:
    """An outbox row's event (the parked table keeps the same)."""
    return [
        Column("event_id", UUID(as_uuid=False), nullable=False, unique=True),
        Column("event_type", String(200), nullable=False),
        Column("topic", String(249), nullable=False),
        Column("aggregate_type", String(100), nullable=False),
        Column("aggregate_id", String(200), nullable=False),
        # Relays claim buckets, not rows: one bucket is published by one relay at a time, in id order.
        Column("bucket", SmallInteger, nullable=False),
        Column("message_key", LargeBinary, nullable=False),
        # The key's partition (murmur2, as Kafka's default partitioner) for `partition_count` partitions, computed by
        # the writer so the relay skips it while the topic still has that many partitions.
        Column("partition_hint", SmallInteger, nullable=False),
        Column("partition_count", SmallInteger, nullable=False),
        Column("message_value", LargeBinary, nullable=False),
        # Kafka headers as parallel arrays: decoded by the driver in C, no per-row JSON work in the relay.
        Column("header_names", ARRAY(Text), nullable=False),
        Column("header_values", ARRAY(LargeBinary), nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    ]


outbox_table = Table(
    "outbox",
    plumbing_metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    *_event_columns(),
)

parked_outbox_table = Table(
    "outbox_parked",
    plumbing_metadata,
    # An outbox row the broker refused for good (too large, not authorised, no such topic), moved aside with its
    # reason so the rows behind it in its bucket are published; `release-parked` puts it back.
    *_event_columns(),
    Column("id", BigInteger, primary_key=True),
    Column("reason", Text, nullable=False),
    Column("parked_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

inbox_table = Table(
    "inbox",
    plumbing_metadata,
    Column("consumer_group", String(200), primary_key=True),
    Column("event_id", String(200), primary_key=True),
    Column("event_type", String(200), nullable=False),
    Column("source_topic", String(249), nullable=False),
    Column("source_partition", Integer, nullable=False),
    Column("source_offset", BigInteger, nullable=False),
    Column("handled_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

RECORD_IN_INBOX = text(
    f"INSERT INTO {inbox_table.name}"
    " (consumer_group, event_id, event_type, source_topic, source_partition, source_offset)"
    " SELECT :group, * FROM unnest(CAST(:ids AS varchar[]), CAST(:types AS varchar[]),"
    " CAST(:topics AS varchar[]), CAST(:partitions AS integer[]), CAST(:offsets AS bigint[]))"
    " ON CONFLICT DO NOTHING RETURNING event_id"
)
"""A fetch's event ids in one statement of fixed shape (compiled and prepared once, whatever the fetch's size)."""


idempotency_table = Table(
    "idempotency_keys",
    plumbing_metadata,
    Column("scope", String(200), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_fingerprint", String(64), nullable=False),
    Column("status_code", Integer),
    Column("response_body", JSONB),
    Column("response_headers", JSONB),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


class Base(DeclarativeBase):
    """Declarative base for services' own tables; each service has its own subclass metadata."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


SYSTEM_TENANT = "*"
NO_TENANT = "-"
TENANT: ContextVar[str | None] = ContextVar("backbone_tenant", default=None)
"""The country whose rows this request may touch (row-level security), or `*` for the platform's own work."""
_TENANT_VALUE = re.compile(r"^([A-Z]{2}|\*|-)$")


def create_engine(
    settings: ServiceSettings, *, pool_size: int | None = None, tenant: str = SYSTEM_TENANT
) -> AsyncEngine:
    """`tenant`: what a connection may see when no request set one. Relays, consumers, migrations and tests
    work for the platform (`*`); an API passes `-` (nothing), so a request that forgot to name its tenant sees
    no tenant row at all. Row-level security policies read it as `current_setting('backbone.tenant')`."""
    engine = create_async_engine(
        settings.sqlalchemy_url,
        pool_size=pool_size or settings.database_pool_size,
        max_overflow=5,
        # No ping per checkout (a round trip, about a quarter of a millisecond through SQLAlchemy): a connection
        # whose socket the server or a proxy closed is known to the driver already, and `_discard_closed` drops it.
        pool_pre_ping=False,
        pool_timeout=10,
        connect_args={
            "timeout": 5,
            "server_settings": {"application_name": settings.service_name, "backbone.tenant": tenant},
        },
    )
    event.listen(engine.sync_engine, "begin", _set_tenant)
    event.listen(engine.sync_engine.pool, "checkout", _discard_closed)
    return engine


def _discard_closed(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """A pooled connection the server closed while it was idle (a restart, a failover, a cut) is replaced before
    the use case gets it: the pool retries the checkout with a new connection."""
    if proxy.driver_connection.is_closed():
        raise DisconnectionError("the server closed this pooled connection")


def _set_tenant(connection: Connection) -> None:
    """Per transaction (`set_config(..., true)` is `SET LOCAL`): the request's tenant, if it named one."""
    tenant = TENANT.get()
    if tenant is not None:
        if not _TENANT_VALUE.match(tenant):
            raise ValueError(f"not a tenant: {tenant!r}")
        connection.exec_driver_sql(f"SELECT set_config('backbone.tenant', '{tenant}', true)")


@contextlib.asynccontextmanager
async def as_platform_within(session: AsyncSession) -> AsyncIterator[None]:
    """The enclosed statements run as the platform, inside the caller's transaction, and the caller's tenant is
    back after: for a use case that has checked the caller's right and must read or settle rows the caller may
    not see or steer (a second marking settling the first). Flush inside the block what it changed."""
    tenant = await session.scalar(text("SELECT current_setting('backbone.tenant', true)"))
    await session.execute(
        text("SELECT set_config('backbone.tenant', :tenant, true)"), {"tenant": SYSTEM_TENANT}
    )
    try:
        yield
    finally:
        await session.execute(
            text("SELECT set_config('backbone.tenant', :tenant, true)"), {"tenant": tenant or NO_TENANT}
        )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


async def driver_connection(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under the session's open transaction, for the statements every write runs (the
    idempotency key, the aggregate lock, the outbox row, the audit entry). Through SQLAlchemy each costs about
    0.1 ms of CPU on top of its round trip, as much again as the statement itself (benchmarks/README.md, D1).

    Pending ORM changes are flushed first: they reach the database before these statements, in the order
    `session.execute` (which flushes on its own) kept. Errors come as asyncpg raises them; the problem mapping
    and the failure classification read their SQLSTATE whichever way they came."""
    if session.new or session.dirty or session.deleted:
        await session.flush()
    connection = await session.connection()
    driver: asyncpg.Connection = (await connection.get_raw_connection()).driver_connection
    return driver


async def session_scope(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with factory() as session:
        yield session
