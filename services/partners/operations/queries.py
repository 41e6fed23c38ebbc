"""What a country's operators may follow: the workflows of its agencies and of its partnerships."""

from __future__ import annotations

from sqlalchemy import select, union
from sqlalchemy.ext.asyncio import AsyncSession

from services.partners.models import Agency, Commitment, Decision, PartnershipMember


async def followed_by(session: AsyncSession, country: str) -> frozenset[str]:
    """Ids of the country's agencies, of its partnerships and of their member agencies, commitments and
    decisions: every workflow of the partners service is about one of them (its id ends the workflow id)."""
    theirs = select(PartnershipMember.partnership_id).where(PartnershipMember.country_code == country)
    ids = union(
        select(Agency.id).where(Agency.country_code == country),
        theirs,
        select(PartnershipMember.agency_id).where(PartnershipMember.partnership_id.in_(theirs)),
        select(Commitment.id).where(Commitment.partnership_id.in_(theirs)),
        select(Decision.id).where(Decision.partnership_id.in_(theirs)),
    )
    async with session.begin():
        return frozenset(str(found) for found in await session.scalars(select(ids.subquery().c[0])))
