"""What a country's operators may follow: the open incidents released to it and the drill cycles it takes part
in (row-level security holds the same line)."""

from __future__ import annotations

from sqlalchemy import select, union
from sqlalchemy.ext.asyncio import AsyncSession

from services.incidents.models import DrillCycle, Incident


async def followed_by(session: AsyncSession, country: str) -> frozenset[str]:
    """Ids of the incidents not yet closed and the active drill cycles the caller's country sees: every workflow
    of the incidents service is about one of them (its id ends the workflow id). `country` is the session's
    tenant already; row-level security does the filtering."""
    ids = union(
        select(Incident.id).where(Incident.status != "closed"),
        select(DrillCycle.id).where(DrillCycle.status == "active"),
    )
    async with session.begin():
        return frozenset(str(found) for found in await session.scalars(select(ids.subquery().c[0])))
