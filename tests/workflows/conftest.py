"""Temporal's time-skipping test server (from Maven Central, never downloaded by the SDK) for workflow tests.

One server serves the session, except after a test that failed: such a test (a timeout above all) may leave
requests in flight, and the test server holds time still for every workflow while one is outstanding, so
each later test would wait out real days. The next test gets a fresh server instead."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Generator
from dataclasses import dataclass

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from devstack.config import StackConfig
from devstack.temporal import time_skipping_test_server

CALL_REPORT = pytest.StashKey[pytest.TestReport]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if call.when == "call":
        item.stash[CALL_REPORT] = report
    return report


@dataclass
class Server:
    env: WorkflowEnvironment | None = None
    suspect: bool = False


async def _start() -> WorkflowEnvironment:
    launcher = time_skipping_test_server(StackConfig.from_env())
    return await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(launcher), data_converter=pydantic_data_converter
    )


async def _stop(env: WorkflowEnvironment) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(env.shutdown(), timeout=30)


@pytest.fixture(scope="session")
async def time_skipping_server() -> AsyncIterator[Server]:
    server = Server()
    yield server
    if server.env is not None:
        await _stop(server.env)


@pytest.fixture
async def time_skipping_env(
    time_skipping_server: Server, request: pytest.FixtureRequest
) -> AsyncIterator[WorkflowEnvironment]:
    server = time_skipping_server
    if server.env is None or server.suspect:
        if server.env is not None:
            await _stop(server.env)
        server.env, server.suspect = await _start(), False
    yield server.env
    report = request.node.stash.get(CALL_REPORT, None)
    if report is None or not report.passed:
        server.suspect = True


@pytest.fixture
def task_queue() -> str:
    return f"tq-{uuid.uuid4()}"
