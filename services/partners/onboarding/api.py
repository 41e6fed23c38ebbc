"""HTTP routes of partnership onboarding: the workflow's controls, and votes routed to it as Updates.

A vote on a phase gate goes to the PartnershipOnboardingWorkflow as an Update: its validator answers at once
(not a member, already voted, closed), and only an accepted vote is recorded, by the workflow's activity
through `/internal/decisions/{id}/votes`. Votes on other decisions are recorded directly.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError, RPCStatusCode

from backbone.app import RuntimeDep, SessionDep
from backbone.auth.http import CurrentPrincipal, WorkflowsOnly
from backbone.errors import DomainError, NotFound
from backbone.idempotency import IdempotencyKeyHeader, idempotent_request, outcome_response
from backbone.temporal import missing_workflow_as, update_refusal
from rules.phases import CRITERIA
from services.partners import access
from services.partners.decisions import service as decisions
from services.partners.decisions.schemas import DecisionOut, VoteIn
from services.partners.decisions.service import BALLOT_STATUS
from services.partners.partnerships import service as partnerships
from services.partners.problems import PROBLEMS
from workflows.partnership_onboarding.shared import (
    Amendment,
    CastBallot,
    PartnershipOnboardingInput,
    PartnershipOnboardingStatus,
    Timers,
    Withdrawal,
    partnership_onboarding_workflow_id,
)
from workflows.partnership_onboarding.workflow import PartnershipOnboardingWorkflow

router = APIRouter()
Handle = WorkflowHandle[PartnershipOnboardingWorkflow, PartnershipOnboardingStatus]


class OnboardingStartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timers: Timers = Field(
        default_factory=Timers, description="Decision window, reminder and escalation delays"
    )


class CriterionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    criterion: str = Field(description=f"One of {', '.join(CRITERIA)}", examples=list(CRITERIA))


class OnboardingOut(BaseModel):
    workflow_id: str
    status: PartnershipOnboardingStatus


async def _handle(rt: RuntimeDep, partnership_id: uuid.UUID) -> Handle:
    client = await rt.temporal()
    return client.get_workflow_handle_for(
        PartnershipOnboardingWorkflow.run, partnership_onboarding_workflow_id(str(partnership_id))
    )


async def _status(handle: Handle, partnership_id: uuid.UUID) -> OnboardingOut:
    with missing_workflow_as(
        NotFound(f"Partnership {partnership_id} has no onboarding.", code="onboarding_not_found")
    ):
        return OnboardingOut(
            workflow_id=handle.id, status=await handle.query(PartnershipOnboardingWorkflow.status)
        )


@router.post(
    "/partnerships/{partnership_id}/onboarding",
    status_code=202,
    response_model=OnboardingOut,
    tags=["onboarding"],
    responses=PROBLEMS,
    summary="Start the partnership's phased onboarding (starting it again returns the running one)",
)
async def start_onboarding(
    partnership_id: uuid.UUID, session: SessionDep, rt: RuntimeDep, body: OnboardingStartIn | None = None
) -> OnboardingOut:
    partnership = await partnerships.get_partnership(session, partnership_id=partnership_id)
    await session.close()
    client = await rt.temporal()
    handle = await client.start_workflow(
        PartnershipOnboardingWorkflow.run,
        PartnershipOnboardingInput(
            partnership_id=str(partnership_id),
            phase=partnership.phase,
            timers=(body or OnboardingStartIn()).timers,
        ),
        id=partnership_onboarding_workflow_id(str(partnership_id)),
        task_queue=rt.settings.temporal_task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        execution_timeout=timedelta(days=3650),
    )
    return await _status(handle, partnership_id)


@router.get(
    "/partnerships/{partnership_id}/onboarding",
    response_model=OnboardingOut,
    tags=["onboarding"],
    responses=PROBLEMS,
    summary="Phase, gate criteria, open decision and its votes",
)
async def get_onboarding(partnership_id: uuid.UUID, rt: RuntimeDep) -> OnboardingOut:
    return await _status(await _handle(rt, partnership_id), partnership_id)


async def _signal(rt: RuntimeDep, partnership_id: uuid.UUID, name: str, *args: Any) -> OnboardingOut:
    handle = await _handle(rt, partnership_id)
    with missing_workflow_as(
        NotFound(f"Partnership {partnership_id} has no running onboarding.", code="onboarding_not_found")
    ):
        await handle.signal(name, *args)
    return await _status(handle, partnership_id)


@router.post(
    "/partnerships/{partnership_id}/onboarding/criteria",
    status_code=202,
    response_model=OnboardingOut,
    tags=["onboarding"],
    responses=PROBLEMS,
    summary="Record that a gate criterion is met",
)
async def criterion_met(partnership_id: uuid.UUID, body: CriterionIn, rt: RuntimeDep) -> OnboardingOut:
    if body.criterion not in CRITERIA:
        raise DomainError(
            f"Unknown criterion {body.criterion!r}.",
            code="unknown_criterion",
            status=422,
            errors=[
                {
                    "field": "criterion",
                    "in": "body",
                    "code": "unknown_criterion",
                    "message": f"one of {', '.join(CRITERIA)}",
                }
            ],
        )
    return await _signal(rt, partnership_id, "criterion_met", body.criterion)


@router.post(
    "/partnerships/{partnership_id}/onboarding/pause",
    status_code=202,
    response_model=OnboardingOut,
    tags=["onboarding"],
    responses=PROBLEMS,
)
async def pause(partnership_id: uuid.UUID, rt: RuntimeDep) -> OnboardingOut:
    return await _signal(rt, partnership_id, "pause")


@router.post(
    "/partnerships/{partnership_id}/onboarding/resume",
    status_code=202,
    response_model=OnboardingOut,
    tags=["onboarding"],
    responses=PROBLEMS,
)
async def resume(partnership_id: uuid.UUID, rt: RuntimeDep) -> OnboardingOut:
    return await _signal(rt, partnership_id, "resume")


@router.post(
    "/partnerships/{partnership_id}/onboarding/gate-vote",
    status_code=202,
    response_model=OnboardingOut,
    tags=["onboarding"],
    responses=PROBLEMS,
    summary="Put a rejected, vetoed or expired gate to the vote again",
)
async def request_gate_vote(partnership_id: uuid.UUID, rt: RuntimeDep) -> OnboardingOut:
    return await _signal(rt, partnership_id, "request_gate_vote")


@router.post(
    "/partnerships/{partnership_id}/onboarding/withdrawal",
    status_code=202,
    response_model=OnboardingOut,
    tags=["onboarding"],
    responses=PROBLEMS,
)
async def withdraw(partnership_id: uuid.UUID, body: Withdrawal, rt: RuntimeDep) -> OnboardingOut:
    return await _signal(rt, partnership_id, "withdraw", body)


AMENDMENT_REFUSALS: dict[str, tuple[int, str | None]] = {
    "withdrawn": (409, None),
    "already_a_member": (409, None),
    "unknown_agency": (422, "agency_id"),
    "agency_lapsed": (422, "agency_id"),
}


@router.post(
    "/partnerships/{partnership_id}/onboarding/amendments",
    response_model=OnboardingOut,
    tags=["onboarding"],
    responses=PROBLEMS,
    summary="Amend the running partnership: an agency (of a new or a member country) joins mid-phase",
)
async def amend(partnership_id: uuid.UUID, body: Amendment, rt: RuntimeDep) -> OnboardingOut:
    handle = await _handle(rt, partnership_id)
    try:
        await handle.execute_update(PartnershipOnboardingWorkflow.amend, body)
    except WorkflowUpdateFailedError as exc:
        raise update_refusal(
            str(exc.cause),
            AMENDMENT_REFUSALS,
            title="The amendment cannot be made",
            default="amendment_refused",
        ) from exc
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise NotFound(
                f"Partnership {partnership_id} has no running onboarding.", code="onboarding_not_found"
            ) from exc
        raise
    return await _status(handle, partnership_id)


@router.post(
    "/decisions/{decision_id}/votes",
    status_code=201,
    response_model=DecisionOut,
    tags=["governance"],
    responses=PROBLEMS,
    summary="Vote on an open decision (a rejection needs a reason)",
)
async def cast_vote(
    decision_id: uuid.UUID,
    body: VoteIn,
    session: SessionDep,
    rt: RuntimeDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    await access.require_own_seat(session, principal, body.member_id)
    decision = await decisions.get_decision(session, decision_id=decision_id)
    await session.close()  # ends the read; the use case or the workflow opens its own transaction
    if decision.kind != "phase_gate":
        idem = idempotent_request(
            f"partners.cast_vote:{decision_id}", idempotency_key, body.model_dump(mode="json")
        )
        return outcome_response(
            await decisions.cast_vote(session, decision_id=decision_id, vote=body, idempotency=idem)
        )
    handle = await _handle(rt, decision.partnership_id)
    try:
        await handle.execute_update(
            PartnershipOnboardingWorkflow.vote,
            CastBallot(member_id=str(body.member_id), choice=body.choice, reason=body.reason),
        )
    except WorkflowUpdateFailedError as exc:
        raise _vote_problem(str(exc.cause)) from exc
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise DomainError(
                "The gate's onboarding workflow is not running.", code="decision_closed", status=409
            ) from exc
        raise
    async with rt.sessions() as fresh:
        view = await decisions.get_decision(fresh, decision_id=decision_id)
    return JSONResponse(view.model_dump(mode="json"), status_code=201)


def _vote_problem(message: str) -> DomainError:
    """The validator refuses with `<code>: <detail>`; answer with the status and field a direct vote gets."""
    known = {**BALLOT_STATUS, "no_open_decision": (409, None), "withdrawn": (409, None)}
    return update_refusal(message, known, title="The vote cannot be counted", default="vote_refused")


@router.post(
    "/internal/decisions/{decision_id}/votes",
    dependencies=[WorkflowsOnly],
    status_code=201,
    response_model=DecisionOut,
    tags=["internal"],
    responses=PROBLEMS,
    summary="Record a vote the onboarding workflow has accepted (the workflow's activity only)",
)
async def record_vote(
    decision_id: uuid.UUID, body: VoteIn, session: SessionDep, idempotency_key: IdempotencyKeyHeader = None
) -> JSONResponse:
    idem = idempotent_request(
        f"partners.cast_vote:{decision_id}", idempotency_key, body.model_dump(mode="json")
    )
    return outcome_response(
        await decisions.cast_vote(session, decision_id=decision_id, vote=body, idempotency=idem)
    )
