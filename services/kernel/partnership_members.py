"""A service's read model of the partners service's partnerships (who the members are, who leads), kept from
`partners.partnership_registered.v1` and `partners.partnership_member_added.v1`. Each service that confines its
records to a partnership's members has its own table with these columns and feeds it with these handlers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import DateTime, String
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from contracts.envelope import EventEnvelope
from contracts.events.partners import PartnershipMemberAddedV1, PartnershipRegisteredV1


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


async def on_registered(
    session: AsyncSession, envelope: EventEnvelope, model: type[PartnershipMembers]
) -> None:
    event = PartnershipRegisteredV1.model_validate(envelope.data)
    countries = list(dict.fromkeys(m.country_code for m in event.members))
    lead = next((m.country_code for m in event.members if m.role == "lead"), countries[0])
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
