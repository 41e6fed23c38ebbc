"""Reading procurements: a partnership's list, one process, its bids (once opened) and its OCDS release
package."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict
from services.finance.partnerships import partnership_of
from services.finance.procurement import ocds, stages
from services.finance.procurement.models import Procurement, ProcurementRelease
from services.finance.procurement.schemas import BidOut, ProcurementOut
from services.finance.procurement.service import bid_view


async def procurements(session: AsyncSession, *, partnership_id: uuid.UUID) -> list[ProcurementOut]:
    async with session.begin():
        await partnership_of(session, partnership_id)
        rows = await session.scalars(
            select(Procurement)
            .where(Procurement.partnership_id == partnership_id)
            .order_by(Procurement.created_at, Procurement.id)
        )
        return [stages.view(r) for r in rows]


async def procurement(session: AsyncSession, *, procurement_id: uuid.UUID) -> ProcurementOut:
    async with session.begin():
        return stages.view(await stages.get(session, procurement_id))


async def bids(session: AsyncSession, *, procurement_id: uuid.UUID) -> list[BidOut]:
    """Sealed until opened: before, not even the lead reads them back."""
    async with session.begin():
        found = await stages.get(session, procurement_id)
        if found.bids_opened_at is None:
            raise Conflict(
                "The bids are sealed until the tender closes and they are opened.", code="bids_sealed"
            )
        return [bid_view(b) for b in await stages.bids_of(session, procurement_id)]


async def release_package(session: AsyncSession, *, procurement_id: uuid.UUID, uri: str) -> dict[str, Any]:
    """Every release published for the process, in order, as one OCDS release package."""
    async with session.begin():
        found = await stages.get(session, procurement_id)
        partnership = await partnership_of(session, found.partnership_id)
        rows = await session.scalars(
            select(ProcurementRelease.release)
            .where(ProcurementRelease.procurement_id == procurement_id)
            .order_by(ProcurementRelease.sequence)
        )
        return ocds.package(
            list(rows), uri=uri, publisher=f"{partnership.name} (lead {partnership.lead_country_code})"
        )
