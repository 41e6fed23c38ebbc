"""The public report route: anyone may read it, no token (rate-limited per address like every public route). JSON
by default; the printable HTML page for `Accept: text/html` or `?format=html`."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from backbone.app import SessionDep
from backbone.db import SYSTEM_TENANT, TENANT
from backbone.errors import DomainError
from services.assessment.reports import page, queries, rules
from services.assessment.reports.schemas import ReportOut

public_router = APIRouter(tags=["public reports"])


@public_router.get(
    "/public/partnerships/{partnership_id}/reports/{period}",
    response_model=ReportOut,
    responses={
        200: {"content": {"text/html": {}}, "description": "The report (JSON, or the printable page)"},
        404: {"description": "No such partnership (or member country) (problem+json)"},
        422: {"description": "Not a period such as 2027, 2027-H1 or 2027-Q3 (problem+json)"},
    },
    summary="A partnership's public results for a period (2027, 2027-H1, 2027-Q3): indicators coded public "
    "against their targets, aggregate assessment outcomes with small groups suppressed, curriculum revisions. "
    "`country` gives a member's local report",
)
async def public_report(
    partnership_id: uuid.UUID,
    period: str,
    request: Request,
    session: SessionDep,
    country: str | None = Query(default=None, pattern="^[A-Z]{2}$", description="A member's local report"),
    format: Literal["json", "html"] | None = Query(
        default=None, description="Default: from the Accept header"
    ),
) -> Response:
    covered = rules.period(period)
    if covered is None:
        raise DomainError(
            "A period is a year (2027), a half (2027-H1) or a quarter (2027-Q3).",
            status=422,
            code="period_invalid",
            errors=[{"field": "period", "in": "path", "code": "period_invalid", "message": "e.g. 2027-Q3"}],
        )
    TENANT.set(SYSTEM_TENANT)  # public by construction: the query reads only what it may publish
    report = await queries.report(session, partnership_id=partnership_id, period=covered, country=country)
    wants_html = format == "html" or (format is None and "text/html" in request.headers.get("accept", ""))
    if wants_html:
        return HTMLResponse(page.render(report))
    return Response(report.model_dump_json(), media_type="application/json")
