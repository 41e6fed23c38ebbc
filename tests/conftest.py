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


PROVIDED = "BACKBONE_TEST_STACK_PROVIDED"
"""Set by the controller of a parallel run (pytest -n): it started the stack, the workers only use it."""

STACK = pytest.StashKey[ExitStack]()


def _parallel_controller(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput") and bool(getattr(config.option, "numprocesses", None))


def pytest_configure(config: pytest.Config) -> None:
    """In a parallel run the controller starts the stack once, before the workers exist, and stops it after
    the last one: a worker's session ends while others still run, and two workers must not start one each."""
    if not _parallel_controller(config):
        return
    resources = ExitStack()
    config.stash[STACK] = resources
    if containers.wanted():
        os.environ.update(containers.start(resources))
    stack_config = StackConfig.from_env()
    _, started = ensure_infra(stack_config)
    if not os.environ.get("BACKBONE_KEEP_STACK"):
        resources.callback(stop_started, stack_config, started)
    os.environ[PROVIDED] = "1"  # the workers inherit the environment


def pytest_unconfigure(config: pytest.Config) -> None:
    resources = config.stash.get(STACK, None)
    if resources is not None:
        resources.close()


@pytest.fixture(scope="session")
def stack_config() -> Iterator[StackConfig]:
    with ExitStack() as resources:
        if containers.wanted() and not os.environ.get(PROVIDED):  # opt-in; see devstack/containers.py
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
