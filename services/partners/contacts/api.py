"""HTTP routes of agency contacts: no queries here, only use cases."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from backbone.app import SessionDep
from backbone.idempotency import IdempotencyKeyHeader, idempotent_request, outcome_response
from backbone.pagination import Cursor, Limit, Page
from services.partners.contacts import service as contacts
from services.partners.contacts.schemas import ContactIn, ContactOut, ContactPatch
from services.partners.problems import PROBLEMS

router = APIRouter()


@router.post(
    "/agencies/{agency_id}/contacts",
    status_code=201,
    response_model=ContactOut,
    tags=["contacts"],
    responses=PROBLEMS,
    summary="Add a contact person to an agency (a primary contact replaces the current one)",
)
async def add_contact(
    agency_id: uuid.UUID, body: ContactIn, session: SessionDep, idempotency_key: IdempotencyKeyHeader = None
) -> JSONResponse:
    idem = idempotent_request(
        f"partners.add_contact:{agency_id}", idempotency_key, body.model_dump(mode="json")
    )
    return outcome_response(
        await contacts.add_contact(session, agency_id=agency_id, contact=body, idempotency=idem)
    )


@router.get(
    "/agencies/{agency_id}/contacts",
    response_model=Page[ContactOut],
    tags=["contacts"],
    responses=PROBLEMS,
    summary="An agency's current contacts, oldest first, filtered and paginated",
)
async def list_contacts(
    agency_id: uuid.UUID,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    primary: Annotated[bool | None, Query(description="Only the primary contact (or the others)")] = None,
    national_coordination: Annotated[
        bool | None, Query(description="Only national-coordination contacts (or the others)")
    ] = None,
    language: Annotated[
        str | None, Query(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", description="Speaks this language")
    ] = None,
) -> Page[ContactOut]:
    items, next_cursor = await contacts.list_contacts(
        session,
        agency_id=agency_id,
        limit=limit,
        cursor=cursor,
        primary=primary,
        national_coordination=national_coordination,
        language=language,
    )
    return Page[ContactOut](items=items, next_cursor=next_cursor, limit=limit)


@router.get(
    "/agencies/{agency_id}/contacts/{contact_id}",
    response_model=ContactOut,
    tags=["contacts"],
    responses=PROBLEMS,
)
async def get_contact(agency_id: uuid.UUID, contact_id: uuid.UUID, session: SessionDep) -> ContactOut:
    return await contacts.get_contact(session, agency_id=agency_id, contact_id=contact_id)


@router.patch(
    "/agencies/{agency_id}/contacts/{contact_id}",
    response_model=ContactOut,
    tags=["contacts"],
    responses=PROBLEMS,
    summary="Change a contact's name, function, details or roles",
)
async def update_contact(
    agency_id: uuid.UUID,
    contact_id: uuid.UUID,
    body: ContactPatch,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    idem = idempotent_request(
        f"partners.update_contact:{contact_id}",
        idempotency_key,
        body.model_dump(mode="json", exclude_unset=True),
    )
    return outcome_response(
        await contacts.update_contact(
            session, agency_id=agency_id, contact_id=contact_id, patch=body, idempotency=idem
        )
    )


@router.delete(
    "/agencies/{agency_id}/contacts/{contact_id}",
    status_code=204,
    response_class=Response,
    tags=["contacts"],
    responses=PROBLEMS,
    summary="Remove a contact: its e-mail, phone and languages are erased (repeating it changes nothing)",
)
async def remove_contact(agency_id: uuid.UUID, contact_id: uuid.UUID, session: SessionDep) -> Response:
    outcome = await contacts.remove_contact(session, agency_id=agency_id, contact_id=contact_id)
    return Response(status_code=outcome.status_code)
