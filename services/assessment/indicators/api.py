"""HTTP routes of indicators: the lead defines them; a member country's national system reports measurements
(aggregates); members read."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from backbone.app import SessionDep
from backbone.auth.http import CurrentPrincipal
from backbone.idempotency import outcome_response
from services.assessment.indicators import service
from services.assessment.indicators.schemas import IndicatorIn, IndicatorOut, MeasurementIn, MeasurementOut

router = APIRouter(tags=["indicators"])


@router.post(
    "/partnerships/{partnership_id}/indicators",
    status_code=201,
    response_model=IndicatorOut,
    summary="Define an indicator of the partnership's results (the lead): unit, which way is better, baseline, "
    "target",
)
async def define(partnership_id: uuid.UUID, body: IndicatorIn, session: SessionDep) -> JSONResponse:
    return outcome_response(await service.define(session, partnership_id=partnership_id, body=body))


@router.get(
    "/partnerships/{partnership_id}/indicators",
    response_model=list[IndicatorOut],
    summary="The partnership's indicators, each with its latest measurement and progress to the target",
)
async def list_indicators(partnership_id: uuid.UUID, session: SessionDep) -> list[IndicatorOut]:
    return await service.indicators(session, partnership_id=partnership_id)


@router.post(
    "/indicators/{indicator_id}/measurements",
    status_code=201,
    response_model=MeasurementOut,
    summary="Report a measurement (a member country's national system): an aggregate for an ended period, with "
    "its source; announced as assessment.indicator_measured.v1",
)
async def report(
    indicator_id: uuid.UUID, body: MeasurementIn, session: SessionDep, principal: CurrentPrincipal
) -> JSONResponse:
    country = principal.country if principal and principal.country else ""
    reporter = principal.subject if principal else ""
    outcome = await service.report(
        session, indicator_id=indicator_id, country=country, reporter=reporter, body=body
    )
    return outcome_response(outcome)


@router.get("/indicators/{indicator_id}/measurements", response_model=list[MeasurementOut])
async def list_measurements(indicator_id: uuid.UUID, session: SessionDep) -> list[MeasurementOut]:
    return await service.measurements(session, indicator_id=indicator_id)
