"""The statements every write runs (aggregate lock, outbox row, audit entry) go straight to the driver, and pooled
connections are not pinged: what that must not change, against real PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import asyncpg
import pytest

from backbone.audit.log import append
from backbone.db import create_engine, create_sessionmaker, driver_connection
from backbone.outbox import add_event
from services.partners.models import Country
from tests.integration.test_audit_log import PLATFORM
from tests.integration.test_outbox_relay import agency_event
from tests.support import Deployment


class Undone(Exception):
    pass


async def stored(deployment: Deployment, agency_id: str) -> tuple[int, int, int]:
    """Countries ZZ, outbox rows and audit entries of the agency, as the platform sees them."""
    conn = await asyncpg.connect(deployment.settings("partners").asyncpg_dsn, server_settings=PLATFORM)
    try:
        return (
            await conn.fetchval("SELECT count(*) FROM countries WHERE code = 'ZZ'"),
            await conn.fetchval("SELECT count(*) FROM outbox WHERE aggregate_id = $1", agency_id),
            await conn.fetchval("SELECT count(*) FROM audit_log WHERE object_id = $1", agency_id),
        )
    finally:
        await conn.close()


@pytest.mark.parametrize("commits", [True, False])
async def test_the_outbox_row_and_audit_entry_follow_pending_changes_and_share_their_fate(
    deployment: Deployment, commits: bool
) -> None:
    await deployment.create("partners")
    engine = create_engine(deployment.settings("partners"))
    sessions = create_sessionmaker(engine)
    agency_id = str(uuid.uuid4())
    try:
        with contextlib.nullcontext() if commits else pytest.raises(Undone):
            async with sessions() as session, session.begin():
                session.add(Country(code="ZZ", name="Zedland"))  # pending, not flushed
                await add_event(session, agency_event(agency_id, 1), aggregate_id=agency_id, source="/test")
                driver = await driver_connection(session)
                # The ORM's pending row reached the database before the driver's statements, in this transaction.
                assert await driver.fetchval("SELECT name FROM countries WHERE code = 'ZZ'") == "Zedland"
                await append(session, action="noted", object_type="agency", object_id=agency_id)
                if not commits:
                    raise Undone
        assert await stored(deployment, agency_id) == ((1, 1, 2) if commits else (0, 0, 0))
    finally:
        await engine.dispose()


async def test_a_pooled_connection_the_server_closed_is_replaced_before_a_use_case_gets_it(
    deployment: Deployment,
) -> None:
    """No ping per checkout: a connection whose backend went away (a restart, a failover, a proxy's cut) is known
    to the driver as closed, and the pool opens a new one instead of handing it out."""
    await deployment.create("partners")
    settings = deployment.settings("partners")
    engine = create_engine(settings, pool_size=1)
    sessions = create_sessionmaker(engine)
    other = await asyncpg.connect(settings.asyncpg_dsn)
    try:
        async with sessions() as session, session.begin():
            first = (await driver_connection(session)).get_server_pid()
        assert await other.fetchval("SELECT pg_terminate_backend($1)", first)
        for _ in range(50):  # the driver reads the server's goodbye as soon as the loop runs
            if not await other.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", first):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.05)
        async with sessions() as session, session.begin():
            driver = await driver_connection(session)
            assert driver.get_server_pid() != first
            assert await driver.fetchval("SELECT 1") == 1
    finally:
        await other.close()
        await engine.dispose()
