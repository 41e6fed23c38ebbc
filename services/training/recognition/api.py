"""HTTP routes of recognition agreements and recognitions."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from backbone.app import SessionDep
from backbone.auth.http import CurrentPrincipal, Forbidden
from backbone.idempotency import IdempotencyKeyHeader, idempotent_request, outcome_response
from backbone.pagination import Cursor, Limit, Page
from services.training.cohorts.schemas import ReasonIn
from services.training.facilities.api import PROBLEMS
from services.training.recognition import service as recognition
from services.training.recognition.schemas import AgreementIn, AgreementOut, RecognitionIn, RecognitionOut

router = APIRouter(tags=["recognition"])


@router.post(
    "/recognition-agreements",
    status_code=201,
    response_model=AgreementOut,
    responses=PROBLEMS,
    summary="Your country agrees to recognise another member country's certifications (all, or some)",
)
async def make_agreement(
    body: AgreementIn,
    session: SessionDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    if principal is None or principal.country is None:
        raise Forbidden("A national coordination unit agrees for its country.")
    idem = idempotent_request("training.recognition_agreement", idempotency_key, body.model_dump(mode="json"))
    return outcome_response(
        await recognition.make_agreement(session, body=body, country=principal.country, idempotency=idem)
    )


@router.get("/recognition-agreements/{agreement_id}", response_model=AgreementOut, responses=PROBLEMS)
async def get_agreement(agreement_id: uuid.UUID, session: SessionDep) -> AgreementOut:
    return await recognition.view_agreement(session, agreement_id=agreement_id)


@router.post(
    "/recognition-agreements/{agreement_id}/ending",
    response_model=AgreementOut,
    responses=PROBLEMS,
    summary="The recognising country ends the agreement: every recognition under it is revoked",
)
async def end_agreement(
    agreement_id: uuid.UUID, body: ReasonIn, session: SessionDep, principal: CurrentPrincipal
) -> AgreementOut:
    return await recognition.end_agreement(
        session, agreement_id=agreement_id, reason=body.reason, principal=principal
    )


@router.post(
    "/recognition-agreements/{agreement_id}/recognitions",
    status_code=201,
    response_model=RecognitionOut,
    responses=PROBLEMS,
    summary="The issuing country puts a valid certification in scope under the agreement: it is recognised",
)
async def recognise(
    agreement_id: uuid.UUID, body: RecognitionIn, session: SessionDep, principal: CurrentPrincipal
) -> JSONResponse:
    return outcome_response(
        await recognition.recognise(session, agreement_id=agreement_id, body=body, principal=principal)
    )


@router.get(
    "/recognition-agreements/{agreement_id}/recognitions",
    response_model=Page[RecognitionOut],
    responses=PROBLEMS,
)
async def list_recognitions(
    agreement_id: uuid.UUID, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[RecognitionOut]:
    items, next_cursor = await recognition.of_agreement(
        session, agreement_id=agreement_id, limit=limit, cursor=cursor
    )
    return Page[RecognitionOut](items=items, next_cursor=next_cursor, limit=limit)


@router.get("/recognitions/{recognition_id}", response_model=RecognitionOut, responses=PROBLEMS)
async def get_recognition(recognition_id: uuid.UUID, session: SessionDep) -> RecognitionOut:
    return await recognition.view_recognition(session, recognition_id=recognition_id)


@router.post(
    "/recognitions/{recognition_id}/withdrawal",
    response_model=RecognitionOut,
    responses=PROBLEMS,
    summary="The recognising country withdraws one recognition",
)
async def withdraw(
    recognition_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> RecognitionOut:
    return await recognition.withdraw(session, recognition_id=recognition_id, principal=principal)
