"""The Kafka broker restarts while events flow: nothing accepted is lost, nothing is applied twice."""

from __future__ import annotations

import contextlib
import dataclasses
import uuid
from collections.abc import Awaitable
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import text

from backbone.db import create_engine, create_sessionmaker
from devstack.config import StackConfig
from devstack.infra import Endpoints
from devstack.kafka import LocalKafka
from devstack.kafka_security import KafkaSecurity
from services.partners.agencies import service
from services.partners.agencies.schemas import AgencyRegistration, CountryIn
from tests.support import Deployment, TestIssuer, eventually, free_port, serve_process


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


def private_kafka(shared: StackConfig, folder: Path) -> LocalKafka:
    """A broker of this test's own (ports, data, users, certificates), on the shared broker's jars: restarting
    the session's broker would fail every test running beside this one in the parallel suite."""
    config = dataclasses.replace(
        shared,
        state_dir=folder,
        kafka_port=free_port(),
        kafka_controller_port=free_port(),
        kafka_tls_port=free_port(),
    )
    (folder / "kafka").mkdir(parents=True)
    (folder / "kafka" / "libs").symlink_to(LocalKafka(shared).libs)
    (folder / "cache").symlink_to(shared.cache_dir)
    return LocalKafka(config)


async def test_events_written_while_the_broker_is_down_arrive_once_it_is_back(
    stack: Endpoints, issuer: TestIssuer, process_logs: Path, stack_config: StackConfig, tmp_path: Path
) -> None:
    if stack_config.external_kafka_bootstrap:
        pytest.skip("runs a local broker of its own; Kafka is external here (no local jars)")
    kafka = private_kafka(stack_config, tmp_path / "stack")
    with contextlib.ExitStack() as cleanup:
        kafka.start()
        cleanup.callback(kafka.stop)
        endpoints = dataclasses.replace(
            stack,
            kafka_bootstrap=kafka.config.kafka_bootstrap,
            kafka_admin=KafkaSecurity(kafka.config).admin(),
            kafka_tls_bootstrap=kafka.tls_bootstrap,
            kafka_tls_ca_file=str(kafka.tls_files().ca_file),
        )
        await eventually(lambda: _serves_metadata(endpoints), timeout=60, what="the private broker answers")
        deployment = Deployment(endpoints, issuer)
        await deployment.create("partners", "training")
        relay = serve_process(deployment, "partners", "relay", process_logs).start()
        cleanup.callback(relay.stop)
        consumer = serve_process(deployment, "training", "consumer", process_logs).start()
        cleanup.callback(consumer.stop)
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
            await deployment.destroy()


async def _serves_metadata(endpoints: Endpoints) -> bool:
    admin = AIOKafkaAdminClient(**endpoints.kafka_options(), request_timeout_ms=5000)
    try:
        await admin.start()
        await admin.describe_cluster()
        return True
    except Exception:
        return False
    finally:
        await admin.close()


async def _has(read: Awaitable[dict[str, int]], ids: list[str]) -> bool:
    rows = await read
    return all(agency_id in rows for agency_id in ids)
