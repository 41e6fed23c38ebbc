"""An originator widens or narrows who may see one of its records: recorded, audited and announced."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.auth.principal import CALLER
from backbone.errors import NotFound
from backbone.outbox import add_event
from contracts.events.partners import HandlingChangedV1
from rules.releasability import Release
from services.partners import SOURCE
from services.partners.handling.audiences import (
    RecordKind,
    handling_countries,
    of_capacity_profile,
    of_dispute,
)
from services.partners.models import Agency, CapacityProfile, Dispute, HandlingChange


async def change_handling(
    session: AsyncSession, *, kind: RecordKind, object_id: uuid.UUID, new_code: str, reason: str
) -> dict[str, str]:
    """The originator re-codes a record; the change is kept in `handling_changes` and announced, in one
    transaction."""
    async with session.begin():
        record, before = await _locked(session, kind, object_id)
        previous = record.handling_code
        record.handling_code, record.handling_countries = new_code, handling_countries(new_code)
        after = await _release(session, kind, record)
        now = datetime.now(UTC)
        session.add(
            HandlingChange(
                id=uuid.uuid4(),
                object_type=kind,
                object_id=object_id,
                originator_country_code=before.originator,
                previous_code=previous,
                new_code=new_code,
                reason=reason,
                changed_by=CALLER.get() or "anonymous",
                changed_at=now,
            )
        )
        await session.flush()
        # Announced to whoever could see the record before or can now: a country losing sight of it learns so.
        announced = Release(after.code, after.originator, after.audience.union(before.audience))
        if isinstance(record, Dispute):
            partnership, agency = str(record.partnership_id), None
        else:
            partnership, agency = None, str(record.agency_id)
        await add_event(
            session,
            HandlingChangedV1(
                object_type=kind,
                object_id=str(object_id),
                partnership_id=partnership,
                agency_id=agency,
                originator_country_code=before.originator,
                previous_code=previous,
                new_code=new_code,
                reason=reason,
                changed_at=now,
            ),
            aggregate_id=str(object_id),
            source=SOURCE,
            release=announced,
        )
        return {
            "object_type": kind,
            "object_id": str(object_id),
            "previous_code": previous,
            "handling_code": new_code,
        }


async def _locked(
    session: AsyncSession, kind: RecordKind, object_id: uuid.UUID
) -> tuple[Dispute | CapacityProfile, Release]:
    record: Dispute | CapacityProfile | None
    if kind == "dispute":
        record = await session.get(Dispute, object_id, with_for_update=True)
    else:
        record = await session.get(CapacityProfile, object_id, with_for_update=True)
    if record is None:
        raise NotFound(f"No {kind.replace('_', ' ')} with id {object_id}.", code=f"{kind}_not_found")
    return record, await _release(session, kind, record)


async def _release(session: AsyncSession, kind: RecordKind, record: Dispute | CapacityProfile) -> Release:
    if isinstance(record, Dispute):
        return await of_dispute(session, record)
    country = await session.scalar(select(Agency.country_code).where(Agency.id == record.agency_id))
    return await of_capacity_profile(session, record, country or "")
