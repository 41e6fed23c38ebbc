"""DecisionDeadlineWorkflow: the timekeeper of a decision that no other workflow owns (budget, curriculum,
dispute resolution; phase gates are timed by the onboarding workflow).

Halfway through the window the members who have not voted are reminded; later the whole oversight body is
alerted; at the due time the decision closes as the votes stand (expired if no quorum). A decision that closes on
its votes before that ends the workflow early (the consumer signals `closed`; a reminder the service refuses
because the decision is closed ends it too). Its activities (`activities.py`) are the partners API's, with
Idempotency-Keys.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Literal

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

from workflows.policies import ACTIVITY_TIMEOUT, SERVICE_RETRY

with workflow.unsafe.imports_passed_through():
    from workflows.decision_deadline.shared import (
        CloseAtDeadline,
        ClosedDecision,
        DecisionDeadlineInput,
        DecisionDeadlineResult,
        Remind,
    )


@workflow.defn
class DecisionDeadlineWorkflow:
    @workflow.init
    def __init__(self, request: DecisionDeadlineInput) -> None:
        self._closed = False
        self._outcome = "closed"
        self._reminders = 0
        self._escalated = False

    @workflow.run
    async def run(self, request: DecisionDeadlineInput) -> DecisionDeadlineResult:
        window = request.due_at - request.opened_at
        notices: list[tuple[datetime, Literal["reminder", "escalation"]]] = [
            (request.opened_at + window * request.remind_at_share, "reminder"),
            (request.opened_at + window * request.escalate_at_share, "escalation"),
        ]
        for at, kind in sorted(notices):
            if await self._closed_before(at):
                return self._result(request, self._outcome, "votes")
            if at < workflow.now() - timedelta(minutes=1):
                continue  # started late (a backlog): a notice whose time has long passed is not sent
            try:
                await workflow.execute_activity(
                    "send_decision_reminders",
                    Remind(
                        decision_id=request.decision_id,
                        kind=kind,
                        idempotency_key=f"{workflow.info().workflow_id}:{kind}",
                    ),
                    start_to_close_timeout=ACTIVITY_TIMEOUT,
                    retry_policy=SERVICE_RETRY,
                )
            except ActivityError as exc:
                if isinstance(exc.cause, ApplicationError) and exc.cause.type == "RejectedByService":
                    return self._result(request, self._outcome, "votes")  # closed between the signal and now
                raise
            if kind == "reminder":
                self._reminders += 1
            else:
                self._escalated = True
        if await self._closed_before(request.due_at):
            return self._result(request, self._outcome, "votes")
        closed: ClosedDecision = await workflow.execute_activity(
            "close_decision_at_deadline",
            CloseAtDeadline(decision_id=request.decision_id),
            result_type=ClosedDecision,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=SERVICE_RETRY,
        )
        return self._result(request, closed.outcome, "deadline")

    async def _closed_before(self, at: datetime) -> bool:
        wait = (at - workflow.now()).total_seconds()
        if wait > 0 and not self._closed:
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: self._closed, timeout=timedelta(seconds=wait))
        return self._closed

    def _result(self, request: DecisionDeadlineInput, outcome: str, closed_by: str) -> DecisionDeadlineResult:
        return DecisionDeadlineResult(
            decision_id=request.decision_id,
            outcome=outcome,
            reminders_sent=self._reminders,
            escalated=self._escalated,
            closed_by=closed_by,
        )

    @workflow.signal
    def closed(self, outcome: str) -> None:
        """The decision closed on its votes (approved, rejected, vetoed): nothing left to time."""
        self._closed = True
        self._outcome = outcome
