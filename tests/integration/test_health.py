"""The probes of the processes without an API, as Kubernetes calls them: a relay and a consumer are ready once
their database and broker answer, not ready (but alive) while the database is away, and serve their metrics on
the same port."""

from __future__ import annotations

import asyncio

import httpx

from backbone.consumer import EventConsumer
from backbone.db import create_engine, create_sessionmaker
from backbone.health import serving
from backbone.outbox.relay import OutboxRelay
from services.training.handlers import subscription
from tests.integration.test_outbox_relay import running
from tests.support import Deployment, eventually


async def probe(port: int, path: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=5) as http:
        return await http.get(f"http://127.0.0.1:{port}{path}")


async def test_a_relay_is_ready_when_connected_and_alive_but_not_ready_without_its_database(
    deployment: Deployment,
) -> None:
    await deployment.create("partners")
    relay = OutboxRelay(deployment.settings("partners"))
    async with serving(relay.health, host="127.0.0.1", port=0) as port, running(relay):
        assert port is not None
        ready = await eventually(lambda: _status(port, "/readyz", 200), timeout=30, what="relay ready")
        assert ready.text == "connected"
        assert (await probe(port, "/healthz")).status_code == 200
        assert "outbox_backlog_rows" in (await probe(port, "/metrics")).text
        assert (await probe(port, "/nothing")).status_code == 404

    away = OutboxRelay(deployment.settings("partners", postgres_port=1))  # nothing listens there
    async with serving(away.health, host="127.0.0.1", port=0) as port, running(away):
        assert port is not None
        await asyncio.sleep(2)
        not_ready = await probe(port, "/readyz")
        assert not_ready.status_code == 503 and "database" in not_ready.text
        assert (await probe(port, "/healthz")).status_code == 200, "waiting for the database is not a stall"


async def test_a_consumer_is_ready_once_it_polls(deployment: Deployment) -> None:
    await deployment.create("training")
    settings = deployment.settings("training")
    engine = create_engine(settings)
    consumer = EventConsumer(settings, create_sessionmaker(engine), subscription())
    async with serving(consumer.health, host="127.0.0.1", port=0) as port:
        assert port is not None
        assert (await probe(port, "/readyz")).status_code == 503, "not before it has started"
        task = asyncio.create_task(consumer.run())
        try:
            await eventually(lambda: _status(port, "/readyz", 200), timeout=60, what="consumer ready")
            assert (await probe(port, "/healthz")).status_code == 200
        finally:
            consumer.stop()
            await asyncio.wait_for(task, timeout=30)
            await engine.dispose()


async def _status(port: int, path: str, status: int) -> httpx.Response | None:
    response = await probe(port, path)
    return response if response.status_code == status else None
