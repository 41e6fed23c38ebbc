"""HTTP routes of agency contacts, endorsements, disputes and reciprocity: no queries here, only use cases."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse

from backbone.app import RuntimeDep, SessionDep
from backbone.auth.http import CurrentPrincipal
from backbone.idempotency import IdempotencyKeyHeader, idempotent_request, outcome_response
from backbone.pagination import Cursor, Limit, Page
from contracts.events.partners import DisputeSubjectKind, EndorsementSubjectKind
from contracts.events.training import ExchangeKind
from services.partners import access
from services.partners.agencies.api import PROBLEMS
from services.partners.contacts import service as contacts
from services.partners.disputes import service as disputes
from services.partners.endorsements import service as endorsements
from services.partners.policy import COMMENT, DISPUTE
from services.partners.reciprocity import service as reciprocity
from services.partners.relations.schemas import (
    CommentIn,
    CommentOut,
    ContactIn,
    ContactOut,
    ContactPatch,
    CountryReciprocityOut,
    DisputeDetailOut,
    DisputeIn,
    DisputeOut,
    DisputeStatus,
    EndorsementIn,
    EndorsementOut,
    EndorsementWithdrawal,
    PartnershipReciprocityOut,
    ResolutionDecisionIn,
)

router = APIRouter()

CountryCode = Annotated[str, Path(pattern="^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2")]
Since = Annotated[date | None, Query(description="Exchanges completed on or after this day (UTC)")]
Until = Annotated[date | None, Query(description="Exchanges completed on or before this day (UTC)")]


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


@router.post(
    "/partnerships/{partnership_id}/disputes",
    status_code=201,
    response_model=DisputeDetailOut,
    tags=["disputes"],
    responses=PROBLEMS,
    summary="A member agency disputes an allocation or a decision of the partnership",
)
async def raise_dispute(
    partnership_id: uuid.UUID,
    body: DisputeIn,
    session: SessionDep,
    rt: RuntimeDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    await access.require_acting_for_agency(
        rt, principal, body.raised_by_agency_id, roles=DISPUTE, field="raised_by_agency_id"
    )
    idem = idempotent_request(
        f"partners.raise_dispute:{partnership_id}", idempotency_key, body.model_dump(mode="json")
    )
    return outcome_response(
        await disputes.raise_dispute(session, partnership_id=partnership_id, dispute=body, idempotency=idem)
    )


@router.get(
    "/partnerships/{partnership_id}/disputes",
    response_model=Page[DisputeOut],
    tags=["disputes"],
    responses=PROBLEMS,
    summary="The partnership's disputes, oldest first, filtered and paginated",
)
async def list_disputes(
    partnership_id: uuid.UUID,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: DisputeStatus | None = None,
    subject_kind: DisputeSubjectKind | None = None,
) -> Page[DisputeOut]:
    items, next_cursor = await disputes.list_disputes(
        session,
        partnership_id=partnership_id,
        limit=limit,
        cursor=cursor,
        status=status,
        subject_kind=subject_kind,
    )
    return Page[DisputeOut](items=items, next_cursor=next_cursor, limit=limit)


@router.get(
    "/disputes/{dispute_id}",
    response_model=DisputeDetailOut,
    tags=["disputes"],
    responses=PROBLEMS,
    summary="A dispute with its discussion and its resolution decisions",
)
async def get_dispute(dispute_id: uuid.UUID, session: SessionDep) -> DisputeDetailOut:
    return await disputes.get_dispute(session, dispute_id=dispute_id)


@router.post(
    "/disputes/{dispute_id}/comments",
    status_code=201,
    response_model=CommentOut,
    tags=["disputes"],
    responses=PROBLEMS,
    summary="A member agency adds to the discussion of a dispute",
)
async def comment_on_dispute(
    dispute_id: uuid.UUID,
    body: CommentIn,
    session: SessionDep,
    rt: RuntimeDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    await access.require_acting_for_agency(rt, principal, body.agency_id, roles=COMMENT, field="agency_id")
    idem = idempotent_request(
        f"partners.comment_on_dispute:{dispute_id}", idempotency_key, body.model_dump(mode="json")
    )
    return outcome_response(
        await disputes.comment_on_dispute(session, dispute_id=dispute_id, comment=body, idempotency=idem)
    )


@router.post(
    "/disputes/{dispute_id}/resolution-decision",
    status_code=201,
    response_model=DisputeDetailOut,
    tags=["disputes"],
    responses=PROBLEMS,
    summary="Put a resolution of the dispute to the oversight body (a `dispute_resolution` decision)",
)
async def open_resolution_decision(
    dispute_id: uuid.UUID,
    body: ResolutionDecisionIn,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    idem = idempotent_request(
        f"partners.open_resolution_decision:{dispute_id}", idempotency_key, body.model_dump(mode="json")
    )
    return outcome_response(
        await disputes.open_resolution_decision(
            session, dispute_id=dispute_id, proposal=body, idempotency=idem
        )
    )


@router.get(
    "/countries/{code}/reciprocity",
    response_model=CountryReciprocityOut,
    tags=["reciprocity"],
    responses=PROBLEMS,
    summary="What the country hosted against what its officers received abroad, in total and per country",
)
async def country_reciprocity(
    code: CountryCode,
    session: SessionDep,
    kind: ExchangeKind | None = None,
    since: Since = None,
    until: Until = None,
) -> CountryReciprocityOut:
    return await reciprocity.country_reciprocity(session, code=code, kind=kind, since=since, until=until)


@router.get(
    "/partnerships/{partnership_id}/reciprocity",
    response_model=PartnershipReciprocityOut,
    tags=["reciprocity"],
    responses=PROBLEMS,
    summary="Each member country's reciprocity within the partnership",
)
async def partnership_reciprocity(
    partnership_id: uuid.UUID,
    session: SessionDep,
    kind: ExchangeKind | None = None,
    since: Since = None,
    until: Until = None,
) -> PartnershipReciprocityOut:
    return await reciprocity.partnership_reciprocity(
        session, partnership_id=partnership_id, kind=kind, since=since, until=until
    )
