"""Where a budget stands: per category, what the adopted version allows, what pending transfers reserve and what
was posted to the category's spending accounts within the fiscal period (money flows from the debit account to
the credit account: spending credits them); and the transfers behind each figure."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from backbone.pagination import keyset_page, sequence_page
from contracts.events.finance import BudgetCategory
from services.finance.budgets.schemas import BudgetOut, BudgetStatusOut, CategoryStatus
from services.finance.budgets.service import adopted_version, budget_view, get_budget
from services.finance.ledger.schemas import TransferOut
from services.finance.ledger.service import transfer_view
from services.finance.models import Budget, LedgerAccount, LedgerTransfer

CATEGORIES: tuple[BudgetCategory, ...] = ("stipends", "facility_usage", "platforms", "procurement", "travel")
POSTED = ("single", "post_pending")


def _period(budget: Budget) -> tuple[datetime, datetime]:
    return (
        datetime.combine(budget.starts_on, time(0), tzinfo=UTC),
        datetime.combine(budget.ends_on + timedelta(days=1), time(0), tzinfo=UTC),
    )


def _spending(budget: Budget, category: BudgetCategory) -> Any:
    return select(LedgerAccount.id).where(
        LedgerAccount.partnership_id == budget.partnership_id,
        LedgerAccount.kind == f"spent_{category}",
        LedgerAccount.currency == budget.currency,
    )


def _unresolved() -> Any:
    resolution = aliased(LedgerTransfer)
    return and_(LedgerTransfer.kind == "pending", ~exists().where(resolution.pending_id == LedgerTransfer.id))


def _behind(budget: Budget, category: BudgetCategory) -> Select[LedgerTransfer]:
    """The transfers of the period that move the category's spending accounts: posted ones and reservations
    still pending."""
    accounts = _spending(budget, category)
    starts, ends = _period(budget)
    return select(LedgerTransfer).where(
        LedgerTransfer.partnership_id == budget.partnership_id,
        LedgerTransfer.created_at >= starts,
        LedgerTransfer.created_at < ends,
        or_(LedgerTransfer.debit_account_id.in_(accounts), LedgerTransfer.credit_account_id.in_(accounts)),
        or_(LedgerTransfer.kind.in_(POSTED), _unresolved()),
    )


async def get(session: AsyncSession, *, budget_id: uuid.UUID) -> BudgetOut:
    async with session.begin():
        return await budget_view(session, await get_budget(session, budget_id))


async def status(session: AsyncSession, *, budget_id: uuid.UUID) -> BudgetStatusOut:
    async with session.begin():
        return await _status(session, budget_id)


async def _status(session: AsyncSession, budget_id: uuid.UUID) -> BudgetStatusOut:
    budget = await get_budget(session, budget_id)
    version = await adopted_version(session, budget)
    allowed: dict[str, int] = dict.fromkeys(CATEGORIES, 0)
    for line in version.lines if version else []:
        allowed[line["category"]] += line["amount"]
    categories = []
    for category in CATEGORIES:
        moves = _behind(budget, category).subquery()
        accounts = _spending(budget, category)
        # Spending flows into the category's accounts (credits); what flows back out is a correction.
        signed = case((moves.c.credit_account_id.in_(accounts), moves.c.amount), else_=-moves.c.amount)
        committed, actual = (
            await session.execute(
                select(
                    func.coalesce(func.sum(case((moves.c.kind == "pending", signed))), 0),
                    func.coalesce(func.sum(case((moves.c.kind != "pending", signed))), 0),
                )
            )
        ).one()
        categories.append(
            CategoryStatus(
                category=category,
                budget=allowed[category],
                committed=committed,
                actual=actual,
                available=allowed[category] - committed - actual,
                transfers=f"/budgets/{budget.id}/categories/{category}/transfers",
            )
        )
    return BudgetStatusOut(
        budget_id=budget.id,
        currency=budget.currency,
        adopted_version=budget.adopted_version,
        categories=categories,
        as_of=datetime.now(UTC),
    )


async def transfers_behind(
    session: AsyncSession, *, budget_id: uuid.UUID, category: BudgetCategory, limit: int, cursor: str | None
) -> tuple[list[TransferOut], str | None]:
    async with session.begin():
        budget = await get_budget(session, budget_id)
        rows, next_cursor = await sequence_page(
            session, _behind(budget, category), key=LedgerTransfer.sequence, limit=limit, cursor=cursor
        )
        return [transfer_view(row) for row in rows], next_cursor


async def of_partnership(
    session: AsyncSession, *, partnership_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[BudgetOut], str | None]:
    async with session.begin():
        rows, next_cursor = await keyset_page(
            session,
            select(Budget).where(Budget.partnership_id == partnership_id),
            created=Budget.created_at,
            key=Budget.id,
            limit=limit,
            cursor=cursor,
        )
        return [await budget_view(session, row) for row in rows], next_cursor
