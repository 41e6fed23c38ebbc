"""HTTP routes of incident protocols: drafts, four-eyes review, revisions."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from backbone.app import SessionDep
from backbone.auth.http import CurrentPrincipal
from backbone.idempotency import IdempotencyKeyHeader, idempotent_request, outcome_response
from backbone.pagination import Cursor, Limit, Page
from services.incidents.problems import PROBLEMS, country_of
from services.incidents.protocols import service as protocols
from services.incidents.protocols.schemas import (
    ContentIn,
    NoteIn,
    ProtocolIn,
    ProtocolOut,
    RevisionIn,
)

router = APIRouter()


@router.post(
    "/protocols", status_code=201, response_model=ProtocolOut, tags=["protocols"], responses=PROBLEMS
)
async def create_protocol(
    body: ProtocolIn,
    session: SessionDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    idem = idempotent_request("incidents.create_protocol", idempotency_key, body.model_dump(mode="json"))
    return outcome_response(
        await protocols.create(
            session, body=body, country=country_of(principal), principal=principal, idempotency=idem
        )
    )


@router.get(
    "/protocols",
    response_model=Page[ProtocolOut],
    tags=["protocols"],
    summary="Protocols of your partnerships (optionally one partnership's), oldest first",
)
async def list_protocols(
    session: SessionDep, partnership_id: uuid.UUID | None = None, limit: Limit = 50, cursor: Cursor = None
) -> Page[ProtocolOut]:
    items, next_cursor = await protocols.list_for(
        session, partnership_id=partnership_id, limit=limit, cursor=cursor
    )
    return Page[ProtocolOut](items=items, next_cursor=next_cursor, limit=limit)


@router.get("/protocols/{protocol_id}", response_model=ProtocolOut, tags=["protocols"], responses=PROBLEMS)
async def get_protocol(protocol_id: uuid.UUID, session: SessionDep) -> ProtocolOut:
    return await protocols.view_one(session, protocol_id=protocol_id)


@router.put(
    "/protocols/{protocol_id}/draft", response_model=ProtocolOut, tags=["protocols"], responses=PROBLEMS
)
async def edit_protocol(
    protocol_id: uuid.UUID, body: ContentIn, session: SessionDep, principal: CurrentPrincipal
) -> ProtocolOut:
    return await protocols.edit_draft(session, protocol_id=protocol_id, body=body, principal=principal)


@router.post(
    "/protocols/{protocol_id}/draft/review-request",
    response_model=ProtocolOut,
    tags=["protocols"],
    responses=PROBLEMS,
    summary="Put the draft to review; it is approved by someone other than its author",
)
async def request_review(protocol_id: uuid.UUID, session: SessionDep) -> ProtocolOut:
    return await protocols.request_review(session, protocol_id=protocol_id)


@router.post(
    "/protocols/{protocol_id}/draft/{verdict}",
    response_model=ProtocolOut,
    tags=["protocols"],
    responses=PROBLEMS,
    summary="The reviewer approves (the version becomes current, immutable) or sends it back to draft",
)
async def review(
    protocol_id: uuid.UUID,
    verdict: Literal["approval", "rejection"],
    session: SessionDep,
    principal: CurrentPrincipal,
    body: NoteIn | None = None,
) -> ProtocolOut:
    return await protocols.review(
        session,
        protocol_id=protocol_id,
        approve=verdict == "approval",
        note=body.note if body else None,
        principal=principal,
    )


@router.post(
    "/protocols/{protocol_id}/revisions",
    status_code=201,
    response_model=ProtocolOut,
    tags=["protocols"],
    responses=PROBLEMS,
    summary="Start the next version as a draft, with the reason it changes",
)
async def revise_protocol(
    protocol_id: uuid.UUID, body: RevisionIn, session: SessionDep, principal: CurrentPrincipal
) -> ProtocolOut:
    return await protocols.revise(
        session, protocol_id=protocol_id, reason=body.reason, author=protocols.who(principal)
    )
