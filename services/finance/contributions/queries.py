"""Reading contributions: a partnership's instalments, the payments against one, its arrears, its rates."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import DateTime, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import DomainError
from backbone.pagination import keyset_page, keyset_page_by
from services.finance.contributions.payments import payment_view
from services.finance.contributions.schemas import ArrearsLine, ArrearsOut, DueOut, PaymentOut, RateOut
from services.finance.models import ContributionDue, ContributionPayment, ExchangeRate
from services.finance.partnerships import partnership_of


def due_view(row: ContributionDue, today: date) -> DueOut:
    return DueOut.model_validate(
        {
            **{name: getattr(row, name) for name in DueOut.model_fields if hasattr(row, name)},
            "outstanding": row.amount - row.paid if row.status == "open" else 0,
            "overdue": row.status == "open" and row.due_on < today,
        }
    )


async def dues(
    session: AsyncSession,
    *,
    partnership_id: uuid.UUID,
    country_code: str | None,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[DueOut], str | None]:
    """By due date: what each partner owes when, and what it paid."""
    async with session.begin():
        await partnership_of(session, partnership_id)
        query = select(ContributionDue).where(ContributionDue.partnership_id == partnership_id)
        if country_code:
            query = query.where(ContributionDue.country_code == country_code.upper())
        if status:
            query = query.where(ContributionDue.status == status)
        rows, next_cursor = await keyset_page_by(
            session,
            query,
            order=cast(ContributionDue.due_on, DateTime()),
            position=lambda row: datetime.combine(row.due_on, datetime.min.time()),
            key=ContributionDue.id,
            limit=limit,
            cursor=cursor,
        )
        today = datetime.now(UTC).date()
        return [due_view(row, today) for row in rows], next_cursor


async def payments_of(
    session: AsyncSession, *, due_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[PaymentOut], str | None]:
    async with session.begin():
        if await session.get(ContributionDue, due_id) is None:
            raise DomainError(f"No instalment with id {due_id}.", status=404, code="due_not_found")
        rows, next_cursor = await keyset_page(
            session,
            select(ContributionPayment).where(ContributionPayment.due_id == due_id),
            created=ContributionPayment.recorded_at,
            key=ContributionPayment.id,
            limit=limit,
            cursor=cursor,
        )
        return [payment_view(row) for row in rows], next_cursor


async def arrears(session: AsyncSession, *, partnership_id: uuid.UUID) -> ArrearsOut:
    """Per partner and currency, what instalments past their due date still owe."""
    async with session.begin():
        await partnership_of(session, partnership_id)
        today = datetime.now(UTC).date()
        rows = await session.execute(
            select(
                ContributionDue.country_code,
                ContributionDue.currency,
                func.sum(ContributionDue.amount - ContributionDue.paid),
                func.count(),
                func.min(ContributionDue.due_on),
            )
            .where(
                ContributionDue.partnership_id == partnership_id,
                ContributionDue.status == "open",
                ContributionDue.due_on < today,
            )
            .group_by(ContributionDue.country_code, ContributionDue.currency)
            .order_by(ContributionDue.country_code, ContributionDue.currency)
        )
        return ArrearsOut(
            partnership_id=partnership_id,
            as_of=today,
            lines=[
                ArrearsLine(
                    country_code=country,
                    currency=currency,
                    outstanding=owed,
                    instalments=count,
                    oldest_due_on=oldest,
                )
                for country, currency, owed, count, oldest in rows
            ],
        )


async def rates(
    session: AsyncSession, *, partnership_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[RateOut], str | None]:
    async with session.begin():
        await partnership_of(session, partnership_id)
        rows, next_cursor = await keyset_page(
            session,
            select(ExchangeRate).where(ExchangeRate.partnership_id == partnership_id),
            created=ExchangeRate.recorded_at,
            key=ExchangeRate.id,
            limit=limit,
            cursor=cursor,
        )
        return [RateOut.model_validate(row, from_attributes=True) for row in rows], next_cursor
