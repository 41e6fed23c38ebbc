"""HTTP routes of evaluation plans: the lead writes and publishes them, members read them and their rounds,
anyone reads the published versions and the closed rounds' public results; EvaluationCycleWorkflow opens,
chases and closes rounds through the workflow-only routes."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from backbone.app import SessionDep
from backbone.auth.http import CurrentPrincipal
from backbone.db import SYSTEM_TENANT, TENANT
from backbone.idempotency import IdempotencyKeyHeader, idempotent_request, outcome_response
from services.assessment.plans import rounds, service
from services.assessment.plans.schemas import (
    ChaseIn,
    ChaseOut,
    PlanContentIn,
    PlanIn,
    PlanOut,
    PlanVersionOut,
    RoundOpenIn,
    RoundOut,
)
from services.assessment.rubrics.api import country_of

router = APIRouter(tags=["evaluation plans"])
public_router = APIRouter(tags=["public reports"])


@router.post(
    "/partnerships/{partnership_id}/evaluation-plans",
    status_code=201,
    response_model=PlanOut,
    summary="Write an evaluation plan (the lead): questions, the partnership's indicators, methods, and the "
    "schedule of its rounds; its first version is a draft",
)
async def create_plan(
    partnership_id: uuid.UUID, body: PlanIn, session: SessionDep, principal: CurrentPrincipal
) -> JSONResponse:
    outcome = await service.create(
        session, partnership_id=partnership_id, country=country_of(principal), body=body
    )
    return outcome_response(outcome)


@router.get("/partnerships/{partnership_id}/evaluation-plans", response_model=list[PlanOut])
async def list_plans(partnership_id: uuid.UUID, session: SessionDep) -> list[PlanOut]:
    return await service.plans(session, partnership_id=partnership_id)


@router.get("/evaluation-plans/{plan_id}", response_model=PlanOut)
async def get_plan(plan_id: uuid.UUID, session: SessionDep) -> PlanOut:
    return await service.plan(session, plan_id=plan_id)


@router.put(
    "/evaluation-plans/{plan_id}/draft",
    response_model=PlanVersionOut,
    summary="Change the draft (the lead); after a publication this starts the next version",
)
async def edit_draft(plan_id: uuid.UUID, body: PlanContentIn, session: SessionDep) -> PlanVersionOut:
    return await service.edit_draft(session, plan_id=plan_id, content=body)


@router.post(
    "/evaluation-plans/{plan_id}/publication",
    response_model=PlanVersionOut,
    summary="Publish the draft (the lead): immutable and public from now on; its rounds run on its schedule "
    "(EvaluationCycleWorkflow), a later version taking over from the next round",
)
async def publish(plan_id: uuid.UUID, session: SessionDep) -> PlanVersionOut:
    return await service.publish(session, plan_id=plan_id)


@router.get("/evaluation-plans/{plan_id}/rounds", response_model=list[RoundOut])
async def list_rounds(plan_id: uuid.UUID, session: SessionDep) -> list[RoundOut]:
    return await rounds.rounds(session, plan_id=plan_id)


@router.post("/internal/evaluation-plans/{plan_id}/rounds", response_model=RoundOut, tags=["workflows"])
async def open_round(plan_id: uuid.UUID, body: RoundOpenIn, session: SessionDep) -> RoundOut:
    return await rounds.open_round(session, plan_id=plan_id, body=body)


@router.post("/internal/evaluation-rounds/{round_id}/chase", response_model=ChaseOut, tags=["workflows"])
async def chase(
    round_id: uuid.UUID, body: ChaseIn, session: SessionDep, idempotency_key: IdempotencyKeyHeader = None
) -> JSONResponse:
    idem = idempotent_request(f"assessment.round_chase:{round_id}", idempotency_key, body.model_dump())
    return outcome_response(await rounds.chase(session, round_id=round_id, kind=body.kind, idempotency=idem))


@router.post("/internal/evaluation-rounds/{round_id}/closure", response_model=RoundOut, tags=["workflows"])
async def close_round(round_id: uuid.UUID, session: SessionDep) -> RoundOut:
    return await rounds.close(session, round_id=round_id)


@public_router.get(
    "/public/partnerships/{partnership_id}/evaluation-plans",
    response_model=list[PlanVersionOut],
    summary="The partnership's published evaluation plans (and the versions they superseded); no token",
)
async def public_plans(partnership_id: uuid.UUID, session: SessionDep) -> list[PlanVersionOut]:
    TENANT.set(SYSTEM_TENANT)  # published plans are public by construction
    return await service.published(session, partnership_id=partnership_id)


@public_router.get(
    "/public/partnerships/{partnership_id}/evaluation-rounds",
    response_model=list[RoundOut],
    summary="The closed evaluation rounds' results for the indicators coded public; no token",
)
async def public_rounds(partnership_id: uuid.UUID, session: SessionDep) -> list[RoundOut]:
    TENANT.set(SYSTEM_TENANT)  # only what close() computed, cut to the public indicators
    return await rounds.closed_rounds(session, partnership_id=partnership_id)
