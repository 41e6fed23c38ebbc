"""HTTP routes of the finance service."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from backbone.app import SessionDep
from backbone.auth.http import CurrentPrincipal, acting_country
from backbone.pagination import Cursor, Limit, Page
from services.finance.usage import service as usage
from services.finance.usage.schemas import SummaryOut, UsageOut

router = APIRouter(tags=["facility usage"])
Country = Annotated[str | None, Query(pattern="^[A-Za-z]{2}$")]


@router.get(
    "/facility-usage",
    response_model=Page[UsageOut],
    summary="Recorded uses of shared facilities your country owns or used, oldest first",
)
async def list_usage(
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    country: Country = None,
    facility_id: uuid.UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Page[UsageOut]:
    items, next_cursor = await usage.page(
        session,
        country=country.upper() if country else None,
        facility_id=facility_id,
        since=since,
        until=until,
        limit=limit,
        cursor=cursor,
    )
    return Page[UsageOut](items=items, next_cursor=next_cursor, limit=limit)


@router.get(
    "/facility-usage/summary",
    response_model=SummaryOut,
    summary="Hours per facility kind your country hosted and used",
)
async def summary(
    session: SessionDep,
    principal: CurrentPrincipal,
    since: datetime | None = None,
    until: datetime | None = None,
) -> SummaryOut:
    country = acting_country(principal, "A summary is of the caller's country.")
    return await usage.summary(session, country=country, since=since, until=until)
