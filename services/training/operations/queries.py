"""What a country's operators may follow in training: the refreshers of its own officers' certifications
(row-level security shows a certification to the officer's country only)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.training.models import Certification


async def followed_by(session: AsyncSession, country: str) -> frozenset[str]:
    """Ids of the certifications the caller's country holds that are not revoked: a refresher workflow's id ends
    with its certification's id. `country` is the session's tenant already; row-level security filters."""
    async with session.begin():
        found = await session.scalars(select(Certification.id).where(Certification.status != "revoked"))
        return frozenset(str(certification) for certification in found)
