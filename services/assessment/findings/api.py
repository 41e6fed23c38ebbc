"""HTTP routes of findings: criterion failure tallies (readers of the rubric), findings raised by the lead, and
training's answer on each."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from backbone.app import SessionDep
from backbone.auth.http import CurrentPrincipal
from backbone.idempotency import outcome_response
from services.assessment.findings import service
from services.assessment.findings.schemas import CriterionFailuresOut, FindingIn, FindingOut, SurveyFindingIn
from services.assessment.rubrics.api import country_of

router = APIRouter(tags=["findings"])


@router.get(
    "/rubrics/{rubric_id}/versions/{version_id}/criterion-failures",
    response_model=list[CriterionFailuresOut],
    summary="How often each criterion of a version was failed, most failed first, among the assessments you see",
)
async def criterion_failures(
    rubric_id: uuid.UUID, version_id: uuid.UUID, session: SessionDep
) -> list[CriterionFailuresOut]:
    return await service.criterion_failures(session, rubric_id=rubric_id, version_id=version_id)


@router.post(
    "/rubrics/{rubric_id}/findings",
    status_code=201,
    response_model=FindingOut,
    summary="Raise a finding on a failed criterion (the lead): training is asked to revise the curriculum the "
    "rubric assesses, with the evidence (counts only where no member could trace them to a few trainees)",
)
async def raise_finding(
    rubric_id: uuid.UUID, body: FindingIn, session: SessionDep, principal: CurrentPrincipal
) -> JSONResponse:
    outcome = await service.raise_finding(
        session, rubric_id=rubric_id, country=country_of(principal), body=body
    )
    return outcome_response(outcome)


@router.post(
    "/surveys/{survey_id}/findings",
    status_code=201,
    response_model=FindingOut,
    summary="Raise a finding on a survey question rated low (the lead), once the survey closed with its minimum "
    "of responses: training is asked to revise the curriculum, with the question's mean and the responses",
)
async def raise_survey_finding(
    survey_id: uuid.UUID, body: SurveyFindingIn, session: SessionDep, principal: CurrentPrincipal
) -> JSONResponse:
    outcome = await service.raise_survey_finding(
        session, survey_id=survey_id, country=country_of(principal), body=body
    )
    return outcome_response(outcome)


@router.get("/findings/{finding_id}", response_model=FindingOut, summary="A finding and training's answer")
async def get_finding(finding_id: uuid.UUID, session: SessionDep) -> FindingOut:
    return await service.finding(session, finding_id=finding_id)


@router.get("/partnerships/{partnership_id}/findings", response_model=list[FindingOut])
async def list_findings(partnership_id: uuid.UUID, session: SessionDep) -> list[FindingOut]:
    return await service.findings(session, partnership_id=partnership_id)
