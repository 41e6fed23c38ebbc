"""Capacity profiles: what an agency can do per competency against the agreed target, with history."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.audit import record_read
from backbone.idempotency import IdempotentRequest, Outcome, answer_once
from backbone.outbox import add_event
from backbone.pagination import InvalidCursor, decode_cursor, encode_cursor, keyset_page_by
from contracts.events.partners import CapacityProfileRecordedV1
from services.partners import SOURCE
from services.partners.agencies.service import get_agency
from services.partners.capacity.schemas import CapacityProfileIn, CapacityProfileOut
from services.partners.handling.audiences import handling_countries, of_capacity_profile
from services.partners.models import CapacityProfile, PartnershipMember


async def record_capacity_profile(
    session: AsyncSession,
    *,
    agency_id: uuid.UUID,
    profile: CapacityProfileIn,
    idempotency: IdempotentRequest | None,
) -> Outcome:
    async with session.begin():
        return await answer_once(session, idempotency, lambda: _record(session, agency_id, profile))


async def _record(session: AsyncSession, agency_id: uuid.UUID, profile: CapacityProfileIn) -> Outcome:
    agency = await get_agency(session, agency_id=agency_id)
    row = CapacityProfile(
        id=uuid.uuid4(),
        agency_id=agency.id,
        competency=profile.competency,
        current_level=profile.current_level,
        target_level=profile.target_level,
        note=profile.note,
        recorded_at=datetime.now(UTC),
        handling_code=profile.handling_code,
        handling_countries=handling_countries(profile.handling_code),
    )
    session.add(row)
    await session.flush()
    view = CapacityProfileOut.model_validate(row)
    await add_event(
        session,
        CapacityProfileRecordedV1(
            agency_id=str(agency.id),
            country_code=agency.country_code,
            competency=row.competency,
            current_level=row.current_level,
            target_level=row.target_level,
            gap=view.gap,
            recorded_at=row.recorded_at,
        ),
        aggregate_id=str(agency.id),
        source=SOURCE,
        release=await of_capacity_profile(session, row, agency.country_code),
    )
    return Outcome(201, view.model_dump(mode="json"))


async def capacity_profiles(
    session: AsyncSession, *, agency_id: uuid.UUID, history: bool, limit: int, cursor: str | None
) -> tuple[list[CapacityProfileOut], str | None]:
    """The current profile per competency (by competency), or every recorded profile (newest first), as far as
    the caller's country may see them (row-level security applies the handling codes); the read is audited per
    code."""
    async with session.begin():
        agency = await get_agency(session, agency_id=agency_id)
        mine = select(CapacityProfile).where(CapacityProfile.agency_id == agency_id)
        if history:
            profiles, next_cursor = await keyset_page_by(
                session,
                mine,
                order=CapacityProfile.recorded_at,
                position=lambda profile: profile.recorded_at,
                key=CapacityProfile.id,
                limit=limit,
                cursor=cursor,
                newest_first=True,
            )
        else:
            profiles, next_cursor = await _current_profiles(session, mine, limit=limit, cursor=cursor)
        for code in sorted({p.handling_code for p in profiles}):
            await record_read(
                session,
                object_type="capacity_profile",
                object_ids=[str(p.id) for p in profiles if p.handling_code == code],
                handling=code,
                tenant=agency.country_code,
            )
        return [CapacityProfileOut.model_validate(r) for r in profiles], next_cursor


async def _current_profiles(
    session: AsyncSession, mine: Select[Any], *, limit: int, cursor: str | None
) -> tuple[list[CapacityProfile], str | None]:
    """The newest profile of each competency, a page of competencies at a time (the cursor names the last)."""
    current = mine.distinct(CapacityProfile.competency).order_by(
        CapacityProfile.competency, CapacityProfile.recorded_at.desc()
    )
    if cursor:
        (after,) = decode_cursor(cursor, arity=1)
        if not isinstance(after, str):
            raise InvalidCursor()
        current = current.where(CapacityProfile.competency > after)
    profiles = list(await session.scalars(current.limit(limit + 1)))
    if len(profiles) <= limit:
        return profiles, None
    return profiles[:limit], encode_cursor([profiles[limit - 1].competency])


async def partnerships_with_every_agency_mapped(
    session: AsyncSession, *, agency_id: uuid.UUID
) -> list[uuid.UUID]:
    """Partnerships of this agency in which every voting member agency now has a capacity profile."""
    mapped = []
    for partnership_id in list(
        await session.scalars(
            select(PartnershipMember.partnership_id).where(PartnershipMember.agency_id == agency_id)
        )
    ):
        unmapped = await session.scalar(
            select(func.count())
            .select_from(PartnershipMember)
            .where(
                PartnershipMember.partnership_id == partnership_id,
                PartnershipMember.role != "observer",
                ~select(CapacityProfile.id)
                .where(CapacityProfile.agency_id == PartnershipMember.agency_id)
                .exists(),
            )
        )
        if unmapped == 0:
            mapped.append(partnership_id)
    return mapped
