"""Handling codes in the partners service: what each event releases and who sees a record.

Partnership business (decisions, votes, phases, members, commitments) is released to the partnership's member
countries, with its lead country as originator; an agency's own business (registration, contacts, onboarding)
to its country only. Disputes and capacity profiles carry the code their originator chose (default
`partnership`: a dispute concerns the partnership, a capacity profile is what partners plan with) and their
events release what that code allows.
"""

from __future__ import annotations

import uuid
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rules.releasability import EVERYONE, HandlingCode, Release
from services.partners.models import Agency, CapacityProfile, Dispute, PartnershipMember

RecordKind = Literal["dispute", "capacity_profile"]


async def member_countries(session: AsyncSession, partnership_id: uuid.UUID | str) -> frozenset[str]:
    return frozenset(
        await session.scalars(
            select(PartnershipMember.country_code).where(
                PartnershipMember.partnership_id == uuid.UUID(str(partnership_id))
            )
        )
    )


async def partner_countries(session: AsyncSession, agency_id: uuid.UUID) -> frozenset[str]:
    """Every country that shares a partnership with the agency (its own included)."""
    theirs = select(PartnershipMember.partnership_id).where(PartnershipMember.agency_id == agency_id)
    return frozenset(
        await session.scalars(
            select(PartnershipMember.country_code).where(PartnershipMember.partnership_id.in_(theirs))
        )
    )


async def of_partnership(session: AsyncSession, partnership_id: uuid.UUID | str) -> Release:
    members = await session.execute(
        select(PartnershipMember.country_code, PartnershipMember.role)
        .where(PartnershipMember.partnership_id == uuid.UUID(str(partnership_id)))
        .order_by(PartnershipMember.joined_at, PartnershipMember.country_code)
    )
    rows = list(members.tuples())
    countries = [country for country, _ in rows]
    lead = next((country for country, role in rows if role == "lead"), countries[0] if countries else "")
    return Release.of("partnership", originator=lead, partnership_countries=countries)


async def of_commitment(session: AsyncSession, partnership_id: uuid.UUID | str, country_code: str) -> Release:
    """A member's commitment is partnership business, but the pledging member's data: it is the originator (the
    audit trail files it under that country, not the lead's)."""
    members = await member_countries(session, partnership_id)
    return Release.of("partnership", originator=country_code, partnership_countries=sorted(members))


def of_agency(country_code: str) -> Release:
    return Release.of("originator", originator=country_code)


async def of_dispute(session: AsyncSession, dispute: Dispute) -> Release:
    return Release.of(
        dispute.handling_code,
        originator=dispute.raised_by_country_code,
        partnership_countries=await member_countries(session, dispute.partnership_id),
    )


async def of_capacity_profile(session: AsyncSession, profile: CapacityProfile, country_code: str) -> Release:
    return Release.of(
        profile.handling_code,
        originator=country_code,
        partnership_countries=await partner_countries(session, profile.agency_id),
    )


def handling_countries(code: str) -> list[str]:
    """What the row-level security policies compare the tenant with for a `countries:` code."""
    parsed = HandlingCode.parse(code)
    return sorted(parsed.countries) if parsed.kind == "countries" else []


def visible_countries(release: Release) -> frozenset[str]:
    """For the route policy: who may see the record (`*` for everyone)."""
    return frozenset({EVERYONE}) if release.audience.everyone else release.audience.countries


async def originator_of(
    session: AsyncSession, kind: RecordKind, object_id: uuid.UUID
) -> tuple[str, str] | None:
    """(country, agency id) of the record's originator, or None when there is no such record."""
    if kind == "dispute":
        row = await session.execute(
            select(Dispute.raised_by_country_code, Dispute.raised_by_agency_id).where(Dispute.id == object_id)
        )
    else:
        row = await session.execute(
            select(Agency.country_code, Agency.id)
            .join(CapacityProfile, CapacityProfile.agency_id == Agency.id)
            .where(CapacityProfile.id == object_id)
        )
    found = row.first()
    return (found[0], str(found[1])) if found else None
