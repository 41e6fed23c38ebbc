"""Read-only queries of spending: the rate card in force, facility charges, where partners stand, stipends."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.db import SYSTEM_TENANT, TENANT
from backbone.errors import DomainError
from backbone.pagination import keyset_page
from services.finance.models import FacilityCharge, Stipend
from services.finance.partnerships import partnership_of
from services.finance.spending import rules
from services.finance.spending.payouts import card_in_force
from services.finance.spending.schemas import (
    FacilityChargeOut,
    PositionOut,
    RateCardOut,
    ReciprocityOut,
    StipendOut,
)
from services.finance.spending.service import card_view, stipend_view


async def rate_card(session: AsyncSession, *, partnership_id: uuid.UUID) -> RateCardOut:
    async with session.begin():
        await partnership_of(session, partnership_id)
        card = await card_in_force(session, partnership_id, datetime.now(UTC))
        if card is None:
            raise DomainError("The partnership has no rate card yet.", status=404, code="rate_card_not_found")
        return card_view(card)


async def charges(
    session: AsyncSession, *, partnership_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[FacilityChargeOut], str | None]:
    async with session.begin():
        await partnership_of(session, partnership_id)
        rows, next_cursor = await keyset_page(
            session,
            select(FacilityCharge).where(FacilityCharge.partnership_id == partnership_id),
            created=FacilityCharge.used_at,
            key=FacilityCharge.booking_id,
            limit=limit,
            cursor=cursor,
        )
        return [FacilityChargeOut.model_validate(row, from_attributes=True) for row in rows], next_cursor


async def reciprocity(session: AsyncSession, *, partnership_id: uuid.UUID) -> ReciprocityOut:
    async with session.begin():
        await partnership_of(session, partnership_id)
        priced = await session.execute(
            select(
                FacilityCharge.user_country_code,
                FacilityCharge.host_country_code,
                FacilityCharge.currency,
                func.sum(FacilityCharge.amount),
            )
            .where(FacilityCharge.partnership_id == partnership_id, FacilityCharge.status != "unpriced")
            .group_by(
                FacilityCharge.user_country_code, FacilityCharge.host_country_code, FacilityCharge.currency
            )
        )
        uses = [(user, host, currency, int(amount or 0)) for user, host, currency, amount in priced.tuples()]
        unpriced = await session.scalar(
            select(func.count()).where(
                FacilityCharge.partnership_id == partnership_id, FacilityCharge.status == "unpriced"
            )
        )
    currencies = sorted({currency for _, _, currency, _ in uses if currency})
    if len(currencies) > 1:
        raise DomainError(
            f"Facility use was priced in {', '.join(currencies)}: positions are kept per currency.",
            status=409,
            code="several_currencies",
        )
    positions = rules.positions(rules.Use(user, host, amount) for user, host, _, amount in uses)
    return ReciprocityOut(
        partnership_id=partnership_id,
        currency=currencies[0] if currencies else None,
        positions=[
            PositionOut(country_code=p.country_code, used=p.used, hosted=p.hosted, net=p.net)
            for p in positions
        ],
        unpriced=unpriced or 0,
    )


async def stipends(
    session: AsyncSession, *, partnership_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[StipendOut], str | None]:
    async with session.begin():
        partnership = await partnership_of(session, partnership_id)
        query = select(Stipend).where(Stipend.partnership_id == partnership_id)
        viewer = TENANT.get()
        if viewer not in (SYSTEM_TENANT, partnership.lead_country_code):
            query = query.where(Stipend.instructor_country_code == viewer)  # another member: its own people's
        rows, next_cursor = await keyset_page(
            session,
            query,
            created=Stipend.delivered_at,
            key=Stipend.id,
            limit=limit,
            cursor=cursor,
        )
        return [stipend_view(row) for row in rows], next_cursor


async def stipend(session: AsyncSession, *, stipend_id: uuid.UUID) -> StipendOut:
    async with session.begin():
        found = await session.get(Stipend, stipend_id)
        if found is None:
            raise DomainError(f"No stipend with id {stipend_id}.", status=404, code="stipend_not_found")
        return stipend_view(found)
