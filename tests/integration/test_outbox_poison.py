"""A row the broker refuses for good never blocks its bucket: the relay parks it with the reason (metrics, and
`python -m backbone.serve <service> parked|release-parked` for operators) and publishes the rows behind it.
An event too large to publish is refused at write time, in the use case's transaction, with a 413 problem."""

from __future__ import annotations

import asyncio
import json
import uuid

import asyncpg
import pytest
from sqlalchemy import text

from backbone import serve
from backbone.db import create_engine, create_sessionmaker
from backbone.outbox import add_event
from backbone.outbox.relay import PARKED_ROWS, OutboxRelay
from backbone.outbox.writer import MAX_EVENT_BYTES, EventTooLarge
from tests.integration.test_outbox_relay import agency_event, running
from tests.support import Deployment, eventually, header, read_topic

TOO_LARGE_FOR_THE_BROKER = 1_300_000
"""Over the broker's `message.max.bytes` (1 MiB by default): a row an earlier version let into the outbox."""


@pytest.mark.parametrize(
    ("relay_limit", "reason"),
    [
        (None, "too large for the broker"),  # caught before sending, by the relay's own limit
        (5_000_000, "TooLarge"),  # a limit above the broker's: the broker refuses it, the relay isolates it
    ],
)
async def test_a_refused_row_is_parked_and_the_rows_behind_it_are_published(
    deployment: Deployment, relay_limit: int | None, reason: str
) -> None:
    await deployment.create("partners")
    settings = deployment.settings(
        "partners", **({"relay_max_record_bytes": relay_limit} if relay_limit else {})
    )
    engine = create_engine(settings)
    sessions = create_sessionmaker(engine)
    aggregate = str(uuid.uuid4())  # one aggregate: one bucket, the poison first in line
    async with sessions() as session, session.begin():
        poison_id = await add_event(
            session, agency_event(aggregate, 1), aggregate_id=aggregate, source="/test"
        )
        await session.execute(
            text("UPDATE outbox SET message_value = :big WHERE event_id = :id"),
            {"big": b"x" * TOO_LARGE_FOR_THE_BROKER, "id": poison_id},
        )
    async with sessions() as session, session.begin():
        good_id = await add_event(session, agency_event(aggregate, 2), aggregate_id=aggregate, source="/test")
    await engine.dispose()

    topic = deployment.topic("partners.events.v1")
    relay = OutboxRelay(settings)
    async with running(relay):
        records = await read_topic(
            deployment.endpoints,
            topic,
            until=lambda rs: any(header(r, "ce_id") == good_id for r in rs),
            timeout=60,
        )
        await eventually(
            lambda: PARKED_ROWS.labels("partners")._value.get() == 1, timeout=15, what="the parked gauge"
        )
    assert all(header(r, "ce_id") != poison_id for r in records)

    conn = await asyncpg.connect(settings.asyncpg_dsn)
    try:
        parked = await conn.fetch("SELECT event_id, reason FROM outbox_parked")
        assert [str(r["event_id"]) for r in parked] == [poison_id]
        assert reason in parked[0]["reason"], parked[0]["reason"]
        assert await conn.fetchval("SELECT count(*) FROM outbox") == 0, "the bucket moved on"
    finally:
        await conn.close()

    listed = await asyncio.to_thread(serve.parked_rows, settings, release=None, release_all=False)
    assert [p["event_id"] for p in listed["parked"]] == [poison_id]
    assert listed["parked"][0]["bytes"] == TOO_LARGE_FOR_THE_BROKER
    released = await asyncio.to_thread(serve.parked_rows, settings, release=None, release_all=True)
    assert (released["released"], released["parked"]) == (1, [])
    conn = await asyncpg.connect(settings.asyncpg_dsn)
    try:
        back = await conn.fetch("SELECT event_id FROM outbox")
        assert [str(r["event_id"]) for r in back] == [poison_id], "released behind what is queued"
    finally:
        await conn.close()
    json.dumps(released, default=str)  # what the command prints


async def test_an_event_too_large_to_publish_is_refused_at_write_time(deployment: Deployment) -> None:
    await deployment.create("partners")
    engine = create_engine(deployment.settings("partners"))
    sessions = create_sessionmaker(engine)
    aggregate = str(uuid.uuid4())
    event = agency_event(aggregate, 1).model_copy(update={"mandate": "m" * MAX_EVENT_BYTES})
    with pytest.raises(EventTooLarge) as refused:
        async with sessions() as session, session.begin():
            await add_event(session, event, aggregate_id=aggregate, source="/test")
    assert (refused.value.status, refused.value.code) == (413, "event_too_large")
    async with sessions() as session:
        assert await session.scalar(text("SELECT count(*) FROM outbox")) == 0, "nothing was stored"
    await engine.dispose()
