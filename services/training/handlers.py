"""Events the training service acts on: each handler maps an event to a change of its read model."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.consumer import Handler, Subscription
from backbone.settings import ServiceSettings
from backbone.temporal import LazyClient
from contracts.envelope import EventEnvelope
from contracts.events.partners import AgencyActivatedV1, AgencyOnboardingLapsedV1, AgencyRegisteredV1
from contracts.events.training import CertificationIssuedV1, CertificationStatusChangedV1
from services.training.models import KnownAgency
from services.training.refreshers import RefresherStarter


async def on_agency_registered(session: AsyncSession, envelope: EventEnvelope) -> None:
    event = AgencyRegisteredV1.model_validate(envelope.data)
    values = {
        "country_code": event.country_code,
        "country_name": event.country_name,
        "name": event.name,
        "agency_type": event.agency_type,
        "is_national_coordination_unit": event.is_national_coordination_unit,
        "registered_at": event.registered_at,
        "updated_at": datetime.now(UTC),
        "last_event_id": envelope.id,
    }
    await session.execute(
        pg_insert(KnownAgency)
        .values(agency_id=uuid.UUID(event.agency_id), status="pending", version=1, **values)
        .on_conflict_do_update(
            index_elements=[KnownAgency.agency_id], set_={**values, "version": KnownAgency.version + 1}
        )
    )


async def _set_status(session: AsyncSession, envelope: EventEnvelope, agency_id: str, status: str) -> None:
    result = await session.execute(
        update(KnownAgency)
        .where(KnownAgency.agency_id == uuid.UUID(agency_id))
        .values(
            status=status,
            updated_at=datetime.now(UTC),
            last_event_id=envelope.id,
            version=KnownAgency.version + 1,
        )
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        # Per-aggregate order makes this impossible unless the registration was lost: worth a retry, then DLT.
        raise LookupError(f"agency {agency_id} is unknown to training; its registration has not arrived")


async def on_agency_activated(session: AsyncSession, envelope: EventEnvelope) -> None:
    event = AgencyActivatedV1.model_validate(envelope.data)
    await _set_status(session, envelope, event.agency_id, "active")


async def on_agency_onboarding_lapsed(session: AsyncSession, envelope: EventEnvelope) -> None:
    event = AgencyOnboardingLapsedV1.model_validate(envelope.data)
    await _set_status(session, envelope, event.agency_id, "lapsed")


def subscription(settings: ServiceSettings | None = None) -> Subscription:
    handlers: dict[str, Handler] = {
        AgencyRegisteredV1.event_type: on_agency_registered,
        AgencyActivatedV1.event_type: on_agency_activated,
        AgencyOnboardingLapsedV1.event_type: on_agency_onboarding_lapsed,
    }
    if settings is not None and settings.uses_temporal:  # training's own events start its workflows
        refreshers = RefresherStarter(LazyClient(settings), settings.temporal_task_queue)
        handlers[CertificationIssuedV1.event_type] = refreshers.on_certification_issued
        handlers[CertificationStatusChangedV1.event_type] = refreshers.on_status_changed
    return Subscription(topics=(AgencyRegisteredV1.topic, CertificationIssuedV1.topic), handlers=handlers)
