"""HTTP routes of commitments and their renewal.

A partner answers a renewal through the CommitmentRenewalWorkflow's Update: its validator refuses at once an
answer before the question, from another agency, a second answer or one after the conclusion, and an accepted
answer returns the conclusion (renewed, renegotiated or lapsed) once the workflow has recorded it.
The `/internal/...` routes are the workflow's activities' only.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from backbone.app import RuntimeDep, SessionDep
from backbone.auth.http import CurrentPrincipal, WorkflowsOnly
from backbone.idempotency import IdempotencyKeyHeader, idempotent_request, outcome_response
from backbone.pagination import Cursor, Limit, Page
from contracts.events.commitments import CommitmentKind
from services.partners import access, processes
from services.partners.commitments import service as commitments
from services.partners.commitments.schemas import (
    CommitmentIn,
    CommitmentOut,
    CommitmentStatus,
    RenewalConclusionIn,
    RenewalNoticeIn,
    RenewalNoticeOut,
    RenewalOut,
    RenewalRequestIn,
)
from services.partners.policy import NATIONAL
from services.partners.problems import PROBLEMS
from workflows.commitment_renewal.shared import RenewalResponse

router = APIRouter()


@router.post(
    "/partnerships/{partnership_id}/commitments",
    status_code=201,
    response_model=CommitmentOut,
    tags=["commitments"],
    responses=PROBLEMS,
    summary="Record a member agency's pledge (money, instructors, facility time or seats) for a period",
)
async def register_commitment(
    partnership_id: uuid.UUID,
    body: CommitmentIn,
    session: SessionDep,
    rt: RuntimeDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    # A country's national coordination unit signs its own agencies' commitments.
    await access.require_acting_for_agency(rt, principal, body.agency_id, roles=NATIONAL, field="agency_id")
    idem = idempotent_request(
        f"partners.register_commitment:{partnership_id}", idempotency_key, body.model_dump(mode="json")
    )
    return outcome_response(
        await commitments.register_commitment(
            session, partnership_id=partnership_id, pledge=body, idempotency=idem
        )
    )


@router.get(
    "/partnerships/{partnership_id}/commitments",
    response_model=Page[CommitmentOut],
    tags=["commitments"],
    responses=PROBLEMS,
)
async def list_commitments(
    partnership_id: uuid.UUID,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: CommitmentStatus | None = None,
    kind: CommitmentKind | None = None,
    agency_id: uuid.UUID | None = None,
    country: Annotated[str | None, Query(pattern="^[A-Za-z]{2}$")] = None,
) -> Page[CommitmentOut]:
    items, next_cursor = await commitments.list_commitments(
        session,
        partnership_id=partnership_id,
        limit=limit,
        cursor=cursor,
        status=status,
        kind=kind,
        agency_id=agency_id,
        country_code=country,
    )
    return Page[CommitmentOut](items=items, next_cursor=next_cursor, limit=limit)


@router.get(
    "/commitments/{commitment_id}", response_model=CommitmentOut, tags=["commitments"], responses=PROBLEMS
)
async def get_commitment(commitment_id: uuid.UUID, session: SessionDep) -> CommitmentOut:
    return await commitments.get_commitment(session, commitment_id=commitment_id)


@router.post(
    "/commitments/{commitment_id}/renewal",
    status_code=202,
    response_model=RenewalOut,
    tags=["commitments"],
    responses=PROBLEMS,
    summary="Start the commitment's renewal (normally started on registration; starting it again does nothing)",
)
async def start(commitment_id: uuid.UUID, session: SessionDep, rt: RuntimeDep) -> RenewalOut:
    commitment = await commitments.get_commitment(session, commitment_id=commitment_id)
    await session.close()
    client = await rt.temporal()
    handle = await processes.start_renewal(
        client, task_queue=rt.settings.temporal_task_queue, commitment=commitment
    )
    return RenewalOut(
        workflow_id=handle.id, status=await processes.renewal_status(handle, str(commitment_id))
    )


@router.get(
    "/commitments/{commitment_id}/renewal",
    response_model=RenewalOut,
    tags=["commitments"],
    responses=PROBLEMS,
    summary="Where the renewal stands: when the partner is asked, reminders, escalation, answer, outcome",
)
async def renewal_status(commitment_id: uuid.UUID, rt: RuntimeDep) -> RenewalOut:
    workflow_id, status = await processes.renewal_of(await rt.temporal(), str(commitment_id))
    return RenewalOut(workflow_id=workflow_id, status=status)


@router.post(
    "/commitments/{commitment_id}/renewal/ask-now",
    status_code=202,
    response_model=RenewalOut,
    tags=["commitments"],
    responses=PROBLEMS,
    summary="Ask the partner now rather than at the configured time before expiry",
)
async def ask_now(commitment_id: uuid.UUID, rt: RuntimeDep) -> RenewalOut:
    workflow_id, status = await processes.ask_renewal_now(await rt.temporal(), str(commitment_id))
    return RenewalOut(workflow_id=workflow_id, status=status)


@router.post(
    "/commitments/{commitment_id}/renewal/response",
    response_model=RenewalOut,
    tags=["commitments"],
    responses=PROBLEMS,
    summary="The partner reaffirms, revises (amount, priorities) or declines; answers with the outcome",
)
async def respond(commitment_id: uuid.UUID, body: RenewalResponse, rt: RuntimeDep) -> RenewalOut:
    workflow_id, status = await processes.respond_to_renewal(await rt.temporal(), str(commitment_id), body)
    return RenewalOut(workflow_id=workflow_id, status=status)


@router.post(
    "/internal/commitments/{commitment_id}/renewal-request",
    dependencies=[WorkflowsOnly],
    response_model=CommitmentOut,
    tags=["internal"],
    responses=PROBLEMS,
    summary="Record that the partner was asked to reaffirm (the renewal workflow's activity only)",
)
async def record_renewal_request(
    commitment_id: uuid.UUID,
    body: RenewalRequestIn,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    idem = idempotent_request(
        f"partners.renewal_request:{commitment_id}", idempotency_key, body.model_dump(mode="json")
    )
    return outcome_response(
        await commitments.request_renewal(
            session, commitment_id=commitment_id, request=body, idempotency=idem
        )
    )


@router.post(
    "/internal/commitments/{commitment_id}/renewal-notices",
    dependencies=[WorkflowsOnly],
    response_model=RenewalNoticeOut,
    tags=["internal"],
    responses=PROBLEMS,
    summary="Remind the partner or alert the oversight body (the renewal workflow's activity only)",
)
async def record_renewal_notice(
    commitment_id: uuid.UUID,
    body: RenewalNoticeIn,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    idem = idempotent_request(
        f"partners.renewal_notice:{commitment_id}", idempotency_key, body.model_dump(mode="json")
    )
    return outcome_response(
        await commitments.send_renewal_notice(
            session, commitment_id=commitment_id, notice=body, idempotency=idem
        )
    )


@router.post(
    "/internal/commitments/{commitment_id}/renewal-conclusion",
    dependencies=[WorkflowsOnly],
    response_model=CommitmentOut,
    tags=["internal"],
    responses=PROBLEMS,
    summary="Record the renewal's outcome and the successor commitment (the renewal workflow's activity only)",
)
async def record_renewal_conclusion(
    commitment_id: uuid.UUID,
    body: RenewalConclusionIn,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    idem = idempotent_request(
        f"partners.renewal_conclusion:{commitment_id}", idempotency_key, body.model_dump(mode="json")
    )
    return outcome_response(
        await commitments.conclude_renewal(
            session, commitment_id=commitment_id, conclusion=body, idempotency=idem
        )
    )
