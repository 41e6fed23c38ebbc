"""What finance's consumer does for funding tranches: start each tranche's workflow from its planning event, and
pass it what it waits for (indicator measurements from assessment, extensions asked and decided) as signals.
Each handler reads the tranche's row, so events read late or twice still tell the workflow the current truth."""

from __future__ import annotations

import uuid

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.settings import ServiceSettings
from backbone.temporal import LazyClient
from contracts.envelope import EventEnvelope
from contracts.events.assessment import IndicatorMeasuredV1
from contracts.events.finance import TrancheExtensionDecidedV1, TrancheExtensionRequestedV1, TranchePlannedV1
from services.finance import processes
from services.finance.models import FundingTranche
from services.finance.tranches.service import get_tranche
from workflows.funding_tranche.shared import ExtensionAsked, ExtensionDecided, Measurement

OPEN = ("planned", "reserved")


class TrancheReactions:
    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.client = LazyClient(settings)

    async def _tell(
        self, tranche: FundingTranche, signal: str | None = None, arg: BaseModel | None = None
    ) -> None:
        await processes.tranche(
            await self.client(),
            tranche,
            task_queue=self.settings.temporal_task_queue,
            signal=signal,
            arg=arg,
        )

    async def on_planned(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        event = TranchePlannedV1.model_validate(envelope.data)
        tranche = await get_tranche(session, uuid.UUID(event.tranche_id))
        if tranche.status in OPEN:
            await self._tell(tranche)

    async def on_indicator_measured(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        """Every open tranche of the partnership gated by this indicator is told (the workflow judges it)."""
        event = IndicatorMeasuredV1.model_validate(envelope.data)
        gated = await session.scalars(
            select(FundingTranche).where(
                FundingTranche.partnership_id == uuid.UUID(event.partnership_id),
                FundingTranche.indicator == event.indicator,
                FundingTranche.status.in_(OPEN),
            )
        )
        measurement = Measurement(
            measurement_id=event.measurement_id,
            indicator=event.indicator,
            value=event.value,
            measured_at=event.measured_at,
        )
        for tranche in gated:
            await self._tell(tranche, "measured", measurement)

    async def on_extension_requested(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        event = TrancheExtensionRequestedV1.model_validate(envelope.data)
        tranche = await get_tranche(session, uuid.UUID(event.tranche_id))
        if tranche.status in OPEN:
            asked = ExtensionAsked(
                extension_id=event.extension_id, deadline=event.requested_deadline, decide_by=event.decide_by
            )
            await self._tell(tranche, "extension_asked", asked)

    async def on_extension_decided(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        event = TrancheExtensionDecidedV1.model_validate(envelope.data)
        tranche = await get_tranche(session, uuid.UUID(event.tranche_id))
        if tranche.status in OPEN:
            decided = ExtensionDecided(extension_id=event.extension_id, granted=event.granted)
            await self._tell(tranche, "extension_decided", decided)
