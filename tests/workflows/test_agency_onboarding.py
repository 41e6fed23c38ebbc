"""AgencyOnboardingWorkflow on the time-skipping test server: days of waiting pass in milliseconds.

The partners API is replaced by activity doubles registered under the real activities' names; they record what
the workflow asked for and with which attempt number, and can be told to fail, refuse or hold an activity open.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from temporalio.client import WorkflowFailureError, WorkflowHandle
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.workflows.doubles import PartnersDouble
from workflows.agency_onboarding.shared import (
    ActivateAgency,
    Confirmation,
    LapseAgencyOnboarding,
    OnboardingInput,
    OnboardingStatus,
    onboarding_workflow_id,
)
from workflows.agency_onboarding.workflow import AgencyOnboardingWorkflow

FOURTEEN_DAYS = 14 * 24 * 3600.0
Handle = WorkflowHandle[AgencyOnboardingWorkflow, OnboardingStatus]


def worker(env: WorkflowEnvironment, task_queue: str, partners: PartnersDouble) -> Worker:
    return Worker(
        env.client,
        task_queue=task_queue,
        workflows=[AgencyOnboardingWorkflow],
        activities=partners.activities(),
    )


async def start(env: WorkflowEnvironment, task_queue: str, deadline: float = FOURTEEN_DAYS) -> Handle:
    agency_id = str(uuid.uuid4())
    return await env.client.start_workflow(
        AgencyOnboardingWorkflow.run,
        OnboardingInput(agency_id=agency_id, country_code="GH", confirmation_deadline_seconds=deadline),
        id=onboarding_workflow_id(agency_id),
        task_queue=task_queue,
    )


async def test_confirmation_activates_the_agency_once_with_a_stable_idempotency_key(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    partners = PartnersDouble()
    async with worker(time_skipping_env, task_queue, partners):
        handle = await start(time_skipping_env, task_queue)
        await handle.signal(AgencyOnboardingWorkflow.confirm, Confirmation(confirmed_by="GH NCU"))
        result = await handle.result()
        status = await handle.query(AgencyOnboardingWorkflow.status)
    assert result.state == "active" and result.confirmed_by == "GH NCU"
    assert status.state == "active" and status.confirmed_by == "GH NCU"
    assert partners.lapses == []
    assert partners.activations == [
        ActivateAgency(
            agency_id=result.agency_id, confirmed_by="GH NCU", idempotency_key=f"{handle.id}:activate"
        )
    ]
    assert handle.id == onboarding_workflow_id(result.agency_id)


async def test_without_confirmation_the_onboarding_lapses_after_the_deadline(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    partners = PartnersDouble()
    async with worker(time_skipping_env, task_queue, partners):
        started_at = await time_skipping_env.get_current_time()
        handle = await start(time_skipping_env, task_queue)
        result = await handle.result()  # fourteen days, skipped
    assert result.state == "lapsed" and result.confirmed_by is None
    assert partners.activations == [] and partners.activation_attempts == []
    assert partners.lapses == [
        LapseAgencyOnboarding(agency_id=result.agency_id, idempotency_key=f"{handle.id}:lapse")
    ]
    assert await time_skipping_env.get_current_time() - started_at >= timedelta(seconds=FOURTEEN_DAYS)


async def test_a_second_confirmation_changes_nothing(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    partners = PartnersDouble(hold_activation=True)
    async with worker(time_skipping_env, task_queue, partners):
        handle = await start(time_skipping_env, task_queue)
        await handle.signal(AgencyOnboardingWorkflow.confirm, Confirmation(confirmed_by="GH NCU"))
        await asyncio.wait_for(partners.activation_started.wait(), timeout=30)
        # The workflow has taken the first confirmation and is activating; a second one arrives now.
        await handle.signal(AgencyOnboardingWorkflow.confirm, Confirmation(confirmed_by="someone later"))
        during = await handle.query(AgencyOnboardingWorkflow.status)
        partners.release_activation.set()
        result = await handle.result()
    assert during.state == "activating" and during.confirmed_by == "GH NCU"
    assert result.state == "active" and result.confirmed_by == "GH NCU"
    assert [a.confirmed_by for a in partners.activations] == ["GH NCU"]
    assert partners.activation_attempts == [1] and partners.lapses == []


async def test_a_confirmation_after_the_deadline_is_refused(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    partners = PartnersDouble()
    async with worker(time_skipping_env, task_queue, partners):
        handle = await start(time_skipping_env, task_queue, deadline=3600)
        result = await handle.result()
        # The workflow is closed: nobody can confirm any more.
        with pytest.raises(RPCError, match=r"(?i)completed"):
            await handle.signal(AgencyOnboardingWorkflow.confirm, Confirmation(confirmed_by="too late"))
    assert result.state == "lapsed" and partners.activations == []


async def test_before_confirmation_the_status_shows_the_deadline(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    partners = PartnersDouble()
    async with worker(time_skipping_env, task_queue, partners):
        handle = await start(time_skipping_env, task_queue)
        status = await handle.query(AgencyOnboardingWorkflow.status)
        started_at = (await handle.describe()).start_time
        await handle.terminate("test done")
    assert status.state == "awaiting_confirmation" and status.confirmed_by is None
    assert status.deadline is not None
    # The deadline is taken from the workflow clock of its first task, a moment after the start.
    late_by = status.deadline - (started_at + timedelta(seconds=FOURTEEN_DAYS))
    assert timedelta(0) <= late_by < timedelta(seconds=5)
    assert partners.activation_attempts == [] and partners.lapses == []


async def test_transient_failures_of_the_partners_service_are_retried(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    partners = PartnersDouble(retryable_failures=2)
    async with worker(time_skipping_env, task_queue, partners):
        handle = await start(time_skipping_env, task_queue)
        await handle.signal(AgencyOnboardingWorkflow.confirm, Confirmation(confirmed_by="GH NCU"))
        result = await handle.result()
    assert result.state == "active"
    assert partners.activation_attempts == [1, 2, 3]
    assert [a.idempotency_key for a in partners.activations] == [f"{handle.id}:activate"]


async def test_a_refusal_by_the_partners_service_fails_the_workflow_without_retrying(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    partners = PartnersDouble(refuse=True)
    async with worker(time_skipping_env, task_queue, partners):
        handle = await start(time_skipping_env, task_queue)
        await handle.signal(AgencyOnboardingWorkflow.confirm, Confirmation(confirmed_by="GH NCU"))
        with pytest.raises(WorkflowFailureError) as failed:
            await handle.result()
    assert partners.activation_attempts == [1] and partners.activations == []
    activity_error = failed.value.cause
    assert isinstance(activity_error, ActivityError)
    refusal = activity_error.cause
    assert isinstance(refusal, ApplicationError)
    assert refusal.type == "RejectedByService" and refusal.non_retryable


async def test_a_confirmation_sent_as_an_update_answers_with_the_status_it_led_to(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    """What the partners API sends: one round trip that confirms and tells where the onboarding is now."""
    partners = PartnersDouble(hold_activation=True)
    async with worker(time_skipping_env, task_queue, partners):
        handle = await start(time_skipping_env, task_queue)
        confirmed = await handle.execute_update(
            AgencyOnboardingWorkflow.confirm_and_report, Confirmation(confirmed_by="GH NCU")
        )
        again = await handle.execute_update(
            AgencyOnboardingWorkflow.confirm_and_report, Confirmation(confirmed_by="someone later")
        )
        partners.release_activation.set()
        result = await handle.result()
    assert confirmed.state == "activating" and confirmed.confirmed_by == "GH NCU"
    assert again.state == "activating" and again.confirmed_by == "GH NCU", "the first confirmation counts"
    assert result.state == "active"
    assert [a.confirmed_by for a in partners.activations] == ["GH NCU"]
