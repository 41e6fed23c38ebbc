"""HTTP routes of endorsements by regional bodies and international organisations."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from backbone.app import SessionDep
from backbone.idempotency import IdempotencyKeyHeader, idempotent_request, outcome_response
from backbone.pagination import Cursor, Limit, Page
from contracts.events.partners import EndorsementSubjectKind
from services.partners.endorsements import service as endorsements
from services.partners.endorsements.schemas import EndorsementIn, EndorsementOut, EndorsementWithdrawal
from services.partners.problems import PROBLEMS

router = APIRouter()


@router.post(
    "/endorsements",
    status_code=201,
    response_model=EndorsementOut,
    tags=["endorsements"],
    responses=PROBLEMS,
    summary="Record that a regional body or an international organisation endorses a partnership, a "
    "standard or a curriculum",
)
async def grant_endorsement(
    body: EndorsementIn, session: SessionDep, idempotency_key: IdempotencyKeyHeader = None
) -> JSONResponse:
    idem = idempotent_request("partners.grant_endorsement", idempotency_key, body.model_dump(mode="json"))
    return outcome_response(await endorsements.grant_endorsement(session, endorsement=body, idempotency=idem))


@router.get(
    "/endorsements",
    response_model=Page[EndorsementOut],
    tags=["endorsements"],
    responses=PROBLEMS,
    summary="Endorsements, oldest first, filtered and paginated",
)
async def list_endorsements(
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    subject_kind: EndorsementSubjectKind | None = None,
    subject_id: Annotated[str | None, Query(max_length=200)] = None,
    status: Literal["active", "withdrawn"] | None = None,
    endorser: Annotated[
        str | None, Query(max_length=200, description="The endorser's name (any case)")
    ] = None,
) -> Page[EndorsementOut]:
    items, next_cursor = await endorsements.list_endorsements(
        session,
        limit=limit,
        cursor=cursor,
        subject_kind=subject_kind,
        subject_id=subject_id,
        status=status,
        endorser=endorser,
    )
    return Page[EndorsementOut](items=items, next_cursor=next_cursor, limit=limit)


@router.get(
    "/endorsements/{endorsement_id}", response_model=EndorsementOut, tags=["endorsements"], responses=PROBLEMS
)
async def get_endorsement(endorsement_id: uuid.UUID, session: SessionDep) -> EndorsementOut:
    return await endorsements.get_endorsement(session, endorsement_id=endorsement_id)


@router.post(
    "/endorsements/{endorsement_id}/withdrawal",
    response_model=EndorsementOut,
    tags=["endorsements"],
    responses=PROBLEMS,
    summary="The endorser withdraws its endorsement, with a reason",
)
async def withdraw_endorsement(
    endorsement_id: uuid.UUID,
    body: EndorsementWithdrawal,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    idem = idempotent_request(
        f"partners.withdraw_endorsement:{endorsement_id}", idempotency_key, body.model_dump(mode="json")
    )
    return outcome_response(
        await endorsements.withdraw_endorsement(
            session, endorsement_id=endorsement_id, withdrawal=body, idempotency=idem
        )
    )
