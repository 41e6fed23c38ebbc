"""Temporal's time-skipping test server (from Maven Central, never downloaded by the SDK) for workflow tests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from devstack.config import StackConfig
from devstack.temporal import time_skipping_test_server


@pytest.fixture(scope="session")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    launcher = time_skipping_test_server(StackConfig.from_env())
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(launcher), data_converter=pydantic_data_converter
    )
    yield env
    await env.shutdown()


@pytest.fixture
def task_queue() -> str:
    return f"tq-{uuid.uuid4()}"
