"""HTTP routes of cohorts, nominations, enrollment and accommodations."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from backbone.app import RuntimeDep, SessionDep
from backbone.auth.http import CurrentPrincipal
from backbone.idempotency import IdempotencyKeyHeader, idempotent_request, outcome_response
from backbone.pagination import Cursor, Limit, Page
from services.training.cohorts import service as cohorts
from services.training.cohorts.schemas import (
    CohortIn,
    CohortOut,
    NominationIn,
    NominationOut,
    NoteIn,
    ReasonIn,
    StatusChangeIn,
)
from services.training.curricula.api import acting_for, author
from services.training.facilities.api import PROBLEMS

router = APIRouter(tags=["cohorts"])


@router.post(
    "/cohorts",
    status_code=201,
    response_model=CohortOut,
    responses=PROBLEMS,
    summary="Schedule a cohort of an approved curriculum version; its facility is booked with it",
)
async def schedule_cohort(
    body: CohortIn,
    session: SessionDep,
    rt: RuntimeDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    country = await acting_for(rt, principal, body.organiser_agency_id, cohorts.ORGANISE)
    idem = idempotent_request("training.schedule_cohort", idempotency_key, body.model_dump(mode="json"))
    return outcome_response(await cohorts.schedule(session, body=body, country=country, idempotency=idem))


@router.get("/cohorts/{cohort_id}", response_model=CohortOut, responses=PROBLEMS)
async def get_cohort(cohort_id: uuid.UUID, session: SessionDep) -> CohortOut:
    return await cohorts.view_one(session, cohort_id=cohort_id)


@router.post(
    "/cohorts/{cohort_id}/status-changes",
    response_model=CohortOut,
    responses=PROBLEMS,
    summary="The organiser pauses, resumes, cancels (its facility is released) or completes the cohort",
)
async def change_cohort_status(
    cohort_id: uuid.UUID, body: StatusChangeIn, session: SessionDep, principal: CurrentPrincipal
) -> CohortOut:
    return await cohorts.change_status(
        session, cohort_id=cohort_id, change=body.change, reason=body.reason, principal=principal
    )


@router.post(
    "/cohorts/{cohort_id}/nominations",
    status_code=201,
    response_model=NominationOut,
    responses=PROBLEMS,
    summary="An agency nominates an officer, with the accommodations they need; their NCU decides",
)
async def nominate(
    cohort_id: uuid.UUID,
    body: NominationIn,
    session: SessionDep,
    rt: RuntimeDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    country = await acting_for(rt, principal, body.agency_id, cohorts.NOMINATE)
    idem = idempotent_request(f"training.nominate:{cohort_id}", idempotency_key, body.model_dump(mode="json"))
    return outcome_response(
        await cohorts.nominate(
            session,
            cohort_id=cohort_id,
            body=body,
            country=country,
            author=author(principal),
            idempotency=idem,
        )
    )


@router.get(
    "/cohorts/{cohort_id}/nominations",
    response_model=Page[NominationOut],
    responses=PROBLEMS,
    summary="The organiser sees every nomination, a partner country its own",
)
async def list_nominations(
    cohort_id: uuid.UUID, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[NominationOut]:
    items, next_cursor = await cohorts.list_nominations(
        session, cohort_id=cohort_id, limit=limit, cursor=cursor
    )
    return Page[NominationOut](items=items, next_cursor=next_cursor, limit=limit)


@router.get("/nominations/{nomination_id}", response_model=NominationOut, responses=PROBLEMS)
async def get_nomination(nomination_id: uuid.UUID, session: SessionDep) -> NominationOut:
    return await cohorts.get_nomination(session, nomination_id=nomination_id)


@router.post(
    "/nominations/{nomination_id}/approval",
    response_model=NominationOut,
    responses=PROBLEMS,
    summary="The trainee's national coordination unit approves: a seat of its country, or the waiting list",
)
async def approve(
    nomination_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, body: NoteIn | None = None
) -> NominationOut:
    return await cohorts.decide(
        session,
        nomination_id=nomination_id,
        approve=True,
        reason=body.note if body else None,
        principal=principal,
    )


@router.post("/nominations/{nomination_id}/rejection", response_model=NominationOut, responses=PROBLEMS)
async def reject(
    nomination_id: uuid.UUID, body: ReasonIn, session: SessionDep, principal: CurrentPrincipal
) -> NominationOut:
    return await cohorts.decide(
        session, nomination_id=nomination_id, approve=False, reason=body.reason, principal=principal
    )


@router.post(
    "/nominations/{nomination_id}/withdrawal",
    response_model=NominationOut,
    responses=PROBLEMS,
    summary="The trainee's country withdraws; a freed seat goes to its next trainee waiting",
)
async def withdraw(
    nomination_id: uuid.UUID, body: ReasonIn, session: SessionDep, principal: CurrentPrincipal
) -> NominationOut:
    return await cohorts.withdraw(
        session, nomination_id=nomination_id, reason=body.reason, principal=principal
    )


@router.post(
    "/nominations/{nomination_id}/accommodations/{accommodation_id}/{verdict}",
    response_model=NominationOut,
    responses=PROBLEMS,
    summary="The organiser confirms an accommodation, or declines it with a note",
)
async def decide_accommodation(
    nomination_id: uuid.UUID,
    accommodation_id: uuid.UUID,
    verdict: Literal["confirmation", "decline"],
    session: SessionDep,
    principal: CurrentPrincipal,
    body: NoteIn | None = None,
) -> NominationOut:
    return await cohorts.decide_accommodation(
        session,
        nomination_id=nomination_id,
        accommodation_id=accommodation_id,
        confirm=verdict == "confirmation",
        note=body.note if body else None,
        principal=principal,
    )
