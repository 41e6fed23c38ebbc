"""A service's read model of the partners service's partnerships (who the members are, who leads), kept from
`partners.partnership_registered.v1`, `partners.partnership_member_added.v1` and
`partners.partnership_member_removed.v1`. Each service that confines its
records to a partnership's members has its own table with these columns and feeds it with these handlers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TypeVar

import sqlalchemy as sa
from alembic import op
from sqlalchemy import DateTime, String
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from backbone.errors import DomainError, field_problem
from backbone.migrations import TENANT_SQL, row_level_security
from contracts.envelope import EventEnvelope
from contracts.events.partners import (
    PartnershipMemberAddedV1,
    PartnershipMemberRemovedV1,
    PartnershipRegisteredV1,
)
from rules import membership
from rules.releasability import Release

M = TypeVar("M", bound="PartnershipMembers")


class PartnershipMembers:
    """Columns of the read model (mix into the service's declarative base; table names are unique across the
    services, which share one metadata: a second service names its own table)."""

    __tablename__ = "known_partnerships"

    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    lead_country_code: Mapped[str] = mapped_column(String(2))
    member_countries: Mapped[list[str]] = mapped_column(ARRAY(String(2)))
    member_agencies: Mapped[list[str]] = mapped_column(ARRAY(String(36)))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def create_table(name: str) -> None:
    """In a migration: the service's read model table (columns above), readable by member countries only."""
    op.create_table(
        name,
        sa.Column("partnership_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("name", String(200), nullable=False),
        sa.Column("lead_country_code", String(2), nullable=False),
        sa.Column("member_countries", ARRAY(String(2)), nullable=False),
        sa.Column("member_agencies", ARRAY(String(36)), nullable=False),
        sa.Column("updated_at", DateTime(timezone=True), nullable=False),
    )
    row_level_security(name, read=f"{TENANT_SQL} = ANY(member_countries)")


def member_of_partnership(read_model: str, table: str) -> str:
    """RLS condition: the caller's country is a member of the partnership of `table`'s row."""
    return (
        f"EXISTS (SELECT 1 FROM {read_model} p WHERE p.partnership_id = {table}.partnership_id "
        f"AND {TENANT_SQL} = ANY(p.member_countries))"
    )


def lead_of_partnership(read_model: str, table: str) -> str:
    """RLS condition: the caller's country leads the partnership of `table`'s row."""
    return (
        f"EXISTS (SELECT 1 FROM {read_model} p WHERE p.partnership_id = {table}.partnership_id "
        f"AND p.lead_country_code = {TENANT_SQL})"
    )


async def member_partnership(
    session: AsyncSession, model: type[M], partnership_id: uuid.UUID, country: str, *, unknown: str
) -> M:
    """The partnership, if the caller's country is a member (row-level security hides the others); otherwise
    422 naming `partnership_id`, with `unknown` as the detail."""
    found = await session.get(model, partnership_id)
    if found is None or country not in found.member_countries:
        raise field_problem("partnership_id", "partnership_unknown", unknown)
    return found


async def on_registered(
    session: AsyncSession, envelope: EventEnvelope, model: type[PartnershipMembers]
) -> None:
    event = PartnershipRegisteredV1.model_validate(envelope.data)
    countries = membership.member_countries(event.members)
    lead = membership.lead_country(event.members)
    await session.execute(
        pg_insert(model)
        .values(
            partnership_id=uuid.UUID(event.partnership_id),
            name=event.name,
            lead_country_code=lead,
            member_countries=countries,
            member_agencies=[m.agency_id for m in event.members],
            updated_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing(index_elements=["partnership_id"])
    )


async def on_member_added(
    session: AsyncSession, envelope: EventEnvelope, model: type[PartnershipMembers]
) -> tuple[PartnershipMembers, bool]:
    """The partnership, and whether the agency's country is a new member (so confined rows may widen)."""
    event = PartnershipMemberAddedV1.model_validate(envelope.data)
    partnership = await session.get(model, uuid.UUID(event.partnership_id), with_for_update=True)
    if partnership is None:
        raise LookupError(f"partnership {event.partnership_id} is unknown here; its registration is late")
    if event.agency_id not in partnership.member_agencies:
        partnership.member_agencies = [*partnership.member_agencies, event.agency_id]
    new_country = event.country_code not in partnership.member_countries
    if new_country:
        partnership.member_countries = [*partnership.member_countries, event.country_code]
    partnership.updated_at = datetime.now(UTC)
    return partnership, new_country


async def on_member_removed(
    session: AsyncSession, envelope: EventEnvelope, model: type[PartnershipMembers]
) -> tuple[PartnershipMembers, str | None]:
    """The partnership, and the country that is no longer a member (None while another of its agencies stays):
    row-level security built on `member_countries` stops showing it the partnership's records at once; rows
    that list their countries themselves are the service's to narrow."""
    event = PartnershipMemberRemovedV1.model_validate(envelope.data)
    partnership = await session.get(model, uuid.UUID(event.partnership_id), with_for_update=True)
    if partnership is None:
        raise LookupError(f"partnership {event.partnership_id} is unknown here; its registration is late")
    partnership.member_agencies = [a for a in partnership.member_agencies if a != event.agency_id]
    gone = event.country_code if event.country_left else None
    if gone is not None:
        partnership.member_countries = [c for c in partnership.member_countries if c != gone]
    partnership.updated_at = datetime.now(UTC)
    return partnership, gone


async def partnership_of(session: AsyncSession, model: type[M], partnership_id: uuid.UUID) -> M:
    """The partnership a record belongs to, or 404 `partnership_not_found` (row-level security hides those the
    caller's country is not a member of)."""
    found = await session.get(model, partnership_id)
    if found is None:
        raise DomainError(
            f"No partnership with id {partnership_id}.", status=404, code="partnership_not_found"
        )
    return found


def members_release(partnership: PartnershipMembers, *also: str) -> Release:
    """A partnership's records go to its members; the lead keeps them. `also`: countries a record is about that
    may have left since (a former member's arrears are still its business)."""
    countries = [*partnership.member_countries, *(c for c in also if c not in partnership.member_countries)]
    return Release.of(
        "partnership", originator=partnership.lead_country_code, partnership_countries=countries
    )


def personal_release(partnership: PartnershipMembers, *countries: str) -> Release:
    """About one person (a trainee's result, a stipend): the lead and the countries named (the person's, the
    assessor's)."""
    audience = sorted({partnership.lead_country_code, *countries})
    return Release.of(f"countries:{','.join(audience)}", originator=partnership.lead_country_code)
