"""CertificationRefresherWorkflow on the time-skipping test server: a year of validity passes in milliseconds.

Training is replaced by activity doubles that record each call with the workflow time it was scheduled at.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from devstack.config import StackConfig
from devstack.temporal import time_skipping_test_server
from tests.workflows.refresher_double import TrainingDouble
from workflows.certification_refresher.shared import (
    RefresherCompleted,
    RefresherInput,
    RefresherStatus,
    RefresherTimers,
    refresher_workflow_id,
)
from workflows.certification_refresher.workflow import CertificationRefresherWorkflow

DAY = 86400.0
TIMERS = RefresherTimers(remind_before_expiry_seconds=60 * DAY, enrol_before_expiry_seconds=30 * DAY)
Handle = WorkflowHandle[CertificationRefresherWorkflow, RefresherStatus]


@pytest.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """Its own test server: these tests skip a year of time and continue as new, which must not move the clock
    under the other workflow tests sharing the session's server."""
    launcher = time_skipping_test_server(StackConfig.from_env())
    own = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(launcher), data_converter=pydantic_data_converter
    )
    yield own
    await own.shutdown()


async def start(
    env: WorkflowEnvironment, task_queue: str, *, days: float = 365
) -> tuple[Handle, RefresherInput]:
    now = await env.get_current_time()
    request = RefresherInput(
        certification_id=str(uuid.uuid4()), expires_at=now + timedelta(days=days), timers=TIMERS
    )
    handle = await env.client.start_workflow(
        CertificationRefresherWorkflow.run,
        request,
        id=refresher_workflow_id(request.certification_id),
        task_queue=task_queue,
    )
    return handle, request


async def until_state(handle: Handle, *states: str) -> RefresherStatus:
    for _ in range(200):
        status = await handle.query(CertificationRefresherWorkflow.status)
        if status.state in states:
            return status
        await asyncio.sleep(0.05)
    raise AssertionError(f"never reached {states}")


async def test_without_a_refresher_the_certification_expires_after_a_reminder_and_an_enrolment(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    training = TrainingDouble()
    async with Worker(
        env.client,
        task_queue=task_queue,
        workflows=[CertificationRefresherWorkflow],
        activities=training.activities(),
    ):
        handle, request = await start(env, task_queue)
        result = await handle.result()
    assert result.state == "expired"
    assert [step.kind for _, step in training.steps] == ["reminder", "enrolment"]
    reminded_at, enrolled_at = training.steps[0][0], training.steps[1][0]
    assert abs(reminded_at - (request.expires_at - timedelta(days=60))) < timedelta(minutes=1)
    assert abs(enrolled_at - (request.expires_at - timedelta(days=30))) < timedelta(minutes=1)
    assert len(training.expiries) == 1 and abs(training.expiries[0][0] - request.expires_at) < timedelta(
        minutes=1
    )
    assert training.renewals == []


async def test_a_completed_refresher_renews_and_the_next_period_starts_over(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    training = TrainingDouble(validity_days=365)
    async with Worker(
        env.client,
        task_queue=task_queue,
        workflows=[CertificationRefresherWorkflow],
        activities=training.activities(),
    ):
        handle, request = await start(env, task_queue)
        with pytest.raises(WorkflowUpdateFailedError) as early:
            await handle.execute_update(
                CertificationRefresherWorkflow.complete_refresher,
                RefresherCompleted(completed_on=(await env.get_current_time()).date()),
            )
        assert "not_enrolled: " in str(early.value.cause)
        await env.sleep(timedelta(days=340))
        await until_state(handle, "enrolled")
        today = (await env.get_current_time()).date()
        done = await handle.execute_update(
            CertificationRefresherWorkflow.complete_refresher, RefresherCompleted(completed_on=today)
        )
        assert done.completed_on == today
        with pytest.raises(WorkflowUpdateFailedError) as twice:
            await handle.execute_update(
                CertificationRefresherWorkflow.complete_refresher, RefresherCompleted(completed_on=today)
            )
        # Refused by this period (already settled) or, once it continued as new, by the next (not enrolled yet).
        assert "already_settled: " in str(twice.value.cause) or "not_enrolled: " in str(twice.value.cause)
        for _ in range(400):
            if training.renewals:
                break
            await asyncio.sleep(0.05)
        latest = env.client.get_workflow_handle_for(
            CertificationRefresherWorkflow.run, refresher_workflow_id(request.certification_id)
        )
        for _ in range(400):  # continued as new: a second run for the next validity period
            described = await latest.describe()
            if described.run_id != handle.result_run_id:
                break
            await asyncio.sleep(0.05)
        assert described.run_id != handle.result_run_id
        await latest.terminate("test over")
    assert len(training.renewals) == 1 and training.renewals[0][1].completed_on == today
    assert training.expiries == []


async def test_a_revoked_certification_ends_its_refresher(env: WorkflowEnvironment, task_queue: str) -> None:
    training = TrainingDouble()
    async with Worker(
        env.client,
        task_queue=task_queue,
        workflows=[CertificationRefresherWorkflow],
        activities=training.activities(),
    ):
        handle, _ = await start(env, task_queue)
        await handle.signal(CertificationRefresherWorkflow.end)
        result = await handle.result()
    assert result.state == "ended" and training.steps == [] and training.expiries == []
