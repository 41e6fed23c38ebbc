"""HTTP routes of exchange visits: no queries here, only use cases."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from backbone.app import RuntimeDep, SessionDep
from backbone.auth.http import CurrentPrincipal
from backbone.idempotency import IdempotencyKeyHeader, idempotent_request, outcome_response
from services.training.exchanges import service as exchanges
from services.training.exchanges.schemas import ExchangeIn, ExchangeOut
from services.training.facilities.api import PROBLEMS, acting_for_agency, known_country

router = APIRouter()


@router.post(
    "/exchanges",
    status_code=201,
    response_model=ExchangeOut,
    tags=["exchanges"],
    responses=PROBLEMS,
    summary="The sending country plans an officer's exchange visit or hub rotation abroad",
)
async def plan_exchange(
    body: ExchangeIn,
    session: SessionDep,
    rt: RuntimeDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    officer_country = await acting_for_agency(rt, principal, body.officer_agency_id, "officer_agency_id")
    host_country = await known_country(rt, body.host_agency_id, "host_agency_id", not_country=officer_country)
    idem = idempotent_request("training.plan_exchange", idempotency_key, body.model_dump(mode="json"))
    return outcome_response(
        await exchanges.plan(
            session,
            exchange=body,
            officer_country=officer_country,
            host_country=host_country,
            idempotency=idem,
        )
    )


@router.get("/exchanges/{exchange_id}", response_model=ExchangeOut, tags=["exchanges"], responses=PROBLEMS)
async def get_exchange(exchange_id: uuid.UUID, session: SessionDep) -> ExchangeOut:
    async with session.begin():
        return ExchangeOut.model_validate(await exchanges.get(session, exchange_id=exchange_id))


@router.post(
    "/exchanges/{exchange_id}/completion",
    response_model=ExchangeOut,
    tags=["exchanges"],
    responses=PROBLEMS,
    summary="The officer is back: announced once to the partners service's reciprocity ledger",
)
async def complete_exchange(exchange_id: uuid.UUID, session: SessionDep) -> ExchangeOut:
    return await exchanges.complete(session, exchange_id=exchange_id)
