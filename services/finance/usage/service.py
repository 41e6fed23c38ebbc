"""Facility usage as finance sees it: listed, and summed per country as owner (hosting) and as user."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from backbone.pagination import keyset_page
from services.finance.models import FacilityUsage
from services.finance.usage.schemas import KindHours, SummaryOut, UsageOut


def _filtered(
    query: Select[tuple[FacilityUsage]],
    *,
    country: str | None,
    facility_id: uuid.UUID | None,
    since: datetime | None,
    until: datetime | None,
) -> Select[tuple[FacilityUsage]]:
    if country:
        query = query.where(
            (FacilityUsage.owner_country_code == country) | (FacilityUsage.booked_by_country_code == country)
        )
    if facility_id:
        query = query.where(FacilityUsage.facility_id == facility_id)
    if since:
        query = query.where(FacilityUsage.recorded_at >= since)
    if until:
        query = query.where(FacilityUsage.recorded_at < until)
    return query


async def page(
    session: AsyncSession,
    *,
    country: str | None,
    facility_id: uuid.UUID | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[UsageOut], str | None]:
    async with session.begin():
        query = _filtered(
            select(FacilityUsage), country=country, facility_id=facility_id, since=since, until=until
        )
        rows, next_cursor = await keyset_page(
            session,
            query,
            created=FacilityUsage.recorded_at,
            key=FacilityUsage.booking_id,
            limit=limit,
            cursor=cursor,
        )
        return [UsageOut.model_validate(r) for r in rows], next_cursor


async def summary(
    session: AsyncSession, *, country: str, since: datetime | None, until: datetime | None
) -> SummaryOut:
    async def per_kind(side: InstrumentedAttribute[str]) -> list[KindHours]:
        query = select(FacilityUsage.kind, func.sum(FacilityUsage.hours), func.count()).where(side == country)
        if since:
            query = query.where(FacilityUsage.recorded_at >= since)
        if until:
            query = query.where(FacilityUsage.recorded_at < until)
        rows = await session.execute(query.group_by(FacilityUsage.kind).order_by(FacilityUsage.kind))
        return [KindHours(kind=k, hours=h, bookings=n) for k, h, n in rows.tuples()]

    async with session.begin():
        return SummaryOut(
            country_code=country,
            hosted=await per_kind(FacilityUsage.owner_country_code),
            used=await per_kind(FacilityUsage.booked_by_country_code),
        )
