"""Measurements national systems report on their inbound topics (the other channel besides the API). The sender
and its country come from the topic (stamped by the consumer), never from the event; the event is checked as the
API checks a request: the partnership's indicator, a member country, an ended period, an id not reused. One that
can never be accepted is dead-lettered with the reason (the records behind it go on); a partnership not known yet
is retried (partners' event may still be on its way), then dead-lettered for a replay."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.consumer import PermanentError
from backbone.errors import DomainError
from contracts.envelope import EventEnvelope
from contracts.events.national import IndicatorMeasurementReportedV1
from services.assessment.indicators import service
from services.assessment.indicators.models import Indicator
from services.assessment.indicators.schemas import MeasurementIn
from services.assessment.models import KnownPartnership


class PartnershipNotKnownYet(Exception):
    """Retried: the partners service's announcement may not have been consumed yet."""


async def on_measurement_reported(session: AsyncSession, envelope: EventEnvelope) -> None:
    event = IndicatorMeasurementReportedV1.model_validate(envelope.data)
    country, sender = envelope.extensions["sendercountry"], envelope.extensions["sender"]
    body = MeasurementIn(
        id=uuid.UUID(event.measurement_id),
        value=event.value,
        period_start=event.period_start,
        period_end=event.period_end,
        source=event.source,
    )
    partnership = await session.get(KnownPartnership, uuid.UUID(event.partnership_id))
    if partnership is None:
        raise PartnershipNotKnownYet(event.partnership_id)
    if country not in partnership.member_countries:
        raise PermanentError(f"{sender} reports for {country}, not a member of {event.partnership_id}")
    indicator = await session.scalar(
        select(Indicator).where(
            Indicator.partnership_id == partnership.partnership_id, Indicator.code == event.indicator
        )
    )
    if indicator is None:
        raise PermanentError(f"partnership {event.partnership_id} has no indicator {event.indicator}")
    try:
        await service.record(session, indicator, country=country, reporter=f"national:{sender}", body=body)
    except DomainError as refused:
        raise PermanentError(f"{refused.code}: {refused}") from refused
