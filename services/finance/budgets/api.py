"""HTTP routes of budgets: the lead proposes and revises, the oversight body decides (in partners), members read
where the budget stands against what the ledger committed and spent."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from backbone.app import SessionDep
from backbone.idempotency import outcome_response
from backbone.pagination import Cursor, Limit, Page
from contracts.events.finance import BudgetCategory
from services.finance.budgets import queries
from services.finance.budgets import service as budgets
from services.finance.budgets.schemas import BudgetIn, BudgetOut, BudgetStatusOut, RevisionIn, VersionOut
from services.finance.ledger.schemas import TransferOut

router = APIRouter(tags=["budgets"])


@router.post(
    "/partnerships/{partnership_id}/budgets",
    status_code=201,
    response_model=BudgetOut,
    summary="Propose the partnership's budget for a fiscal period (the lead); the oversight body adopts it "
    "through a `budget` decision. The same id again changes nothing",
)
async def propose_budget(partnership_id: uuid.UUID, body: BudgetIn, session: SessionDep) -> JSONResponse:
    outcome = await budgets.propose_budget(session, partnership_id=partnership_id, body=body)
    return outcome_response(outcome)


@router.get("/partnerships/{partnership_id}/budgets", response_model=Page[BudgetOut])
async def list_budgets(
    partnership_id: uuid.UUID, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[BudgetOut]:
    items, next_cursor = await queries.of_partnership(
        session, partnership_id=partnership_id, limit=limit, cursor=cursor
    )
    return Page[BudgetOut](items=items, next_cursor=next_cursor, limit=limit)


@router.get("/budgets/{budget_id}", response_model=BudgetOut, summary="A budget with all its versions")
async def get_budget(budget_id: uuid.UUID, session: SessionDep) -> BudgetOut:
    return await queries.get(session, budget_id=budget_id)


@router.post(
    "/budgets/{budget_id}/revisions",
    status_code=201,
    response_model=VersionOut,
    summary="Propose a revision of an adopted budget (the lead), with its reason; one at a time",
)
async def propose_revision(budget_id: uuid.UUID, body: RevisionIn, session: SessionDep) -> VersionOut:
    return await budgets.propose_revision(session, budget_id=budget_id, body=body)


@router.get(
    "/budgets/{budget_id}/status",
    response_model=BudgetStatusOut,
    summary="Budget vs committed vs actual per category, from the ledger, now",
)
async def budget_status(budget_id: uuid.UUID, session: SessionDep) -> BudgetStatusOut:
    return await queries.status(session, budget_id=budget_id)


@router.get(
    "/budgets/{budget_id}/categories/{category}/transfers",
    response_model=Page[TransferOut],
    summary="The transfers behind a category's committed and actual figures, in the order recorded",
)
async def category_transfers(
    budget_id: uuid.UUID,
    category: BudgetCategory,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[TransferOut]:
    items, next_cursor = await queries.transfers_behind(
        session, budget_id=budget_id, category=category, limit=limit, cursor=cursor
    )
    return Page[TransferOut](items=items, next_cursor=next_cursor, limit=limit)
