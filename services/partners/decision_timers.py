"""Timekeeping for decisions no other workflow owns: a DecisionDeadlineWorkflow per budget, curriculum or
dispute-resolution decision, started when the decision's opening is announced and told when it closes.

Phase gates are timed by their onboarding workflow and are left alone here. Starting is idempotent (the
workflow id is the decision's, a finished one is never started again), so redelivered events change nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from contracts.envelope import EventEnvelope
from contracts.events.partners import DecisionClosedV1, DecisionOpenedV1
from workflows.decision_deadline.shared import DecisionDeadlineInput, decision_deadline_workflow_id
from workflows.decision_deadline.workflow import DecisionDeadlineWorkflow

TIMED_HERE = frozenset({"budget", "curriculum_approval", "dispute_resolution"})


class DecisionTimers:
    def __init__(self, client: Callable[[], Awaitable[Client]], task_queue: str) -> None:
        self.client = client
        self.task_queue = task_queue

    async def on_decision_opened(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        event = DecisionOpenedV1.model_validate(envelope.data)
        if event.kind not in TIMED_HERE:
            return
        # A finished run (WorkflowAlreadyStartedError) means this is a redelivery: nothing to do.
        with contextlib.suppress(WorkflowAlreadyStartedError):
            await (await self.client()).start_workflow(
                DecisionDeadlineWorkflow.run,
                DecisionDeadlineInput(
                    decision_id=event.decision_id,
                    partnership_id=event.partnership_id,
                    opened_at=event.opened_at,
                    due_at=event.due_at,
                ),
                id=decision_deadline_workflow_id(event.decision_id),
                task_queue=self.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                execution_timeout=(event.due_at - event.opened_at) + timedelta(days=30),
            )

    async def on_decision_closed(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        event = DecisionClosedV1.model_validate(envelope.data)
        if event.kind not in TIMED_HERE:
            return
        handle = (await self.client()).get_workflow_handle_for(
            DecisionDeadlineWorkflow.run, decision_deadline_workflow_id(event.decision_id)
        )
        try:
            await handle.signal(DecisionDeadlineWorkflow.closed, event.outcome)
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                raise
            # Finished already (it closed the decision itself at the deadline): nothing to stop.
