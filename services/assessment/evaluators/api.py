"""HTTP routes of evaluators: the lead registers them and sets the partnership's policy; the lead or the
trainee's country assigns one to a trainee; members read."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from backbone.app import SessionDep
from backbone.auth.http import CurrentPrincipal
from backbone.idempotency import outcome_response
from services.assessment.evaluators import service
from services.assessment.evaluators.schemas import (
    AssignmentIn,
    AssignmentOut,
    EvaluatorIn,
    EvaluatorOut,
    MyAssignmentOut,
    PolicyIn,
    PolicyOut,
)

router = APIRouter(tags=["evaluators"])


@router.post(
    "/partnerships/{partnership_id}/evaluators",
    status_code=201,
    response_model=EvaluatorOut,
    summary="Register an external evaluator (the lead): affiliation, agency, country, competencies and declared "
    "relations with trainees",
)
async def register(partnership_id: uuid.UUID, body: EvaluatorIn, session: SessionDep) -> JSONResponse:
    return outcome_response(await service.register(session, partnership_id=partnership_id, body=body))


@router.get("/partnerships/{partnership_id}/evaluators", response_model=list[EvaluatorOut])
async def list_evaluators(partnership_id: uuid.UUID, session: SessionDep) -> list[EvaluatorOut]:
    return await service.evaluators(session, partnership_id=partnership_id)


@router.put(
    "/partnerships/{partnership_id}/assessment-policy",
    response_model=PolicyOut,
    summary="What the partnership allows its evaluators (the lead): assessing trainees of their own country",
)
async def set_policy(partnership_id: uuid.UUID, body: PolicyIn, session: SessionDep) -> PolicyOut:
    return await service.set_policy(session, partnership_id=partnership_id, body=body)


@router.get("/partnerships/{partnership_id}/assessment-policy", response_model=PolicyOut)
async def get_policy(partnership_id: uuid.UUID, session: SessionDep) -> PolicyOut:
    return await service.policy(session, partnership_id=partnership_id)


@router.post(
    "/assessment-assignments",
    status_code=201,
    response_model=AssignmentOut,
    summary="Assign an evaluator to a trainee (the lead or the trainee's country); refused with 422 naming the "
    "conflict rule: not_competent, own_agency, own_country, instructed_trainee, declared_relation",
)
async def assign(body: AssignmentIn, session: SessionDep, principal: CurrentPrincipal) -> JSONResponse:
    country = principal.country if principal and principal.country else ""
    return outcome_response(await service.assign(session, country=country, body=body))


@router.get(
    "/me/assessment-assignments",
    response_model=list[MyAssignmentOut],
    summary="Your assignments as an evaluator (under blind marking, without the trainee's country and agency)",
)
async def my_assignments(session: SessionDep, principal: CurrentPrincipal) -> list[MyAssignmentOut]:
    return await service.my_assignments(session, subject=principal.subject if principal else "")
