"""HTTP routes of partnerships, their oversight bodies, decisions and votes."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from backbone.app import RuntimeDep, SessionDep
from backbone.auth.http import CurrentPrincipal, WorkflowsOnly
from backbone.auth.policy import require_country
from backbone.errors import DomainError
from backbone.idempotency import IdempotencyKeyHeader, idempotent_request, outcome_response
from backbone.pagination import Cursor, Limit, Page
from contracts.events.partners import DecisionKind
from rules.phases import Phase
from services.partners import access
from services.partners.agencies.api import PROBLEMS
from services.partners.agencies.schemas import (
    AmendmentIn,
    DecisionIn,
    DecisionOut,
    MemberAddedOut,
    MemberDecisionOut,
    OversightMemberIn,
    OversightMemberOut,
    PartnershipOut,
    PartnershipRegistration,
    PhaseAdvance,
    ReminderRequest,
)
from services.partners.partnerships import service as partnerships
from services.partners.policy import NATIONAL

router = APIRouter()


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
    "/partnerships/{partnership_id}/decisions",
    status_code=201,
    response_model=DecisionOut,
    tags=["governance"],
    responses=PROBLEMS,
    summary="Put a proposal to the oversight body",
)
async def open_decision(
    partnership_id: uuid.UUID,
    body: DecisionIn,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    idem = idempotent_request(
        f"partners.open_decision:{partnership_id}", idempotency_key, body.model_dump(mode="json")
    )
    return outcome_response(
        await partnerships.open_decision(
            session, partnership_id=partnership_id, proposal=body, idempotency=idem
        )
    )


@router.get(
    "/decisions/{decision_id}",
    response_model=DecisionOut,
    tags=["governance"],
    responses=PROBLEMS,
    summary="A decision with its votes and current tally",
)
async def get_decision(decision_id: uuid.UUID, session: SessionDep) -> DecisionOut:
    return await partnerships.get_decision(session, decision_id=decision_id)


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


@router.post(
    "/decisions/{decision_id}/deadline",
    dependencies=[WorkflowsOnly],
    response_model=DecisionOut,
    tags=["governance"],
    responses=PROBLEMS,
    summary="Close a decision whose due time has come (called by the workflow)",
)
async def close_at_deadline(decision_id: uuid.UUID, session: SessionDep) -> JSONResponse:
    return outcome_response(await partnerships.close_decision_at_deadline(session, decision_id=decision_id))


@router.post(
    "/decisions/{decision_id}/reminders",
    dependencies=[WorkflowsOnly],
    tags=["governance"],
    responses=PROBLEMS,
    summary="Remind the members who have not voted, or escalate to the whole body",
)
async def send_reminders(
    decision_id: uuid.UUID,
    body: ReminderRequest,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    idem = idempotent_request(
        f"partners.send_reminders:{decision_id}", idempotency_key, body.model_dump(mode="json")
    )
    return outcome_response(
        await partnerships.send_reminders(session, decision_id=decision_id, request=body, idempotency=idem)
    )


@router.get(
    "/partnerships/{partnership_id}/decisions",
    response_model=Page[DecisionOut],
    tags=["governance"],
    responses=PROBLEMS,
    summary="The partnership's decisions, oldest first; filter by kind and outcome (`open` for pending ones)",
)
async def list_decisions(
    partnership_id: uuid.UUID,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    kind: DecisionKind | None = None,
    outcome: Literal["open", "approved", "rejected", "vetoed", "expired"] | None = None,
) -> Page[DecisionOut]:
    items, next_cursor = await partnerships.list_decisions(
        session, partnership_id=partnership_id, limit=limit, cursor=cursor, kind=kind, outcome=outcome
    )
    return Page[DecisionOut](items=items, next_cursor=next_cursor, limit=limit)


@router.get(
    "/members/{member_id}/decisions",
    response_model=list[MemberDecisionOut],
    tags=["approvals"],
    responses=PROBLEMS,
    summary="An oversight member's dashboard: pending decisions (what, where, due when, who voted, tally) "
    "or the history of their decisions",
)
async def member_decisions(
    member_id: uuid.UUID,
    session: SessionDep,
    principal: CurrentPrincipal,
    state: Literal["pending", "history"] = "pending",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[MemberDecisionOut]:
    await access.require_seat_visible(session, principal, member_id)
    return await partnerships.member_decisions(
        session, member_ids=[member_id], pending=state == "pending", limit=limit
    )


@router.get(
    "/me/decisions",
    response_model=list[MemberDecisionOut],
    tags=["approvals"],
    responses=PROBLEMS,
    summary="The signed-in oversight member's dashboard across all their seats: pending decisions (soonest due "
    "first) or their history",
)
async def my_decisions(
    session: SessionDep,
    principal: CurrentPrincipal,
    state: Literal["pending", "history"] = "pending",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[MemberDecisionOut]:
    access.require_member_in_person(principal)
    if principal is None:
        raise DomainError("Sign in to see your decisions.", code="unauthenticated", status=401)
    seats = await access.seats_of(session, principal)
    return await partnerships.member_decisions(
        session, member_ids=seats, pending=state == "pending", limit=limit
    )
