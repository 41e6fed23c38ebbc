"""The Kafka broker restarts while events flow: nothing accepted is lost, nothing is applied twice."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from pathlib import Path

import pytest
from sqlalchemy import text

from backbone.db import create_engine, create_sessionmaker
from devstack.config import StackConfig
from devstack.kafka import LocalKafka
from services.partners.agencies import service
from services.partners.agencies.schemas import AgencyRegistration, CountryIn
from tests.support import Deployment, eventually, serve_process


async def register(deployment: Deployment, count: int) -> list[str]:
    engine = create_engine(deployment.settings("partners"))
    ids = []
    async with create_sessionmaker(engine)() as session:
        for _ in range(count):
            outcome = await service.register_agency(
                session,
                registration=AgencyRegistration(
                    country=CountryIn(code="MX", name="Mexico"),
                    name=f"Guardia Nacional {uuid.uuid4().hex[:8]}",
                    agency_type="police",
                ),
                idempotency=None,
            )
            ids.append(str(outcome.body["id"]))
    await engine.dispose()
    return ids


async def read_model(deployment: Deployment) -> dict[str, int]:
    engine = create_engine(deployment.settings("training"))
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT agency_id::text, version FROM known_agencies"))).all()
    await engine.dispose()
    return {agency_id: version for agency_id, version in rows}


async def test_events_written_while_the_broker_is_down_arrive_once_it_is_back(
    deployment: Deployment, process_logs: Path, stack_config: StackConfig
) -> None:
    if stack_config.external_kafka_bootstrap:
        pytest.skip("restarts the local broker; Kafka is external here")
    kafka = LocalKafka(stack_config)
    await deployment.create("partners", "training")
    relay = serve_process(deployment, "partners", "relay", process_logs).start()
    consumer = serve_process(deployment, "training", "consumer", process_logs).start()
    try:
        before = await register(deployment, 20)
        await eventually(
            lambda: _has(read_model(deployment), before), timeout=60, what="first events applied"
        )

        kafka.stop()
        during = await register(deployment, 20)  # accepted: they wait in the outbox
        kafka.start()
        await deployment.create()  # the broker kept its topics; this only checks they are there

        expected = before + during
        await eventually(
            lambda: _has(read_model(deployment), expected), timeout=120, what="all events applied"
        )
        versions = await read_model(deployment)
        assert {versions[agency_id] for agency_id in expected} == {1}, "an event was applied twice"
        assert relay.returncode is None and consumer.returncode is None, "both rode out the outage"
    finally:
        relay.stop()
        consumer.stop()
        if not kafka.is_running():
            kafka.start()


async def _has(read: Awaitable[dict[str, int]], ids: list[str]) -> bool:
    rows = await read
    return all(agency_id in rows for agency_id in ids)
