"""HTTP routes of rubrics: members create rubrics and propose versions; the lead submits one to the oversight
body; members read."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from backbone.app import SessionDep
from backbone.auth.http import CurrentPrincipal
from backbone.idempotency import outcome_response
from services.assessment.rubrics import service
from services.assessment.rubrics.schemas import RubricIn, RubricOut, SubmissionIn, VersionIn, VersionOut

router = APIRouter(tags=["rubrics"])


def country_of(principal: CurrentPrincipal) -> str:
    return principal.country if principal and principal.country else "*"


@router.post(
    "/partnerships/{partnership_id}/rubrics",
    status_code=201,
    response_model=RubricOut,
    summary="Create a rubric for a competency (any member); its content comes in versions",
)
async def create_rubric(
    partnership_id: uuid.UUID, body: RubricIn, session: SessionDep, principal: CurrentPrincipal
) -> JSONResponse:
    outcome = await service.create(
        session, partnership_id=partnership_id, country=country_of(principal), body=body
    )
    return outcome_response(outcome)


@router.get("/partnerships/{partnership_id}/rubrics", response_model=list[RubricOut])
async def list_rubrics(partnership_id: uuid.UUID, session: SessionDep) -> list[RubricOut]:
    return await service.rubrics(session, partnership_id=partnership_id)


@router.get("/rubrics/{rubric_id}", response_model=RubricOut)
async def get_rubric(rubric_id: uuid.UUID, session: SessionDep) -> RubricOut:
    return await service.rubric(session, rubric_id=rubric_id)


@router.post(
    "/rubrics/{rubric_id}/versions",
    status_code=201,
    response_model=VersionOut,
    summary="Propose a version (any member): dimensions (always technical_proficiency, ethical_judgement, "
    "cultural_sensitivity, human_rights), criteria with weights, levels with descriptors, the pass rule",
)
async def propose_version(
    rubric_id: uuid.UUID, body: VersionIn, session: SessionDep, principal: CurrentPrincipal
) -> VersionOut:
    return await service.propose(session, rubric_id=rubric_id, country=country_of(principal), body=body)


@router.get("/rubrics/{rubric_id}/versions", response_model=list[VersionOut])
async def list_versions(rubric_id: uuid.UUID, session: SessionDep) -> list[VersionOut]:
    return await service.versions(session, rubric_id=rubric_id)


@router.post(
    "/rubric-versions/{version_id}/submission",
    response_model=VersionOut,
    summary="Submit a draft version to the partnership's oversight body (the lead): its decision publishes the "
    "version (trainees are assessed against it; it never changes again) or rejects it",
)
async def submit_version(
    version_id: uuid.UUID, body: SubmissionIn, session: SessionDep, principal: CurrentPrincipal
) -> VersionOut:
    return await service.submit(session, version_id=version_id, country=country_of(principal), body=body)
