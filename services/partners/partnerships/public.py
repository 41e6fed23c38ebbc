"""A partnership's public profile, for anyone without a token: what partners publish about themselves anyway
(the name, the phase, the agreement's kind and term, which countries take part in which role, and the
endorsements granted to it). Oversight members, agencies' contacts, capacities and disputes are never in it."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.db import SYSTEM_TENANT, TENANT
from backbone.errors import NotFound
from services.partners.models import Endorsement, Partnership, PartnershipMember
from services.partners.partnerships.schemas import PublicEndorsementOut, PublicMemberOut, PublicPartnershipOut


async def public_profile(session: AsyncSession, *, partnership_id: uuid.UUID) -> PublicPartnershipOut:
    TENANT.set(SYSTEM_TENANT)  # only the public fields below leave this function
    async with session.begin():
        found = await session.get(Partnership, partnership_id)
        if found is None:
            raise NotFound(f"No partnership with id {partnership_id}.", code="partnership_not_found")
        members = (
            await session.scalars(
                select(PartnershipMember)
                .where(PartnershipMember.partnership_id == partnership_id)
                .order_by(PartnershipMember.joined_at, PartnershipMember.agency_id)
            )
        ).all()
        endorsements = (
            await session.scalars(
                select(Endorsement)
                .where(Endorsement.partnership_id == partnership_id, Endorsement.status == "active")
                .order_by(Endorsement.endorsed_on, Endorsement.id)
            )
        ).all()
        return PublicPartnershipOut(
            id=found.id,
            name=found.name,
            phase=found.phase,
            agreement_kind=found.agreement_kind,
            agreement_starts_on=found.agreement_starts_on,
            agreement_ends_on=found.agreement_ends_on,
            members=[
                PublicMemberOut(country_code=m.country_code, role=m.role, joined_at=m.joined_at)
                for m in members
            ],
            endorsements=[
                PublicEndorsementOut(
                    endorser=e.endorser_name,
                    endorser_kind=e.endorser_kind,
                    scope=e.scope,
                    endorsed_on=e.endorsed_on,
                )
                for e in endorsements
            ],
        )
