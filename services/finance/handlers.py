"""Events the finance service acts on: partners' partnerships (whose ledger is whose) and the use of shared
facilities, spent from the partnership's budget."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.consumer import Handler, Subscription
from backbone.settings import ServiceSettings
from contracts.envelope import EventEnvelope
from contracts.events.partners import PartnershipMemberAddedV1, PartnershipRegisteredV1
from contracts.events.training import FacilityUsedV1
from services.finance.models import FacilityUsage, KnownPartnership
from services.kernel import partnership_members


async def on_partnership_registered(session: AsyncSession, envelope: EventEnvelope) -> None:
    await partnership_members.on_registered(session, envelope, KnownPartnership)


async def on_partnership_member_added(session: AsyncSession, envelope: EventEnvelope) -> None:
    await partnership_members.on_member_added(session, envelope, KnownPartnership)


async def on_facility_used(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Once per booking: a redelivered or replayed event (any event id) changes nothing."""
    event = FacilityUsedV1.model_validate(envelope.data)
    await session.execute(
        pg_insert(FacilityUsage)
        .values(
            booking_id=uuid.UUID(event.booking_id),
            facility_id=uuid.UUID(event.facility_id),
            owner_country_code=event.owner_country_code,
            booked_by_country_code=event.booked_by_country_code,
            kind=event.kind,
            hours=event.hours,
            attendees=event.attendees,
            recorded_at=event.recorded_at,
            event_id=envelope.id,
            received_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing(index_elements=[FacilityUsage.booking_id])
    )


def subscription(settings: ServiceSettings | None = None) -> Subscription:
    handlers: dict[str, Handler] = {
        FacilityUsedV1.event_type: on_facility_used,
        PartnershipRegisteredV1.event_type: on_partnership_registered,
        PartnershipMemberAddedV1.event_type: on_partnership_member_added,
    }
    return Subscription(topics=(FacilityUsedV1.topic, PartnershipRegisteredV1.topic), handlers=handlers)
