"""Session fixtures: the real local stack (started here when nothing runs) and per-test deployments."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from devstack import containers
from devstack.config import StackConfig
from devstack.infra import Endpoints, ensure_infra, stop_started
from tests.support import Deployment, TestIssuer

# Real spans (no exporter), so trace ids flow into outbox rows and Kafka headers as in production.
trace.set_tracer_provider(TracerProvider())


@pytest.fixture(scope="session")
def stack_config() -> Iterator[StackConfig]:
    with ExitStack() as resources:
        if containers.wanted():  # opt-in; see devstack/containers.py
            os.environ.update(containers.start(resources))
        yield StackConfig.from_env()


@pytest.fixture(scope="session")
def stack(stack_config: StackConfig) -> Iterator[Endpoints]:
    """PostgreSQL, Kafka and Temporal: reused when running (e.g. under `make run`), else started and stopped."""
    endpoints, started = ensure_infra(stack_config)
    yield endpoints
    if os.environ.get("BACKBONE_KEEP_STACK"):
        return
    stop_started(stack_config, started)


@pytest.fixture(scope="session")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestIssuer]:
    """The development token issuer (its own keys), serving JWKS and client credentials for the session."""
    served = TestIssuer(tmp_path_factory.mktemp("issuer"))
    served.start()
    yield served
    served.stop()


@pytest.fixture
async def deployment(stack: Endpoints, issuer: TestIssuer) -> AsyncIterator[Deployment]:
    """A fresh, private deployment (databases, topics, groups, task queue) for one test."""
    created = Deployment(stack, issuer)
    yield created
    await created.destroy()


@pytest.fixture
def process_logs(tmp_path: Path) -> Path:
    return tmp_path / "logs"
