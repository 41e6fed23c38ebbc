"""HTTP routes of the oversight body's decisions: opened, read, reminded, closed at their deadline; a member's own."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from backbone.app import SessionDep
from backbone.auth.http import CurrentPrincipal, WorkflowsOnly
from backbone.errors import DomainError
from backbone.idempotency import IdempotencyKeyHeader, idempotent_request, outcome_response
from backbone.pagination import Cursor, Limit, Page
from contracts.events.partners import DecisionKind
from services.partners import access
from services.partners.decisions import service as decisions
from services.partners.decisions.schemas import DecisionIn, DecisionOut, MemberDecisionOut, ReminderRequest
from services.partners.problems import PROBLEMS

router = APIRouter()


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
        await decisions.open_decision(session, partnership_id=partnership_id, proposal=body, idempotency=idem)
    )


@router.get(
    "/decisions/{decision_id}",
    response_model=DecisionOut,
    tags=["governance"],
    responses=PROBLEMS,
    summary="A decision with its votes and current tally",
)
async def get_decision(decision_id: uuid.UUID, session: SessionDep) -> DecisionOut:
    return await decisions.get_decision(session, decision_id=decision_id)


@router.post(
    "/decisions/{decision_id}/deadline",
    dependencies=[WorkflowsOnly],
    response_model=DecisionOut,
    tags=["governance"],
    responses=PROBLEMS,
    summary="Close a decision whose due time has come (called by the workflow)",
)
async def close_at_deadline(decision_id: uuid.UUID, session: SessionDep) -> JSONResponse:
    return outcome_response(await decisions.close_decision_at_deadline(session, decision_id=decision_id))


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
        await decisions.send_reminders(session, decision_id=decision_id, request=body, idempotency=idem)
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
    items, next_cursor = await decisions.list_decisions(
        session, partnership_id=partnership_id, limit=limit, cursor=cursor, kind=kind, outcome=outcome
    )
    return Page[DecisionOut](items=items, next_cursor=next_cursor, limit=limit)


@router.get(
    "/members/{member_id}/decisions",
    response_model=Page[MemberDecisionOut],
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
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[MemberDecisionOut]:
    await access.require_seat_visible(session, principal, member_id)
    items, next_cursor = await decisions.member_decisions(
        session, member_ids=[member_id], pending=state == "pending", limit=limit, cursor=cursor
    )
    return Page[MemberDecisionOut](items=items, next_cursor=next_cursor, limit=limit)


@router.get(
    "/me/decisions",
    response_model=Page[MemberDecisionOut],
    tags=["approvals"],
    responses=PROBLEMS,
    summary="The signed-in oversight member's dashboard across all their seats: pending decisions (soonest due "
    "first) or their history",
)
async def my_decisions(
    session: SessionDep,
    principal: CurrentPrincipal,
    state: Literal["pending", "history"] = "pending",
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[MemberDecisionOut]:
    access.require_member_in_person(principal)
    if principal is None:
        raise DomainError("Sign in to see your decisions.", code="unauthenticated", status=401)
    seats = await access.seats_of(session, principal)
    items, next_cursor = await decisions.member_decisions(
        session, member_ids=seats, pending=state == "pending", limit=limit, cursor=cursor
    )
    return Page[MemberDecisionOut](items=items, next_cursor=next_cursor, limit=limit)
