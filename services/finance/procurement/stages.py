"""What every step of a procurement shares: finding it (locked), checking its stage allows the step, and the
stage change itself: the OCDS release published for it and the event that announces it, in the step's
transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict, DomainError
from backbone.outbox import add_event
from contracts.events.finance import ContributionShareV1
from contracts.events.procurement import ProcurementStageChangedV1
from services.finance import SOURCE
from services.finance.models import KnownPartnership
from services.finance.partnerships import HANDLING, release
from services.finance.procurement import ocds, rules
from services.finance.procurement.models import (
    Procurement,
    ProcurementBid,
    ProcurementDelivery,
    ProcurementRelease,
)
from services.finance.procurement.schemas import ProcurementOut


def view(row: Procurement) -> ProcurementOut:
    return ProcurementOut.model_validate(row, from_attributes=True)


async def get(session: AsyncSession, procurement_id: uuid.UUID, *, lock: bool = False) -> Procurement:
    found = await session.get(Procurement, procurement_id, with_for_update=lock)
    if found is None:
        raise DomainError(
            f"No procurement with id {procurement_id}.", status=404, code="procurement_not_found"
        )
    return found


def require(procurement: Procurement, step: str) -> None:
    if not rules.allows(step, procurement.stage):
        allowed = ", ".join(sorted(rules.STEPS[step]))
        raise Conflict(
            f"The procurement is at stage {procurement.stage}; this step needs {allowed}.", code="wrong_stage"
        )


async def bids_of(session: AsyncSession, procurement_id: uuid.UUID) -> list[ProcurementBid]:
    rows = await session.scalars(
        select(ProcurementBid)
        .where(ProcurementBid.procurement_id == procurement_id)
        .order_by(ProcurementBid.received_at, ProcurementBid.id)
    )
    return list(rows)


async def deliveries_of(session: AsyncSession, procurement_id: uuid.UUID) -> list[ProcurementDelivery]:
    rows = await session.scalars(
        select(ProcurementDelivery)
        .where(ProcurementDelivery.procurement_id == procurement_id)
        .order_by(ProcurementDelivery.delivered_on, ProcurementDelivery.recorded_at)
    )
    return list(rows)


async def advance(
    session: AsyncSession,
    procurement: Procurement,
    partnership: KnownPartnership,
    stage: str,
    *,
    amount: int | None = None,
    shares: list[ContributionShareV1] | None = None,
    transfer_id: uuid.UUID | None = None,
) -> None:
    """Move to `stage`, publish its OCDS release and announce it."""
    previous = procurement.stage if procurement.releases else None
    now = datetime.now(UTC)
    procurement.stage, procurement.updated_at = stage, now
    sequence = procurement.releases + 1
    procurement.releases = sequence
    release_id = f"{procurement.id}-{sequence:02d}-{stage}"
    bids = await bids_of(session, procurement.id)
    document = ocds.release(
        procurement,
        partnership,
        bids,
        await deliveries_of(session, procurement.id),
        release_id=release_id,
        at=now,
    )
    session.add(
        ProcurementRelease(
            id=release_id,
            procurement_id=procurement.id,
            partnership_id=procurement.partnership_id,
            sequence=sequence,
            stage=stage,
            release=document,
            handling_code=HANDLING,
            released_at=now,
        )
    )
    winner = next((b for b in bids if b.id == procurement.awarded_bid_id), None)
    await session.flush()
    await add_event(
        session,
        ProcurementStageChangedV1(
            procurement_id=str(procurement.id),
            partnership_id=str(procurement.partnership_id),
            ocid=procurement.ocid,
            release_id=release_id,
            stage=stage,
            previous_stage=previous,
            title=procurement.title,
            currency=procurement.currency,
            amount=amount,
            supplier_name=winner.supplier_name if winner else None,
            bids=len(bids) if procurement.bids_opened_at else None,
            shares=shares or [],
            transfer_id=str(transfer_id) if transfer_id else None,
            changed_at=now,
        ),
        aggregate_id=str(procurement.id),
        source=SOURCE,
        release=release(partnership),
    )
