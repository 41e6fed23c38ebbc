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
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from backbone.app import RuntimeDep, SessionDep
from backbone.auth.http import CurrentPrincipal, WorkflowsOnly
from backbone.errors import Conflict, NotFound
from backbone.idempotency import IdempotencyKeyHeader, idempotent_request, outcome_response
from backbone.pagination import Cursor, Limit, Page
from backbone.temporal import missing_workflow_as, update_refusal
from contracts.events.commitments import CommitmentKind
from services.partners import access
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
from services.partners.renewals import RenewalHandle, start_renewal
from workflows.commitment_renewal.shared import RenewalResponse, commitment_renewal_workflow_id
from workflows.commitment_renewal.workflow import CommitmentRenewalWorkflow

router = APIRouter()

RESPONSE_REFUSALS: dict[str, tuple[int, str | None]] = {
    "renewal_not_requested": (409, None),
    "renewal_concluded": (409, None),
    "already_answered": (409, None),
    "not_the_partner": (422, "agency_id"),
}


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


async def _renewal(rt: RuntimeDep, commitment_id: uuid.UUID) -> RenewalHandle:
    client = await rt.temporal()
    return client.get_workflow_handle_for(
        CommitmentRenewalWorkflow.run, commitment_renewal_workflow_id(str(commitment_id))
    )


async def _status(handle: RenewalHandle, commitment_id: uuid.UUID) -> RenewalOut:
    with missing_workflow_as(
        NotFound(f"Commitment {commitment_id} has no renewal workflow.", code="renewal_not_found")
    ):
        return RenewalOut(workflow_id=handle.id, status=await handle.query(CommitmentRenewalWorkflow.status))


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
    handle = await start_renewal(client, task_queue=rt.settings.temporal_task_queue, commitment=commitment)
    return await _status(handle, commitment_id)


@router.get(
    "/commitments/{commitment_id}/renewal",
    response_model=RenewalOut,
    tags=["commitments"],
    responses=PROBLEMS,
    summary="Where the renewal stands: when the partner is asked, reminders, escalation, answer, outcome",
)
async def renewal_status(commitment_id: uuid.UUID, rt: RuntimeDep) -> RenewalOut:
    return await _status(await _renewal(rt, commitment_id), commitment_id)


@router.post(
    "/commitments/{commitment_id}/renewal/ask-now",
    status_code=202,
    response_model=RenewalOut,
    tags=["commitments"],
    responses=PROBLEMS,
    summary="Ask the partner now rather than at the configured time before expiry",
)
async def ask_now(commitment_id: uuid.UUID, rt: RuntimeDep) -> RenewalOut:
    handle = await _renewal(rt, commitment_id)
    with missing_workflow_as(
        NotFound(f"Commitment {commitment_id} has no running renewal.", code="renewal_not_found")
    ):
        await handle.signal(CommitmentRenewalWorkflow.ask_now)
    return await _status(handle, commitment_id)


@router.post(
    "/commitments/{commitment_id}/renewal/response",
    response_model=RenewalOut,
    tags=["commitments"],
    responses=PROBLEMS,
    summary="The partner reaffirms, revises (amount, priorities) or declines; answers with the outcome",
)
async def respond(commitment_id: uuid.UUID, body: RenewalResponse, rt: RuntimeDep) -> RenewalOut:
    handle = await _renewal(rt, commitment_id)
    try:
        await handle.execute_update(CommitmentRenewalWorkflow.respond, body)
    except WorkflowUpdateFailedError as exc:
        raise update_refusal(
            str(exc.cause),
            RESPONSE_REFUSALS,
            title="The answer cannot be accepted",
            default="response_refused",
        ) from exc
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
        # Temporal answers "not found" for a finished run too: tell the two apart for the caller.
        concluded = await _status(handle, commitment_id)
        raise Conflict(
            f"The commitment's renewal is concluded ({concluded.status.outcome}).", code="renewal_concluded"
        ) from exc
    return await _status(handle, commitment_id)


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
