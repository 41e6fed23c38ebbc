"""HTTP routes of partnership onboarding: the workflow's controls, and votes routed to it as Updates.

A vote on a phase gate goes to the PartnershipOnboardingWorkflow as an Update: its validator answers at once
(not a member, already voted, closed), and only an accepted vote is recorded, by the workflow's activity
through `/internal/decisions/{id}/votes`. Votes on other decisions are recorded directly.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from backbone.app import RuntimeDep, SessionDep
from backbone.auth.http import CurrentPrincipal, WorkflowsOnly
from backbone.errors import DomainError
from backbone.idempotency import IdempotencyKeyHeader, idempotent_request, outcome_response
from rules.phases import CRITERIA
from services.partners import access, processes
from services.partners.decisions import service as decisions
from services.partners.decisions.schemas import DecisionOut, VoteIn
from services.partners.decisions.service import BALLOT_STATUS
from services.partners.onboarding.schemas import CriterionIn, OnboardingOut, OnboardingStartIn
from services.partners.partnerships import service as partnerships
from services.partners.problems import PROBLEMS
from workflows.partnership_onboarding.shared import (
    Amendment,
    CastBallot,
    PartnershipOnboardingStatus,
    Withdrawal,
)

router = APIRouter()


def _out(answer: tuple[str, PartnershipOnboardingStatus]) -> OnboardingOut:
    workflow_id, status = answer
    return OnboardingOut(workflow_id=workflow_id, status=status)


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
    return _out(
        await processes.start_onboarding(
            await rt.temporal(),
            task_queue=rt.settings.temporal_task_queue,
            partnership_id=str(partnership_id),
            phase=partnership.phase,
            timers=(body or OnboardingStartIn()).timers,
        )
    )


@router.get(
    "/partnerships/{partnership_id}/onboarding",
    response_model=OnboardingOut,
    tags=["onboarding"],
    responses=PROBLEMS,
    summary="Phase, gate criteria, open decision and its votes",
)
async def get_onboarding(partnership_id: uuid.UUID, rt: RuntimeDep) -> OnboardingOut:
    return _out(await processes.onboarding_status(await rt.temporal(), str(partnership_id)))


async def _signal(
    rt: RuntimeDep, partnership_id: uuid.UUID, name: str, *args: Withdrawal | str
) -> OnboardingOut:
    return _out(await processes.steer_onboarding(await rt.temporal(), str(partnership_id), name, *args))


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


@router.post(
    "/partnerships/{partnership_id}/onboarding/amendments",
    response_model=OnboardingOut,
    tags=["onboarding"],
    responses=PROBLEMS,
    summary="Amend the running partnership: an agency (of a new or a member country) joins mid-phase",
)
async def amend(partnership_id: uuid.UUID, body: Amendment, rt: RuntimeDep) -> OnboardingOut:
    return _out(await processes.amend_onboarding(await rt.temporal(), str(partnership_id), body))


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
    await processes.vote_on_gate(
        await rt.temporal(),
        str(decision.partnership_id),
        CastBallot(member_id=str(body.member_id), choice=body.choice, reason=body.reason),
        refusals=BALLOT_STATUS,
    )
    async with rt.sessions() as fresh:
        view = await decisions.get_decision(fresh, decision_id=decision_id)
    return JSONResponse(view.model_dump(mode="json"), status_code=201)


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
