"""Queries of the training service's read models."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import NotFound
from backbone.pagination import InvalidCursor, decode_cursor, encode_cursor
from services.training.models import KnownAgency


async def list_known_agencies(
    session: AsyncSession, *, limit: int, cursor: str | None, country_code: str | None, status: str | None
) -> tuple[list[KnownAgency], str | None]:
    query = select(KnownAgency).order_by(KnownAgency.registered_at, KnownAgency.agency_id).limit(limit + 1)
    if country_code:
        query = query.where(KnownAgency.country_code == country_code.upper())
    if status:
        query = query.where(KnownAgency.status == status)
    if cursor:
        registered_at, last_id = decode_cursor(cursor, arity=2)
        try:
            after, after_id = datetime.fromisoformat(registered_at), uuid.UUID(last_id)
        except (TypeError, ValueError) as exc:
            raise InvalidCursor("The cursor is not one this API issued.") from exc
        query = query.where(
            or_(
                KnownAgency.registered_at > after,
                and_(KnownAgency.registered_at == after, KnownAgency.agency_id > after_id),
            )
        )
    rows = list((await session.execute(query)).scalars())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor([rows[-1].registered_at.isoformat(), str(rows[-1].agency_id)])


async def get_known_agency(session: AsyncSession, *, agency_id: uuid.UUID) -> KnownAgency:
    agency = await session.get(KnownAgency, agency_id)
    if agency is None:
        raise NotFound(f"Training knows no agency with id {agency_id} (yet).", code="agency_not_found")
    return agency
