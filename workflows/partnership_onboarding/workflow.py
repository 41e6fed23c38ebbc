"""PartnershipOnboardingWorkflow: a partnership through familiarization → co_design → exercises → sustainment.

In each phase it waits (signals, driven by events) until the phase's gate criteria are met and it is not paused,
then puts the gate to the oversight body as a decision in the partners service. Votes arrive as Updates whose
validator applies the same rules as the service (`rules.governance`), so a non-member, a second
vote or a vote after closing is refused with its reason before anything is recorded. Members who have not
voted are reminded, the whole body is alerted on escalation, and at the due time the decision closes as it
stands. An approved gate advances the phase in the partners service (activity, Idempotency-Key), which
announces it as an event. Between gates the workflow continues as new when Temporal suggests it.

Deterministic: standard library, temporalio and the shared models only; all I/O is in activities.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

from workflows.policies import ACTIVITY_TIMEOUT, SERVICE_RETRY

with workflow.unsafe.imports_passed_through():
    from rules import governance, phases
    from workflows.partnership_onboarding.shared import (
        NEXT_PHASE,
        AddMember,
        AdvancePhase,
        Amendment,
        CastBallot,
        CloseAtDeadline,
        GateDecision,
        MemberJoined,
        OpenGate,
        PartnershipOnboardingInput,
        PartnershipOnboardingStatus,
        Phase,
        RecordVote,
        Remind,
        VoteResult,
        Withdrawal,
    )


@workflow.defn
class PartnershipOnboardingWorkflow:
    @workflow.init
    def __init__(self, request: PartnershipOnboardingInput) -> None:
        self._partnership_id = request.partnership_id
        self._phase: Phase = request.phase
        self._timers = request.timers
        self._criteria: set[str] = set(request.criteria_met)
        self._paused = request.paused
        self._gate_attempt = request.gate_attempt
        self._withdrawn: str | None = None
        self._decision: GateDecision | None = None
        self._last_outcome: str | None = None
        self._retry_gate = False
        self._reminders = 0
        self._escalations = 0
        self._votes = asyncio.Lock()
        self._last_decision_id = ""
        self._amendments: list[MemberJoined] = list(request.amendments)
        self._gates_this_run = 0
        self._gates_per_run = request.gates_per_run

    @workflow.run
    async def run(self, request: PartnershipOnboardingInput) -> PartnershipOnboardingStatus:
        while self._phase in NEXT_PHASE and self._withdrawn is None:
            await workflow.wait_condition(lambda: self._withdrawn is not None or self._gate_ready())
            if self._withdrawn is not None:
                break
            outcome = await self._run_gate()
            self._last_outcome = outcome
            if outcome == "approved":
                await self._advance()
            elif self._withdrawn is None:
                # Rejected, vetoed or expired: the partners rework and an operator asks for a new vote.
                self._retry_gate = False
                await workflow.wait_condition(lambda: self._retry_gate or self._withdrawn is not None)
            self._gates_this_run += 1
            if self._should_continue_as_new(request) and self._withdrawn is None:
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(self._carry_over())
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    def _should_continue_as_new(self, request: PartnershipOnboardingInput) -> bool:
        if workflow.info().is_continue_as_new_suggested():
            return True
        return request.gates_per_run is not None and self._gates_this_run >= request.gates_per_run

    def _gate_ready(self) -> bool:
        return not self._paused and phases.criteria_met(self._phase, self._criteria)

    def _carry_over(self) -> PartnershipOnboardingInput:
        return PartnershipOnboardingInput(
            partnership_id=self._partnership_id,
            phase=self._phase,
            timers=self._timers,
            criteria_met=sorted(self._criteria),
            paused=self._paused,
            gate_attempt=self._gate_attempt,
            amendments=list(self._amendments),
            gates_per_run=self._gates_per_run,
        )

    async def _run_gate(self) -> str:
        self._gate_attempt += 1
        workflow_id = workflow.info().workflow_id
        started = workflow.now()
        decision: GateDecision = await workflow.execute_activity(
            "open_gate_decision",
            OpenGate(
                partnership_id=self._partnership_id,
                from_phase=self._phase,
                to_phase=NEXT_PHASE[self._phase],
                due_at=started + timedelta(seconds=self._timers.decision_seconds),
                idempotency_key=f"{workflow_id}:gate:{self._phase}:{self._gate_attempt}",
            ),
            result_type=GateDecision,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=SERVICE_RETRY,
        )
        self._decision = decision
        self._last_decision_id = decision.decision_id
        pending = [
            (started + timedelta(seconds=self._timers.reminder_after_seconds), "reminder"),
            (started + timedelta(seconds=self._timers.escalate_after_seconds), "escalation"),
            (decision.due_at, "deadline"),
        ]
        pending = sorted((at, what) for at, what in pending if at <= decision.due_at)
        while decision.outcome == "open" and self._withdrawn is None:
            at, what = pending[0]
            wait = max((at - workflow.now()).total_seconds(), 0)
            try:
                await workflow.wait_condition(
                    lambda: decision.outcome != "open" or self._withdrawn is not None,
                    timeout=timedelta(seconds=wait),
                )
                continue
            except TimeoutError:
                pending.pop(0)
            if what == "deadline":
                closed: VoteResult = await workflow.execute_activity(
                    "close_decision_at_deadline",
                    CloseAtDeadline(decision_id=decision.decision_id),
                    result_type=VoteResult,
                    start_to_close_timeout=ACTIVITY_TIMEOUT,
                    retry_policy=SERVICE_RETRY,
                )
                decision.outcome = closed.outcome
            else:
                await workflow.execute_activity(
                    "send_decision_reminders",
                    Remind(
                        decision_id=decision.decision_id,
                        kind=what,
                        idempotency_key=f"{workflow_id}:{what}:{decision.decision_id}",
                    ),
                    start_to_close_timeout=ACTIVITY_TIMEOUT,
                    retry_policy=SERVICE_RETRY,
                )
                if what == "reminder":
                    self._reminders += 1
                else:
                    self._escalations += 1
        await workflow.wait_condition(lambda: not self._votes.locked())
        self._decision = None
        return decision.outcome if self._withdrawn is None else "withdrawn"

    async def _advance(self) -> None:
        assert self._last_outcome == "approved"
        to_phase = NEXT_PHASE[self._phase]
        await workflow.execute_activity(
            "advance_partnership_phase",
            AdvancePhase(
                partnership_id=self._partnership_id,
                to_phase=to_phase,
                decision_id=self._last_decision_id,
                idempotency_key=f"{workflow.info().workflow_id}:advance:{to_phase}",
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=SERVICE_RETRY,
        )
        self._phase = to_phase
        self._gate_attempt = 0

    @workflow.update
    async def vote(self, ballot: CastBallot) -> VoteResult:
        async with self._votes:
            decision = self._decision
            self.validate_vote(ballot)  # again, now that earlier votes in the queue are counted
            assert decision is not None
            result: VoteResult = await workflow.execute_activity(
                "record_vote",
                RecordVote(
                    decision_id=decision.decision_id,
                    ballot=ballot,
                    idempotency_key=f"{workflow.info().workflow_id}:vote:{decision.decision_id}:{ballot.member_id}",
                ),
                result_type=VoteResult,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=SERVICE_RETRY,
            )
            decision.ballots.append(ballot)
            decision.outcome = result.outcome
            return result

    @vote.validator
    def validate_vote(self, ballot: CastBallot) -> None:
        if self._withdrawn is not None:
            raise ValueError("withdrawn: the partnership's onboarding was withdrawn")
        decision = self._decision
        if decision is None:
            raise ValueError("no_open_decision: no gate decision is open for this partnership")
        try:
            governance.validate_ballot(
                [
                    governance.Member(e.member_id, e.country_code, e.role, e.holds_veto)
                    for e in decision.electorate
                ],
                [governance.Ballot(b.member_id, b.choice, b.reason) for b in decision.ballots],
                governance.Ballot(ballot.member_id, ballot.choice, ballot.reason),
                outcome=decision.outcome,  # type: ignore[arg-type]
            )
        except governance.BallotRejected as exc:
            raise ValueError(f"{exc.code}: {exc.detail}") from None

    @workflow.update
    async def amend(self, amendment: Amendment) -> PartnershipOnboardingStatus:
        """Add an agency mid-phase through the partners service. An open gate keeps its electorate; whether the
        new agency's capacities are mapped is learnt, like every criterion, from the events that follow."""
        try:
            joined: MemberJoined = await workflow.execute_activity(
                "add_partnership_member",
                AddMember(
                    partnership_id=self._partnership_id,
                    amendment=amendment,
                    idempotency_key=f"{workflow.info().workflow_id}:amend:{amendment.agency_id}",
                ),
                result_type=MemberJoined,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=SERVICE_RETRY,
            )
        except ActivityError as exc:
            cause = exc.cause
            if isinstance(cause, ApplicationError) and cause.type == "RejectedByService":
                code = cause.details[0] if cause.details else "amendment_refused"
                raise ApplicationError(f"{code}: {cause.message}", type="AmendmentRefused") from None
            raise
        self._amendments.append(joined)
        return self.status()

    @amend.validator
    def validate_amendment(self, amendment: Amendment) -> None:
        if self._withdrawn is not None:
            raise ValueError("withdrawn: the partnership's onboarding was withdrawn")
        if any(a.agency_id == amendment.agency_id for a in self._amendments):
            raise ValueError("already_a_member: the agency joined in an earlier amendment")

    @workflow.signal
    def criterion_unmet(self, name: str) -> None:
        """A criterion no longer holds (an agency joined whose capacities are not mapped yet)."""
        self._criteria.discard(name)

    @workflow.signal
    def criterion_met(self, name: str) -> None:
        if name not in phases.CRITERIA:
            workflow.logger.warning("unknown gate criterion ignored: %s", name)
            return
        self._criteria.add(name)

    @workflow.signal
    def pause(self) -> None:
        self._paused = True

    @workflow.signal
    def resume(self) -> None:
        self._paused = False

    @workflow.signal
    def request_gate_vote(self) -> None:
        """After a rejected, vetoed or expired gate: put it to the vote again."""
        self._retry_gate = True

    @workflow.signal
    def withdraw(self, withdrawal: Withdrawal) -> None:
        self._withdrawn = withdrawal.reason

    @workflow.query
    def status(self) -> PartnershipOnboardingStatus:
        return PartnershipOnboardingStatus(
            partnership_id=self._partnership_id,
            phase=self._phase,
            criteria={c: c in self._criteria for c in phases.GATE_CRITERIA.get(self._phase, ())},
            paused=self._paused,
            withdrawn=self._withdrawn is not None,
            withdrawal_reason=self._withdrawn,
            open_decision=self._decision,
            last_gate_outcome=self._last_outcome,
            reminders_sent=self._reminders,
            escalations_sent=self._escalations,
            amendments=list(self._amendments),
        )
