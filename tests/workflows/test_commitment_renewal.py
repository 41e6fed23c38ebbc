"""CommitmentRenewalWorkflow on the time-skipping test server: months before expiry pass in milliseconds.

The partners API is replaced by activity doubles (`renewal_double`) that record each call with the workflow
time at which it was scheduled.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError, WorkflowUpdateStage
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from services.partners.commitments.schemas import CommitmentOut
from services.partners.processes import start_renewal
from tests.workflows.renewal_double import RenewalDouble
from workflows.commitment_renewal.shared import (
    CommitmentRenewalInput,
    CommitmentRenewalStatus,
    RenewalResponse,
    RenewalTimers,
    commitment_renewal_workflow_id,
)
from workflows.commitment_renewal.workflow import CommitmentRenewalWorkflow

DAY = 86400.0
Handle = WorkflowHandle[CommitmentRenewalWorkflow, CommitmentRenewalStatus]
TIMERS = RenewalTimers(
    ask_before_expiry_seconds=90 * DAY, remind_after_seconds=14 * DAY, escalate_before_expiry_seconds=30 * DAY
)


def worker(env: WorkflowEnvironment, task_queue: str, partners: RenewalDouble) -> Worker:
    return Worker(
        env.client,
        task_queue=task_queue,
        workflows=[CommitmentRenewalWorkflow],
        activities=partners.activities(),
    )


async def start(
    env: WorkflowEnvironment, task_queue: str, *, expires_in_days: float = 120, timers: RenewalTimers = TIMERS
) -> tuple[Handle, CommitmentRenewalInput]:
    now = await env.get_current_time()
    request = CommitmentRenewalInput(
        commitment_id=str(uuid.uuid4()),
        partnership_id=str(uuid.uuid4()),
        agency_id=str(uuid.uuid4()),
        expires_at=now + timedelta(days=expires_in_days),
        timers=timers,
    )
    handle = await env.client.start_workflow(
        CommitmentRenewalWorkflow.run,
        request,
        id=commitment_renewal_workflow_id(request.commitment_id),
        task_queue=task_queue,
    )
    return handle, request


async def awaiting_answer(handle: Handle) -> CommitmentRenewalStatus:
    for _ in range(200):
        status = await handle.query(CommitmentRenewalWorkflow.status)
        if status.state == "awaiting_response":
            return status
        await asyncio.sleep(0.05)
    raise AssertionError(f"the partner was never asked: {status}")


def near(actual: datetime, expected: datetime) -> bool:
    return abs((actual - expected).total_seconds()) < 60


def answer(request: CommitmentRenewalInput, kind: str, **fields: object) -> RenewalResponse:
    return RenewalResponse.model_validate(
        {"agency_id": request.agency_id, "responded_by": "NCU Ghana", "answer": kind, **fields}
    )


async def test_without_an_answer_the_partner_is_reminded_the_body_alerted_and_the_commitment_lapses(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    partners = RenewalDouble()
    async with worker(time_skipping_env, task_queue, partners):
        handle, request = await start(time_skipping_env, task_queue)
        result = await handle.result()
    expires = request.expires_at
    asked_at = expires - timedelta(days=90)
    assert [(near(at, asked_at), r.idempotency_key) for at, r in partners.asked] == [
        (True, f"{handle.id}:ask")
    ]
    assert [(n.kind, n.idempotency_key) for _, n in partners.notices] == [
        ("reminder", f"{handle.id}:reminder"),
        ("escalation", f"{handle.id}:escalation"),
    ]
    assert near(partners.notices[0][0], asked_at + timedelta(days=14))
    assert near(partners.notices[1][0], expires - timedelta(days=30))
    [(concluded_at, conclusion)] = partners.conclusions
    assert near(concluded_at, expires)
    assert conclusion.outcome == "lapsed" and conclusion.response is None
    assert result.state == "concluded" and result.outcome == "lapsed" and result.new_commitment_id is None
    assert result.reminders_sent == 1 and result.escalated


async def test_reaffirmed_before_the_reminder_the_commitment_is_renewed_at_once_without_notices(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    partners = RenewalDouble()
    async with worker(time_skipping_env, task_queue, partners):
        handle, request = await start(time_skipping_env, task_queue)
        await time_skipping_env.sleep(
            timedelta(days=31)
        )  # past the question (30 days in), before the reminder
        await awaiting_answer(handle)
        status = await handle.execute_update(CommitmentRenewalWorkflow.respond, answer(request, "reaffirm"))
        result = await handle.result()
    assert status.outcome == "renewed" and status.new_commitment_id == f"successor-of-{request.commitment_id}"
    assert result == status
    assert partners.notices == []
    [(concluded_at, conclusion)] = partners.conclusions
    assert concluded_at < request.expires_at - timedelta(days=80)  # concluded when answered, not at expiry
    assert conclusion.outcome == "renewed" and conclusion.response == answer(request, "reaffirm")
    assert conclusion.idempotency_key == f"{handle.id}:conclusion"


async def test_a_revision_after_the_escalation_is_renegotiated_and_a_decline_lapses_with_its_reason(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    partners = RenewalDouble()
    async with worker(time_skipping_env, task_queue, partners):
        revised, revised_request = await start(time_skipping_env, task_queue)
        declined, declined_request = await start(time_skipping_env, task_queue)
        await time_skipping_env.sleep(timedelta(days=95))  # past the reminder and the escalation
        revision = answer(revised_request, "revise", amount=Decimal("8"), priorities="Labs first")
        renegotiated = await revised.execute_update(CommitmentRenewalWorkflow.respond, revision)
        refusal = answer(declined_request, "decline", reason="Budget cut by parliament")
        lapsed = await declined.execute_update(CommitmentRenewalWorkflow.respond, refusal)
    assert (
        renegotiated.outcome == "renegotiated" and renegotiated.reminders_sent == 1 and renegotiated.escalated
    )
    assert lapsed.outcome == "lapsed" and lapsed.response == refusal
    conclusions = {c.commitment_id: c for _, c in partners.conclusions}
    assert conclusions[revised_request.commitment_id].response == revision
    assert conclusions[declined_request.commitment_id].outcome == "lapsed"


async def test_the_validator_refuses_early_foreign_and_second_answers_with_reasons(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    partners = RenewalDouble()
    async with worker(time_skipping_env, task_queue, partners):
        handle, request = await start(time_skipping_env, task_queue)
        with pytest.raises(WorkflowUpdateFailedError) as early:
            await handle.execute_update(CommitmentRenewalWorkflow.respond, answer(request, "reaffirm"))
        assert "renewal_not_requested: " in str(early.value.cause)
        await handle.signal(CommitmentRenewalWorkflow.ask_now)
        status = await awaiting_answer(handle)
        assert status.asked_at is not None and status.asked_at < status.asks_at  # asked early, on request
        stranger = answer(request, "reaffirm").model_copy(update={"agency_id": str(uuid.uuid4())})
        with pytest.raises(WorkflowUpdateFailedError) as foreign:
            await handle.execute_update(CommitmentRenewalWorkflow.respond, stranger)
        assert "not_the_partner: " in str(foreign.value.cause)
        # Accepted before the result is awaited: awaiting it lets the server skip time, and a run that lapsed
        # meanwhile would leave an in-flight update that the test server never answers (it then hangs, and
        # holds time still for every later test on the server).
        first = await handle.start_update(
            CommitmentRenewalWorkflow.respond,
            answer(request, "reaffirm"),
            wait_for_stage=WorkflowUpdateStage.ACCEPTED,
        )
        result = await handle.result()
        assert (await first.result()).outcome == "renewed"
    # An answer after completion is refused by the server itself (the e2e test shows the API's 409).
    assert result.outcome == "renewed" and len(partners.conclusions) == 1
    assert [r.idempotency_key for _, r in partners.asked] == [f"{handle.id}:ask"]


async def test_a_second_answer_while_the_first_is_concluding_is_refused(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    one_refused = asyncio.Event()
    partners = RenewalDouble(hold_conclusion=one_refused)  # the run stays open until one answer is refused

    async def send(response: Any) -> Any:
        try:
            return await handle.execute_update(CommitmentRenewalWorkflow.respond, response)
        except (WorkflowUpdateFailedError, RPCError) as refusal:
            one_refused.set()
            return refusal

    async with worker(time_skipping_env, task_queue, partners):
        handle, request = await start(time_skipping_env, task_queue)
        await handle.signal(CommitmentRenewalWorkflow.ask_now)
        await awaiting_answer(handle)
        updates = await asyncio.gather(
            send(answer(request, "reaffirm")), send(answer(request, "decline", reason="Changed our mind"))
        )
        await handle.result()
    accepted = [u for u in updates if isinstance(u, CommitmentRenewalStatus)]
    refused = [u for u in updates if isinstance(u, WorkflowUpdateFailedError)]
    assert len(accepted) == 1 and len(refused) == 1, updates
    assert "already_answered: " in str(refused[0].cause), "refused by the validator while the first concludes"
    assert len(partners.conclusions) == 1


async def test_an_expiry_closer_than_the_notice_period_asks_at_once_and_skips_past_notices(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    partners = RenewalDouble()
    async with worker(time_skipping_env, task_queue, partners):
        started = await time_skipping_env.get_current_time()
        handle, _ = await start(time_skipping_env, task_queue, expires_in_days=20)
        result = await handle.result()
    assert near(partners.asked[0][0], started)
    # The reminder (14 days after asking) still falls before expiry; the escalation (30 days before) is past.
    assert [n.kind for _, n in partners.notices] == ["reminder"]
    assert result.outcome == "lapsed" and not result.escalated


async def test_starting_the_renewal_of_a_commitment_twice_does_nothing(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    partners = RenewalDouble()
    now = await time_skipping_env.get_current_time()
    commitment = CommitmentOut.model_validate(
        {
            "id": uuid.uuid4(),
            "partnership_id": uuid.uuid4(),
            "agency_id": uuid.uuid4(),
            "country_code": "GH",
            "kind": "seats",
            "amount": Decimal("12"),
            "currency": None,
            "priorities": None,
            "starts_on": now.date(),
            "ends_on": (now + timedelta(days=60)).date(),
            "status": "active",
            "signed_by": "NCU Ghana",
            "renews_id": None,
            "renewal_timers": TIMERS,
            "registered_at": now,
            "renewal_requested_at": None,
            "concluded_at": None,
            "conclusion_reason": None,
        }
    )
    async with worker(time_skipping_env, task_queue, partners):
        first = await start_renewal(time_skipping_env.client, task_queue=task_queue, commitment=commitment)
        second = await start_renewal(time_skipping_env.client, task_queue=task_queue, commitment=commitment)
        assert first.result_run_id == second.result_run_id
        await first.result()
        again = await start_renewal(time_skipping_env.client, task_queue=task_queue, commitment=commitment)
        assert (await again.describe()).run_id == first.result_run_id  # the finished run, not a new one
    assert len(partners.asked) == 1 and len(partners.conclusions) == 1
