"""AgencyOnboardingWorkflow on the time-skipping test server: days of waiting pass in milliseconds."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from temporalio.client import WorkflowFailureError, WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.workflows.doubles import PartnersDouble
from workflows.agency_onboarding.shared import (
    Confirmation,
    OnboardingInput,
    OnboardingStatus,
    onboarding_workflow_id,
)
from workflows.agency_onboarding.workflow import AgencyOnboardingWorkflow

FOURTEEN_DAYS = 14 * 24 * 3600.0


def worker(env: WorkflowEnvironment, task_queue: str, partners: PartnersDouble) -> Worker:
    return Worker(
        env.client,
        task_queue=task_queue,
        workflows=[AgencyOnboardingWorkflow],
        activities=partners.activities(),
    )


async def start(
    env: WorkflowEnvironment, task_queue: str, deadline: float = FOURTEEN_DAYS
) -> WorkflowHandle[AgencyOnboardingWorkflow, OnboardingStatus]:
    agency_id = str(uuid.uuid4())
    return await env.client.start_workflow(
        AgencyOnboardingWorkflow.run,
        OnboardingInput(agency_id=agency_id, country_code="GH", confirmation_deadline_seconds=deadline),
        id=onboarding_workflow_id(agency_id),
        task_queue=task_queue,
    )


async def test_confirmation_activates_the_agency_once_with_a_stable_idempotency_key(
    time_skipping_env: WorkflowEnvironment,
    task_queue: str,
) -> None:
    partners = PartnersDouble()
    async with worker(time_skipping_env, task_queue, partners):
        handle = await start(time_skipping_env, task_queue)
        before = await handle.query(AgencyOnboardingWorkflow.status)
        assert before.state == "awaiting_confirmation" and before.confirmed_by is None
        await handle.signal(AgencyOnboardingWorkflow.confirm, Confirmation(confirmed_by="GH NCU"))
        await handle.signal(AgencyOnboardingWorkflow.confirm, Confirmation(confirmed_by="someone later"))
        result = await handle.result()
    assert result.state == "active" and result.confirmed_by == "GH NCU"
    assert len(partners.activated) == 1 and partners.lapsed == []
    activation = partners.activated[0]
    assert activation.agency_id == result.agency_id and activation.confirmed_by == "GH NCU"
    assert activation.idempotency_key == f"{handle.id}:activate"


async def test_deadline_is_reported_and_unconfirmed_onboarding_lapses_after_it(
    time_skipping_env: WorkflowEnvironment,
    task_queue: str,
) -> None:
    partners = PartnersDouble()
    async with worker(time_skipping_env, task_queue, partners):
        started_at = await time_skipping_env.get_current_time()
        handle = await start(time_skipping_env, task_queue)
        status = await handle.query(AgencyOnboardingWorkflow.status)
        assert status.deadline is not None
        assert abs(status.deadline - (started_at + timedelta(seconds=FOURTEEN_DAYS))) < timedelta(minutes=1)
        result = await handle.result()  # fourteen days, skipped
    assert result.state == "lapsed"
    assert partners.activated == []
    assert [r.idempotency_key for r in partners.lapsed] == [f"{handle.id}:lapse"]
    assert await time_skipping_env.get_current_time() - started_at >= timedelta(seconds=FOURTEEN_DAYS)


async def test_a_confirmation_after_the_deadline_changes_nothing(
    time_skipping_env: WorkflowEnvironment,
    task_queue: str,
) -> None:
    partners = PartnersDouble()
    async with worker(time_skipping_env, task_queue, partners):
        handle = await start(time_skipping_env, task_queue, deadline=3600)
        await time_skipping_env.sleep(timedelta(hours=2))
        result = await handle.result()
        # The workflow is closed: nobody can confirm any more.
        with pytest.raises(RPCError, match=r"(?i)completed"):
            await handle.signal(AgencyOnboardingWorkflow.confirm, Confirmation(confirmed_by="too late"))
    assert result.state == "lapsed" and partners.activated == []


async def test_transient_failures_of_the_partners_service_are_retried(
    time_skipping_env: WorkflowEnvironment,
    task_queue: str,
) -> None:
    partners = PartnersDouble(failures_before_success=2)
    async with worker(time_skipping_env, task_queue, partners):
        handle = await start(time_skipping_env, task_queue)
        await handle.signal(AgencyOnboardingWorkflow.confirm, Confirmation(confirmed_by="GH NCU"))
        result = await handle.result()
    assert result.state == "active" and len(partners.activated) == 1


async def test_a_refusal_by_the_partners_service_fails_the_workflow_without_retrying(
    time_skipping_env: WorkflowEnvironment,
    task_queue: str,
) -> None:
    partners = PartnersDouble(reject=True)
    async with worker(time_skipping_env, task_queue, partners):
        handle = await start(time_skipping_env, task_queue)
        await handle.signal(AgencyOnboardingWorkflow.confirm, Confirmation(confirmed_by="GH NCU"))
        with pytest.raises(WorkflowFailureError):
            await handle.result()
    assert partners.activated == []
