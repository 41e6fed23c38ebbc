"""HTTP routes of assessments: an evaluator of a member country records one; the lead, the trainee's country and
the assessor's read it."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from backbone.app import SessionDep
from backbone.auth.http import CurrentPrincipal
from backbone.idempotency import outcome_response
from services.assessment.assessments import service
from services.assessment.assessments.schemas import AssessmentIn, AssessmentOut

router = APIRouter(tags=["assessments"])


@router.post(
    "/assessments",
    status_code=201,
    response_model=AssessmentOut,
    summary="Record a trainee's assessment (an evaluator): every criterion of a published rubric version scored "
    "with its evidence; the pass rule decides (overall and each dimension's minimum)",
)
async def record(body: AssessmentIn, session: SessionDep, principal: CurrentPrincipal) -> JSONResponse:
    assessor = (principal.subject, principal.country or "") if principal else ("", "")
    return outcome_response(await service.record(session, assessor=assessor, body=body))


@router.get("/assessments/{assessment_id}", response_model=AssessmentOut)
async def get_assessment(assessment_id: uuid.UUID, session: SessionDep) -> AssessmentOut:
    return await service.assessment(session, assessment_id=assessment_id)


@router.get(
    "/partnerships/{partnership_id}/assessments",
    response_model=list[AssessmentOut],
    summary="The partnership's assessments the caller may see: the lead all, a member its trainees' and its "
    "evaluators'",
)
async def list_assessments(partnership_id: uuid.UUID, session: SessionDep) -> list[AssessmentOut]:
    return await service.assessments(session, partnership_id=partnership_id)
