"""HTTP routes of contributions: the basis of the partnership's scale (the lead sets it, members read it), each
budget's contributions with the computation shown, the instalments, payments and arrears, the exchange rates."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from backbone.app import SessionDep
from backbone.idempotency import outcome_response
from backbone.pagination import Cursor, Limit, Page
from services.finance.contributions import payments, queries
from services.finance.contributions import service as contributions
from services.finance.contributions.schemas import (
    ArrearsOut,
    BasisIn,
    BasisOut,
    DueOut,
    PaymentIn,
    PaymentOut,
    RateIn,
    RateOut,
    ScaleOut,
)

router = APIRouter(tags=["contributions"])


@router.put(
    "/partnerships/{partnership_id}/contribution-basis",
    response_model=BasisOut,
    summary="Set what contributions are computed from (the lead): capacity indicators, floor, ceiling, "
    "minimum; every running budget is assessed again",
)
async def set_basis(partnership_id: uuid.UUID, body: BasisIn, session: SessionDep) -> BasisOut:
    return await contributions.set_basis(session, partnership_id=partnership_id, body=body)


@router.get("/partnerships/{partnership_id}/contribution-basis", response_model=BasisOut)
async def get_basis(partnership_id: uuid.UUID, session: SessionDep) -> BasisOut:
    return await contributions.get_basis(session, partnership_id=partnership_id)


@router.get(
    "/budgets/{budget_id}/contributions",
    response_model=ScaleOut,
    summary="Each member's contribution to the budget, with the inputs and every step of the computation",
)
async def budget_contributions(budget_id: uuid.UUID, session: SessionDep) -> ScaleOut:
    return await contributions.current_scale(session, budget_id=budget_id)


@router.get(
    "/partnerships/{partnership_id}/contribution-dues",
    response_model=Page[DueOut],
    summary="What each partner owes when (assessed shares and pledges), by due date, with what it paid",
)
async def list_dues(
    partnership_id: uuid.UUID,
    session: SessionDep,
    country_code: Annotated[str | None, Query(pattern="^[A-Za-z]{2}$")] = None,
    status: Literal["open", "paid", "superseded", "cancelled"] | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[DueOut]:
    items, next_cursor = await queries.dues(
        session,
        partnership_id=partnership_id,
        country_code=country_code,
        status=status,
        limit=limit,
        cursor=cursor,
    )
    return Page[DueOut](items=items, next_cursor=next_cursor, limit=limit)


@router.post(
    "/contribution-dues/{due_id}/payments",
    status_code=201,
    response_model=PaymentOut,
    summary="Record a payment against an instalment (the lead), posted to the ledger; in another currency it is "
    "credited at the partnership's rate of its date. The same id again changes nothing",
)
async def record_payment(due_id: uuid.UUID, body: PaymentIn, session: SessionDep) -> JSONResponse:
    outcome = await payments.record_payment(session, due_id=due_id, body=body)
    return outcome_response(outcome)


@router.get("/contribution-dues/{due_id}/payments", response_model=Page[PaymentOut])
async def list_payments(
    due_id: uuid.UUID, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[PaymentOut]:
    items, next_cursor = await queries.payments_of(session, due_id=due_id, limit=limit, cursor=cursor)
    return Page[PaymentOut](items=items, next_cursor=next_cursor, limit=limit)


@router.get(
    "/partnerships/{partnership_id}/arrears",
    response_model=ArrearsOut,
    summary="Per partner and currency, what instalments past their due date still owe",
)
async def arrears(partnership_id: uuid.UUID, session: SessionDep) -> ArrearsOut:
    return await queries.arrears(session, partnership_id=partnership_id)


@router.post(
    "/partnerships/{partnership_id}/exchange-rates",
    response_model=RateOut,
    summary="Record the partnership's rate of a day for a currency pair (the lead); the same again changes nothing",
)
async def record_rate(partnership_id: uuid.UUID, body: RateIn, session: SessionDep) -> RateOut:
    return await payments.record_rate(session, partnership_id=partnership_id, body=body)


@router.get("/partnerships/{partnership_id}/exchange-rates", response_model=Page[RateOut])
async def list_rates(
    partnership_id: uuid.UUID, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[RateOut]:
    items, next_cursor = await queries.rates(
        session, partnership_id=partnership_id, limit=limit, cursor=cursor
    )
    return Page[RateOut](items=items, next_cursor=next_cursor, limit=limit)
