"""HTTP routes of learning records: xAPI statements in, progress and analytics out."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body
from pydantic import Field

from backbone.app import RuntimeDep, SessionDep, platform_session
from backbone.auth.http import CurrentPrincipal, Forbidden, acting_country
from backbone.pagination import Cursor, Limit, Page
from services.training.facilities.api import PROBLEMS
from services.training.learning import queries as analytics
from services.training.learning import service as progress
from services.training.learning.schemas import CohortAnalytics, PartnershipAnalytics, ProgressOut, Statement

router = APIRouter(tags=["learning"])
Statements = Annotated[list[Statement], Field(min_length=1, max_length=100)]


def viewer_country(principal: CurrentPrincipal) -> str:
    return acting_country(principal, "Analytics are read by a country.")


@router.post(
    "/xapi/statements",
    response_model=list[str],
    responses=PROBLEMS,
    summary="A learning platform reports attendance and progress (one xAPI statement or up to 100)",
    description="Each statement's object is `urn:training-backbone:cohort:<cohort id>:module:<module code>` and "
    "its actor `{account: {homePage, name: <trainee id>}}`, an enrolled trainee of the caller's country (the "
    "organiser's platform reports for every country). All are stored or none; a repeated statement id with the "
    "same content is stored once. Answers the statement ids.",
)
async def post_statements(
    session: SessionDep,
    principal: CurrentPrincipal,
    body: Annotated[Statement | Statements, Body()],
) -> list[str]:
    if principal is None or principal.country is None:
        raise Forbidden("Statements are reported by a platform acting for a country.")
    batch = isinstance(body, list)
    return await progress.record(
        session,
        statements=body if isinstance(body, list) else [body],
        caller_country=principal.country,
        author=principal.subject,
        batch=batch,
    )


@router.get(
    "/nominations/{nomination_id}/progress",
    response_model=Page[ProgressOut],
    responses=PROBLEMS,
    summary="An enrolled trainee's progress per module",
)
async def get_progress(
    nomination_id: uuid.UUID, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[ProgressOut]:
    rows, next_cursor = await progress.trainee_progress(
        session, nomination_id=nomination_id, limit=limit, cursor=cursor
    )
    return Page[ProgressOut](
        items=[ProgressOut.model_validate(p) for p in rows], next_cursor=next_cursor, limit=limit
    )


@router.get(
    "/cohorts/{cohort_id}/analytics",
    response_model=CohortAnalytics,
    responses=PROBLEMS,
    summary="Completion, time and scores of a cohort, per module and per country (aggregates only)",
)
async def cohort_analytics(
    cohort_id: uuid.UUID, rt: RuntimeDep, principal: CurrentPrincipal
) -> CohortAnalytics:
    async with platform_session(rt) as session:
        return await analytics.of_cohort(session, cohort_id=cohort_id, viewer=viewer_country(principal))


@router.get(
    "/partnerships/{partnership_id}/analytics",
    response_model=PartnershipAnalytics,
    responses=PROBLEMS,
    summary="Per partner country, across the partnership's cohorts: nominations, enrollment, completion, scores",
)
async def partnership_analytics(
    partnership_id: uuid.UUID, rt: RuntimeDep, principal: CurrentPrincipal
) -> PartnershipAnalytics:
    async with platform_session(rt) as session:
        return await analytics.of_partnership(
            session, partnership_id=partnership_id, viewer=viewer_country(principal)
        )
