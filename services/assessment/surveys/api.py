"""HTTP routes of surveys: the lead writes them and issues invitation codes; respondents answer without a token,
with a code; members read the results (once closed, from the minimum of responses)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from backbone.app import SessionDep
from backbone.db import SYSTEM_TENANT, TENANT
from backbone.idempotency import outcome_response
from services.assessment.indicators.schemas import MeasurementOut
from services.assessment.surveys import service
from services.assessment.surveys.schemas import (
    InvitationsIn,
    InvitationsOut,
    ResponseIn,
    ResultsOut,
    SurveyIn,
    SurveyOut,
)

router = APIRouter(tags=["surveys"])
public_router = APIRouter(tags=["surveys"])


@router.post(
    "/partnerships/{partnership_id}/surveys",
    status_code=201,
    response_model=SurveyOut,
    summary="Write a survey (the lead): questions on scales, the qualitative indicator it measures, the minimum "
    "of responses before any figure is shown, when it closes",
)
async def create_survey(partnership_id: uuid.UUID, body: SurveyIn, session: SessionDep) -> JSONResponse:
    return outcome_response(await service.create(session, partnership_id=partnership_id, body=body))


@router.get("/partnerships/{partnership_id}/surveys", response_model=list[SurveyOut])
async def list_surveys(partnership_id: uuid.UUID, session: SessionDep) -> list[SurveyOut]:
    return await service.surveys(session, partnership_id=partnership_id)


@router.post(
    "/surveys/{survey_id}/invitations",
    response_model=InvitationsOut,
    summary="Issue single-use invitation codes (the lead): shown once, kept only as hashes",
)
async def invite(survey_id: uuid.UUID, body: InvitationsIn, session: SessionDep) -> InvitationsOut:
    return await service.invite(session, survey_id=survey_id, count=body.count)


@router.get(
    "/surveys/{survey_id}/results",
    response_model=ResultsOut,
    summary="Each question's mean and distribution, once the survey closed and reached its minimum of responses",
)
async def results(survey_id: uuid.UUID, session: SessionDep) -> ResultsOut:
    return await service.results(session, survey_id=survey_id)


@router.post(
    "/surveys/{survey_id}/measurement",
    response_model=MeasurementOut,
    summary="Record the closed survey's measurement of its indicator (the lead): the mean of its indicator "
    "question for its country, once it has its minimum of responses; announced like any measurement",
)
async def measure(survey_id: uuid.UUID, session: SessionDep) -> MeasurementOut:
    return await service.measure(session, survey_id=survey_id)


@public_router.post(
    "/public/surveys/{survey_id}/responses",
    status_code=204,
    responses={403: {"description": "Not a valid, unused code of this survey (problem+json)"}},
    summary="Answer a survey with an invitation code, anonymously (no token): once per code",
)
async def respond(survey_id: uuid.UUID, body: ResponseIn, session: SessionDep) -> Response:
    TENANT.set(SYSTEM_TENANT)  # the code is the credential; nothing about the respondent is kept
    await service.respond(session, survey_id=survey_id, body=body)
    return Response(status_code=204)
