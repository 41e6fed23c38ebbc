"""Refreshers of certifications: what CertificationRefresherWorkflow asks training to do, and starting it.

The training consumer starts one workflow per certification when its issue is announced (so a certification
committed to the database always gets its refresher, even if the API died right after the commit). The id comes
from the certification, a running one is reused and a finished one never started again: redelivery does nothing.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from backbone.errors import Conflict, NotFound
from backbone.idempotency import IdempotentRequest, Outcome, answer_once
from backbone.outbox import add_event
from contracts.envelope import EventEnvelope
from contracts.events.training import (
    CertificationExpiredV1,
    CertificationIssuedV1,
    CertificationRefresherStepV1,
    CertificationRenewedV1,
    CertificationStatusChangedV1,
)
from services.training.certifications.rules import expiry
from services.training.certifications.service import release_of
from services.training.facilities.service import SOURCE
from services.training.models import Certification
from services.training.recognition import service as recognition
from workflows.certification_refresher.shared import RefresherInput, refresher_workflow_id
from workflows.certification_refresher.workflow import CertificationRefresherWorkflow


async def _locked(session: AsyncSession, certification_id: uuid.UUID) -> Certification:
    certification = await session.get(Certification, certification_id, with_for_update=True)
    if certification is None:
        raise NotFound(f"No certification with id {certification_id}.", code="certification_not_found")
    return certification


async def take_step(
    session: AsyncSession,
    *,
    certification_id: uuid.UUID,
    kind: Literal["reminder", "enrolment"],
    idempotency: IdempotentRequest | None,
) -> Outcome:
    async def step() -> Outcome:
        certification = await _locked(session, certification_id)
        now = datetime.now(UTC)
        if kind == "reminder":
            certification.reminded_at, certification.refresher_state = now, "reminded"
        else:
            certification.enrolled_at, certification.refresher_state = now, "enrolled"
        await session.flush()
        await add_event(
            session,
            CertificationRefresherStepV1(
                certification_id=str(certification.id),
                country_code=certification.country_code,
                step=kind,
                expires_at=certification.expires_at,
                taken_at=now,
            ),
            aggregate_id=str(certification.id),
            source=SOURCE,
            release=release_of(certification),
        )
        return Outcome(200, {"refresher_state": certification.refresher_state})

    async with session.begin():
        return await answer_once(session, idempotency, step)


async def renew(
    session: AsyncSession,
    *,
    certification_id: uuid.UUID,
    completed_on: date,
    idempotency: IdempotentRequest | None,
) -> Outcome:
    """Another validity period, counted from the refresher's completion."""

    async def extend() -> Outcome:
        certification = await _locked(session, certification_id)
        if certification.status == "revoked":
            raise Conflict("A revoked certification is not renewed.", code="certification_revoked")
        certification.expires_on, certification.expires_at = expiry(
            completed_on, validity_months=certification.validity_months, time_zone=certification.time_zone
        )
        certification.refresher_state, certification.renewals = "none", certification.renewals + 1
        await session.flush()
        await add_event(
            session,
            CertificationRenewedV1(
                certification_id=str(certification.id),
                country_code=certification.country_code,
                refresher_completed_on=completed_on,
                expires_on=certification.expires_on,
                expires_at=certification.expires_at,
            ),
            aggregate_id=str(certification.id),
            source=SOURCE,
            release=release_of(certification),
        )
        return Outcome(
            200,
            {
                "expires_on": certification.expires_on.isoformat(),
                "expires_at": certification.expires_at.isoformat(),
            },
        )

    async with session.begin():
        return await answer_once(session, idempotency, extend)


async def expire(
    session: AsyncSession, *, certification_id: uuid.UUID, idempotency: IdempotentRequest | None
) -> Outcome:
    async def lapse() -> Outcome:
        certification = await _locked(session, certification_id)
        now = datetime.now(UTC)
        if certification.expired_at is None:
            certification.expired_at = now
            await session.flush()
            await add_event(
                session,
                CertificationExpiredV1(
                    certification_id=str(certification.id),
                    country_code=certification.country_code,
                    expired_at=now,
                ),
                aggregate_id=str(certification.id),
                source=SOURCE,
                release=release_of(certification),
            )
            await recognition.revoke_for_certification(session, certification.id, "certification_expired")
        return Outcome(200, {"status": "expired"})

    async with session.begin():
        return await answer_once(session, idempotency, lapse)


async def start_refresher(client: Client, *, task_queue: str, event: CertificationIssuedV1) -> None:
    workflow_id = refresher_workflow_id(event.certification_id)
    with contextlib.suppress(WorkflowAlreadyStartedError):  # it ran and finished: nothing more to do
        await client.start_workflow(
            CertificationRefresherWorkflow.run,
            RefresherInput(certification_id=event.certification_id, expires_at=event.expires_at),
            id=workflow_id,
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )


class RefresherStarter:
    """The training consumer's reactions: start a refresher for a new certification, end it on revocation."""

    def __init__(self, client: Callable[[], Awaitable[Client]], task_queue: str) -> None:
        self.client = client
        self.task_queue = task_queue

    async def on_certification_issued(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        event = CertificationIssuedV1.model_validate(envelope.data)
        if event.expires_at > datetime.now(UTC) - timedelta(days=1):
            await start_refresher(await self.client(), task_queue=self.task_queue, event=event)

    async def on_status_changed(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        event = CertificationStatusChangedV1.model_validate(envelope.data)
        if event.status != "revoked":
            return
        handle = (await self.client()).get_workflow_handle(refresher_workflow_id(event.certification_id))
        try:
            await handle.signal(CertificationRefresherWorkflow.end)
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:  # already finished: nothing to end
                raise
