"""HTTP routes of transparency: the IATI activity file and its CSV for the members, the public summary for all."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from backbone.app import RuntimeDep, SessionDep, platform_session
from services.finance.transparency import iati, queries
from services.finance.transparency.schemas import PublicSummaryOut
from services.finance.transparency.summary import public_summary

router = APIRouter(tags=["transparency"])
public_router = APIRouter(tags=["transparency"])

ReportingOrg = Annotated[
    str,
    Query(
        pattern="^[A-Za-z0-9][A-Za-z0-9-]{2,99}$",
        description="The publisher's IATI organisation identifier (prefix of the activity identifier)",
    ),
]


@router.get(
    "/partnerships/{partnership_id}/iati-activity.xml",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}}},
    summary="The partnership as an IATI 2.03 activity file (validated against the official schema): partners, "
    "adopted budgets, transactions (each `ref` a transfer id) and the results tranches were tied to",
)
async def iati_activity(
    partnership_id: uuid.UUID, session: SessionDep, reporting_org: ReportingOrg = iati.DEFAULT_REPORTING_ORG
) -> Response:
    activity = await queries.activity(session, partnership_id=partnership_id)
    document = iati.activity_file(activity, reporting_org=reporting_org)
    return Response(document, media_type="application/xml")


@router.get(
    "/partnerships/{partnership_id}/activity.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
    summary="The activity file's figures as CSV: budget lines, transactions (transfer ids), dues and payments",
)
async def activity_csv(partnership_id: uuid.UUID, session: SessionDep) -> Response:
    activity = await queries.activity(session, partnership_id=partnership_id)
    return Response(iati.activity_csv(activity), media_type="text/csv; charset=utf-8")


@public_router.get(
    "/partnerships/{partnership_id}/public-summary",
    response_model=PublicSummaryOut,
    summary="Budget against spending per period and category, and contributions per partner, for anyone, no token "
    "(handling code `public`; figures made of too few transfers are withheld, with any total revealing them)",
)
async def summary(partnership_id: uuid.UUID, rt: RuntimeDep) -> PublicSummaryOut:
    async with platform_session(
        rt
    ) as session:  # public figures of a partnership the caller may not belong to
        return public_summary(await queries.activity(session, partnership_id=partnership_id))
