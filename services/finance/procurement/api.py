"""HTTP routes of joint procurement: the lead (the procuring entity) takes each step; the tender's evaluators
declare their interests and score; members read every stage and the OCDS release package."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from backbone.app import SessionDep
from backbone.auth.http import CurrentPrincipal
from backbone.idempotency import outcome_response
from services.finance.procurement import evaluation, execution, queries, service
from services.finance.procurement.schemas import (
    BidIn,
    BidOut,
    CancellationIn,
    ContractIn,
    DeclarationIn,
    DeclarationOut,
    DeliveryIn,
    DeliveryOut,
    EvaluationOut,
    ProcurementIn,
    ProcurementOut,
    ScoreIn,
    ScoreOut,
    TenderIn,
)

router = APIRouter(tags=["procurement"])


def _evaluator(principal: CurrentPrincipal) -> evaluation.Evaluator:
    return evaluation.Evaluator(
        principal.subject if principal else "", principal.country if principal else None
    )


EvaluatorDep = Annotated[evaluation.Evaluator, Depends(_evaluator)]
OCDS_MEDIA_TYPE = "application/json"


@router.post(
    "/partnerships/{partnership_id}/procurements",
    status_code=201,
    response_model=ProcurementOut,
    summary="Record a need for joint procurement (the lead): items, estimate, currency. Stage `planning`; the "
    "same one again changes nothing",
)
async def plan(partnership_id: uuid.UUID, body: ProcurementIn, session: SessionDep) -> JSONResponse:
    return outcome_response(await service.plan(session, partnership_id=partnership_id, body=body))


@router.get("/partnerships/{partnership_id}/procurements", response_model=list[ProcurementOut])
async def list_procurements(partnership_id: uuid.UUID, session: SessionDep) -> list[ProcurementOut]:
    return await queries.procurements(session, partnership_id=partnership_id)


@router.get("/procurements/{procurement_id}", response_model=ProcurementOut)
async def get_procurement(procurement_id: uuid.UUID, session: SessionDep) -> ProcurementOut:
    return await queries.procurement(session, procurement_id=procurement_id)


@router.post(
    "/procurements/{procurement_id}/tender",
    response_model=ProcurementOut,
    summary="Publish the tender (the lead): method, the end of the bidding period, the evaluation panel "
    "(member countries' officials) and how many scores each bid needs",
)
async def tender(procurement_id: uuid.UUID, body: TenderIn, session: SessionDep) -> ProcurementOut:
    return await service.tender(session, procurement_id=procurement_id, body=body)


@router.post(
    "/procurements/{procurement_id}/bids",
    status_code=201,
    response_model=BidOut,
    summary="Record a bid received (the lead) while the tender is open: the supplier and its unit price for "
    "every item. Sealed until opened",
)
async def record_bid(procurement_id: uuid.UUID, body: BidIn, session: SessionDep) -> JSONResponse:
    return outcome_response(await service.record_bid(session, procurement_id=procurement_id, body=body))


@router.get(
    "/procurements/{procurement_id}/bids",
    response_model=list[BidOut],
    summary="The bids, once opened (409 `bids_sealed` before)",
)
async def list_bids(procurement_id: uuid.UUID, session: SessionDep) -> list[BidOut]:
    return await queries.bids(session, procurement_id=procurement_id)


@router.post(
    "/procurements/{procurement_id}/bid-opening",
    response_model=ProcurementOut,
    summary="Open the bids once the tender has closed (the lead): stage `evaluation`, or `unsuccessful` when "
    "none came",
)
async def open_bids(procurement_id: uuid.UUID, session: SessionDep) -> ProcurementOut:
    return await service.open_bids(session, procurement_id=procurement_id)


@router.post(
    "/procurements/{procurement_id}/declarations",
    status_code=201,
    response_model=DeclarationOut,
    summary="An evaluator of the panel declares its interests in the bidders, before scoring; it may not "
    "score a bid it has an interest in",
)
async def declare(
    procurement_id: uuid.UUID, body: DeclarationIn, session: SessionDep, who: EvaluatorDep
) -> JSONResponse:
    return outcome_response(
        await evaluation.declare(session, procurement_id=procurement_id, who=who, body=body)
    )


@router.post(
    "/procurements/{procurement_id}/scores",
    status_code=201,
    response_model=ScoreOut,
    summary="An evaluator of the panel scores a bid (0 to 100) with its rationale, once",
)
async def score(
    procurement_id: uuid.UUID, body: ScoreIn, session: SessionDep, who: EvaluatorDep
) -> JSONResponse:
    return outcome_response(
        await evaluation.score(session, procurement_id=procurement_id, who=who, body=body)
    )


@router.get(
    "/procurements/{procurement_id}/scores",
    response_model=list[ScoreOut],
    summary="Every score and its rationale, once the evaluation is over (409 `evaluation_running` before)",
)
async def list_scores(procurement_id: uuid.UUID, session: SessionDep) -> list[ScoreOut]:
    return await evaluation.scores(session, procurement_id=procurement_id)


@router.get(
    "/procurements/{procurement_id}/evaluation",
    response_model=EvaluationOut,
    summary="Where the evaluation stands: who declared, the bids short of scores, the ranking (its means once "
    "the evaluation is over)",
)
async def get_evaluation(procurement_id: uuid.UUID, session: SessionDep) -> EvaluationOut:
    return await evaluation.evaluation(session, procurement_id=procurement_id)


@router.post(
    "/procurements/{procurement_id}/award",
    response_model=ProcurementOut,
    summary="Award the contract (the lead) to the bid the evaluation ranks first, once every bid has its scores",
)
async def award(procurement_id: uuid.UUID, session: SessionDep) -> ProcurementOut:
    return await service.award(session, procurement_id=procurement_id)


@router.post(
    "/procurements/{procurement_id}/contract",
    response_model=ProcurementOut,
    summary="Sign the contract (the lead): its value is reserved in the ledger (a pending transfer from the "
    "shared pool) and split between the members by the contribution scale",
)
async def sign_contract(procurement_id: uuid.UUID, body: ContractIn, session: SessionDep) -> ProcurementOut:
    return await execution.sign_contract(session, procurement_id=procurement_id, body=body)


@router.post(
    "/procurements/{procurement_id}/deliveries",
    status_code=201,
    response_model=DeliveryOut,
    summary="Record a delivery (the lead): quantities of the ordered items received; never beyond the order",
)
async def record_delivery(procurement_id: uuid.UUID, body: DeliveryIn, session: SessionDep) -> JSONResponse:
    return outcome_response(
        await execution.record_delivery(session, procurement_id=procurement_id, body=body)
    )


@router.get("/procurements/{procurement_id}/deliveries", response_model=list[DeliveryOut])
async def list_deliveries(procurement_id: uuid.UUID, session: SessionDep) -> list[DeliveryOut]:
    return await execution.deliveries(session, procurement_id=procurement_id)


@router.post(
    "/procurements/{procurement_id}/payment",
    response_model=ProcurementOut,
    summary="Pay the supplier for what was delivered (the lead): the reservation is posted for that amount, the "
    "rest returns to the pool; each member's part by the contribution scale",
)
async def pay(procurement_id: uuid.UUID, session: SessionDep) -> ProcurementOut:
    return await execution.pay(session, procurement_id=procurement_id)


@router.post(
    "/procurements/{procurement_id}/cancellation",
    response_model=ProcurementOut,
    summary="Cancel the process (the lead), with its reason, any time before the contract is signed",
)
async def cancel(procurement_id: uuid.UUID, body: CancellationIn, session: SessionDep) -> ProcurementOut:
    return await service.cancel(session, procurement_id=procurement_id, body=body)


@router.get(
    "/procurements/{procurement_id}/ocds",
    summary="The process as an Open Contracting Data Standard 1.1 release package: one release per stage, "
    "validated against the standard's schema",
    responses={200: {"content": {OCDS_MEDIA_TYPE: {}}}},
)
async def ocds_package(procurement_id: uuid.UUID, request: Request, session: SessionDep) -> dict[str, Any]:
    return await queries.release_package(session, procurement_id=procurement_id, uri=str(request.url))
