"""HTTP routes of partnerships, their oversight bodies, decisions and votes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from backbone.app import RuntimeDep, SessionDep
from backbone.auth.http import CurrentPrincipal, WorkflowsOnly
from backbone.auth.policy import is_workflows_client, require_country
from backbone.idempotency import IdempotencyKeyHeader, idempotent_request, outcome_response
from backbone.pagination import Cursor, Limit, Page
from rules.phases import Phase
from services.partners import access
from services.partners.partnerships import departures, public
from services.partners.partnerships import service as partnerships
from services.partners.partnerships.schemas import (
    AmendmentIn,
    DepartureIn,
    DepartureOut,
    MemberAddedOut,
    OversightMemberIn,
    OversightMemberOut,
    PartnershipOut,
    PartnershipRegistration,
    PhaseAdvance,
    PublicPartnershipOut,
)
from services.partners.policy import NATIONAL
from services.partners.problems import PROBLEMS

router = APIRouter()
public_router = APIRouter(tags=["public"])


@router.post(
    "/partnerships",
    status_code=201,
    response_model=PartnershipOut,
    tags=["partnerships"],
    responses=PROBLEMS,
    summary="Register a partnership of agencies of several countries under an agreement",
)
async def register_partnership(
    body: PartnershipRegistration,
    session: SessionDep,
    rt: RuntimeDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    await access.require_among_members(rt, principal, [m.agency_id for m in body.members])
    idem = idempotent_request("partners.register_partnership", idempotency_key, body.model_dump(mode="json"))
    return outcome_response(
        await partnerships.register_partnership(session, registration=body, idempotency=idem)
    )


@router.get("/partnerships", response_model=Page[PartnershipOut], tags=["partnerships"], responses=PROBLEMS)
async def list_partnerships(
    session: SessionDep,
    principal: CurrentPrincipal,
    limit: Limit = 50,
    cursor: Cursor = None,
    phase: Phase | None = None,
    country: Annotated[
        str | None, Query(pattern="^[A-Za-z]{2}$", description="Has a member of this country")
    ] = None,
) -> Page[PartnershipOut]:
    rows, next_cursor = await partnerships.list_partnerships(
        session,
        limit=limit,
        cursor=cursor,
        phase=phase,
        country_code=country,
        visible_to=principal.country if principal else None,
    )
    items = [await partnerships.partnership_view(session, row) for row in rows]
    return Page[PartnershipOut](items=items, next_cursor=next_cursor, limit=limit)


@router.get(
    "/partnerships/{partnership_id}", response_model=PartnershipOut, tags=["partnerships"], responses=PROBLEMS
)
async def get_partnership(partnership_id: uuid.UUID, session: SessionDep) -> PartnershipOut:
    return await partnerships.get_partnership(session, partnership_id=partnership_id)


@router.post(
    "/partnerships/{partnership_id}/members",
    status_code=201,
    response_model=MemberAddedOut,
    tags=["partnerships"],
    responses=PROBLEMS,
    summary="Amend the partnership: add an agency (of a new or a member country) mid-phase",
)
async def add_member(
    partnership_id: uuid.UUID,
    body: AmendmentIn,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    idem = idempotent_request(
        f"partners.add_member:{partnership_id}", idempotency_key, body.model_dump(mode="json")
    )
    return outcome_response(
        await partnerships.add_member(
            session, partnership_id=partnership_id, amendment=body, idempotency=idem
        )
    )


@router.post(
    "/partnerships/{partnership_id}/members/{agency_id}/departure",
    status_code=201,
    response_model=DepartureOut,
    tags=["partnerships"],
    responses=PROBLEMS,
    summary="End an agency's membership: its own country leaves, or the lead ends it",
)
async def end_membership(
    partnership_id: uuid.UUID,
    agency_id: uuid.UUID,
    body: DepartureIn,
    session: SessionDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    idem = idempotent_request(
        f"partners.end_membership:{partnership_id}:{agency_id}", idempotency_key, body.model_dump(mode="json")
    )
    acting = None if principal is None or is_workflows_client(principal) else principal.country
    return outcome_response(
        await departures.end_membership(
            session,
            partnership_id=partnership_id,
            agency_id=agency_id,
            departure=body,
            acting_country=acting,
            idempotency=idem,
        )
    )


@router.get(
    "/partnerships/{partnership_id}/departures",
    response_model=list[DepartureOut],
    tags=["partnerships"],
    responses=PROBLEMS,
    summary="The partnership's ended memberships (a departed country sees its own)",
)
async def list_departures(partnership_id: uuid.UUID, session: SessionDep) -> list[DepartureOut]:
    return await departures.departures(session, partnership_id=partnership_id)


@router.post(
    "/partnerships/{partnership_id}/oversight-members",
    status_code=201,
    response_model=OversightMemberOut,
    tags=["governance"],
    responses=PROBLEMS,
    summary="Appoint a member country's representative to the oversight body",
)
async def add_oversight_member(
    partnership_id: uuid.UUID,
    body: OversightMemberIn,
    session: SessionDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    require_country(principal, body.country_code, roles=NATIONAL, field="country_code")
    idem = idempotent_request(
        f"partners.add_oversight_member:{partnership_id}", idempotency_key, body.model_dump(mode="json")
    )
    return outcome_response(
        await partnerships.add_oversight_member(
            session, partnership_id=partnership_id, member=body, idempotency=idem
        )
    )


@router.post(
    "/partnerships/{partnership_id}/phase",
    dependencies=[WorkflowsOnly],
    response_model=PartnershipOut,
    tags=["onboarding"],
    responses=PROBLEMS,
    summary="Move to the next phase after an approved gate (called by the workflow)",
)
async def advance_phase(
    partnership_id: uuid.UUID,
    body: PhaseAdvance,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    idem = idempotent_request(
        f"partners.advance_phase:{partnership_id}", idempotency_key, body.model_dump(mode="json")
    )
    return outcome_response(
        await partnerships.advance_phase(
            session, partnership_id=partnership_id, advance=body, idempotency=idem
        )
    )


@public_router.get(
    "/public/partnerships/{partnership_id}",
    response_model=PublicPartnershipOut,
    responses=PROBLEMS,
    summary="A partnership's public profile, no token: name, phase, agreement term, member countries and roles, "
    "active endorsements",
)
async def public_partnership(partnership_id: uuid.UUID, session: SessionDep) -> PublicPartnershipOut:
    return await public.public_profile(session, partnership_id=partnership_id)
