"""Starting a commitment's renewal workflow: once per commitment, whoever asks and however often.

The partners consumer starts it when a commitment is announced (so a commitment committed to the database is
never left without its renewal, even if the API process dies right after the commit); operators can start it
through the API too. The workflow id is derived from the commitment, a running one is reused and a finished
one is never started again, so a redelivered event or a repeated request does nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from contracts.envelope import EventEnvelope
from contracts.events.commitments import CommitmentRegisteredV1
from services.partners.commitments.schemas import CommitmentOut
from services.partners.commitments.service import get_commitment
from workflows.commitment_renewal.shared import (
    CommitmentRenewalInput,
    CommitmentRenewalStatus,
    commitment_renewal_workflow_id,
)
from workflows.commitment_renewal.workflow import CommitmentRenewalWorkflow

RenewalHandle = WorkflowHandle[CommitmentRenewalWorkflow, CommitmentRenewalStatus]


async def start_renewal(client: Client, *, task_queue: str, commitment: CommitmentOut) -> RenewalHandle:
    workflow_id = commitment_renewal_workflow_id(str(commitment.id))
    try:
        return await client.start_workflow(
            CommitmentRenewalWorkflow.run,
            CommitmentRenewalInput(
                commitment_id=str(commitment.id),
                partnership_id=str(commitment.partnership_id),
                agency_id=str(commitment.agency_id),
                expires_at=commitment.expires_at,
                timers=commitment.renewal_timers,
            ),
            id=workflow_id,
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            # Lives until the commitment expires; the bound only stops a forgotten one from running forever.
            execution_timeout=(commitment.expires_at - commitment.registered_at) + timedelta(days=365),
        )
    except WorkflowAlreadyStartedError:  # it ran and finished: the renewal is concluded
        return client.get_workflow_handle_for(CommitmentRenewalWorkflow.run, workflow_id)


class RenewalStarter:
    """The consumer's reaction to a new commitment."""

    def __init__(self, client: Callable[[], Awaitable[Client]], task_queue: str) -> None:
        self.client = client
        self.task_queue = task_queue

    async def on_commitment_registered(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        event = CommitmentRegisteredV1.model_validate(envelope.data)
        commitment = await get_commitment(session, commitment_id=uuid.UUID(event.commitment_id))
        if commitment.status in ("active", "renewal_pending"):
            await start_renewal(await self.client(), task_queue=self.task_queue, commitment=commitment)
