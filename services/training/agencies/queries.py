"""Queries of the training service's read models."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import NotFound
from backbone.pagination import keyset_page
from services.training.agencies.models import KnownAgency


async def list_known_agencies(
    session: AsyncSession, *, limit: int, cursor: str | None, country_code: str | None, status: str | None
) -> tuple[list[KnownAgency], str | None]:
    query = select(KnownAgency)
    if country_code:
        query = query.where(KnownAgency.country_code == country_code.upper())
    if status:
        query = query.where(KnownAgency.status == status)
    return await keyset_page(
        session,
        query,
        created=KnownAgency.registered_at,
        key=KnownAgency.agency_id,
        limit=limit,
        cursor=cursor,
    )


async def get_known_agency(session: AsyncSession, *, agency_id: uuid.UUID) -> KnownAgency:
    agency = await session.get(KnownAgency, agency_id)
    if agency is None:
        raise NotFound(f"Training knows no agency with id {agency_id} (yet).", code="agency_not_found")
    return agency
