"""CommitmentRenewalWorkflow: one per commitment, from its registration until its renewal is concluded.

A configurable time before the commitment expires, the partner is asked to reaffirm it. The answer arrives
as an Update whose validator refuses an answer before the question, from another agency, a second answer or
one after the conclusion, with a reason. Without an answer the partner is reminded, and later the oversight
body is alerted; at expiry the commitment lapses. The conclusion (renewed, renegotiated, lapsed) is recorded
in the partners service by an activity with an Idempotency-Key, which announces it as an event that finance,
training and access control act on. The history stays a handful of events, so it never continues as new.

Deterministic: standard library, temporalio and the shared models only; all I/O is in activities.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow

from workflows.policies import ACTIVITY_TIMEOUT, SERVICE_RETRY

with workflow.unsafe.imports_passed_through():
    from workflows.commitment_renewal.shared import (
        OUTCOME_OF,
        CommitmentRenewalInput,
        CommitmentRenewalStatus,
        ConcludeRenewal,
        Conclusion,
        Outcome,
        RenewalNotice,
        RenewalResponse,
        RequestReaffirmation,
        State,
    )


@workflow.defn
class CommitmentRenewalWorkflow:
    @workflow.init
    def __init__(self, request: CommitmentRenewalInput) -> None:
        self._request = request
        self._state: State = "scheduled"
        self._asks_at = request.expires_at - timedelta(seconds=request.timers.ask_before_expiry_seconds)
        self._ask_now = False
        self._asked_at: datetime | None = None
        self._reminders = 0
        self._escalated = False
        self._response: RenewalResponse | None = None
        self._conclusion: Conclusion | None = None

    @workflow.run
    async def run(self, request: CommitmentRenewalInput) -> CommitmentRenewalStatus:
        key = workflow.info().workflow_id
        await self._until(self._asks_at, lambda: self._ask_now)
        await workflow.execute_activity(
            "request_commitment_reaffirmation",
            RequestReaffirmation(
                commitment_id=request.commitment_id,
                expires_at=request.expires_at,
                idempotency_key=f"{key}:ask",
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=SERVICE_RETRY,
        )
        self._asked_at = workflow.now()
        self._state = "awaiting_response"
        for at, kind in self._notices():
            if await self._until(at, lambda: self._response is not None):
                break
            await workflow.execute_activity(
                "send_commitment_renewal_notice",
                RenewalNotice(
                    commitment_id=request.commitment_id, kind=kind, idempotency_key=f"{key}:{kind}"
                ),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=SERVICE_RETRY,
            )
            if kind == "reminder":
                self._reminders += 1
            else:
                self._escalated = True
        await self._until(request.expires_at, lambda: self._response is not None)
        self._state = "concluding"
        outcome: Outcome = OUTCOME_OF[self._response.answer] if self._response else "lapsed"
        self._conclusion = await workflow.execute_activity(
            "conclude_commitment_renewal",
            ConcludeRenewal(
                commitment_id=request.commitment_id,
                outcome=outcome,
                response=self._response,
                idempotency_key=f"{key}:conclusion",
            ),
            result_type=Conclusion,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=SERVICE_RETRY,
        )
        self._state = "concluded"
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    def _notices(self) -> list[tuple[datetime, str]]:
        """The reminder and the escalation that fall between the question and the expiry, in time order."""
        assert self._asked_at is not None
        expires_at = self._request.expires_at
        timers = self._request.timers
        planned = [
            (self._asked_at + timedelta(seconds=timers.remind_after_seconds), "reminder"),
            (expires_at - timedelta(seconds=timers.escalate_before_expiry_seconds), "escalation"),
        ]
        return sorted((at, kind) for at, kind in planned if self._asked_at < at < expires_at)

    async def _until(self, at: datetime, done: Callable[[], bool]) -> bool:
        """Wait until `at` or until `done()` holds; True when it holds."""
        wait = (at - workflow.now()).total_seconds()
        if wait <= 0:
            return done()
        try:
            await workflow.wait_condition(done, timeout=timedelta(seconds=wait))
        except TimeoutError:
            return done()
        return True

    @workflow.update
    async def respond(self, response: RenewalResponse) -> CommitmentRenewalStatus:
        self._response = response
        await workflow.wait_condition(lambda: self._conclusion is not None)
        return self.status()

    @respond.validator
    def validate_response(self, response: RenewalResponse) -> None:
        if self._state == "scheduled":
            raise ValueError(
                "renewal_not_requested: the partner has not been asked yet "
                f"(asks at {self._asks_at.isoformat()})"
            )
        if self._response is not None:
            raise ValueError(f"already_answered: the partner answered '{self._response.answer}'")
        if self._state != "awaiting_response":
            raise ValueError("renewal_concluded: the renewal is already concluded")
        if response.agency_id != self._request.agency_id:
            raise ValueError("not_the_partner: only the agency that made the commitment answers for it")

    @workflow.signal
    def ask_now(self) -> None:
        """Operators: ask the partner now instead of waiting for the configured time before expiry."""
        self._ask_now = True

    @workflow.query
    def status(self) -> CommitmentRenewalStatus:
        return CommitmentRenewalStatus(
            commitment_id=self._request.commitment_id,
            partnership_id=self._request.partnership_id,
            agency_id=self._request.agency_id,
            state=self._state,
            expires_at=self._request.expires_at,
            asks_at=self._asks_at,
            asked_at=self._asked_at,
            reminders_sent=self._reminders,
            escalated=self._escalated,
            response=self._response,
            outcome=self._conclusion.outcome if self._conclusion else None,
            new_commitment_id=self._conclusion.new_commitment_id if self._conclusion else None,
        )
