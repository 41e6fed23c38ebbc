"""An in-memory partners service for PartnershipOnboardingWorkflow tests, registered under the real activity names.

It counts votes with the service's own rules (`rules.governance`), so the workflow is tested against
the behaviour it will meet, minus HTTP and the database (those are covered by the API and e2e tests).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from rules import governance
from workflows.partnership_onboarding.shared import (
    AddMember,
    AdvancePhase,
    CastBallot,
    CloseAtDeadline,
    Elector,
    GateDecision,
    MemberJoined,
    OpenGate,
    RecordVote,
    Remind,
    Rule,
    VoteResult,
)

ELECTORATE = [
    Elector(member_id="fr-dip", country_code="FR", role="diplomat", holds_veto=True),
    Elector(member_id="sn-jus", country_code="SN", role="justice_ministry_representative", holds_veto=False),
    Elector(member_id="br-pol", country_code="BR", role="senior_police_official", holds_veto=False),
]
TWO_OF_THREE = Rule(kind="members", approvals_needed=2)


@dataclass
class GovernanceDouble:
    decisions: dict[str, GateDecision] = field(default_factory=dict)
    opened_with_keys: list[str] = field(default_factory=list)
    reminders: list[tuple[str, str]] = field(default_factory=list)
    advanced: list[AdvancePhase] = field(default_factory=list)
    votes_recorded: int = 0
    amendments: list[AddMember] = field(default_factory=list)
    lapsed_agencies: set[str] = field(default_factory=set)

    def _tally(self, decision: GateDecision, *, deadline_passed: bool = False) -> governance.Tally:
        return governance.tally(
            governance.VotingRule(
                decision.rule.kind, decision.rule.approvals_needed, decision.rule.country_share
            ),
            [
                governance.Member(e.member_id, e.country_code, e.role, e.holds_veto)
                for e in decision.electorate
            ],
            [governance.Ballot(b.member_id, b.choice, b.reason) for b in decision.ballots],
            deadline_passed=deadline_passed,
        )

    def _result(self, decision: GateDecision, tally: governance.Tally) -> VoteResult:
        return VoteResult(
            decision_id=decision.decision_id,
            outcome=decision.outcome,
            approvals=tally.approvals,
            rejections=tally.rejections,
            abstentions=tally.abstentions,
            not_voted=tally.not_voted,
        )

    @activity.defn(name="open_gate_decision")
    async def open_gate_decision(self, request: OpenGate) -> GateDecision:
        self.opened_with_keys.append(request.idempotency_key)
        decision = GateDecision(
            decision_id=str(uuid.uuid4()),
            due_at=request.due_at,
            outcome="open",
            rule=TWO_OF_THREE,
            electorate=ELECTORATE,
        )
        self.decisions[decision.decision_id] = decision
        return decision.model_copy(deep=True)

    @activity.defn(name="record_vote")
    async def record_vote(self, request: RecordVote) -> VoteResult:
        decision = self.decisions[request.decision_id]
        if any(b.member_id == request.ballot.member_id for b in decision.ballots):
            raise ApplicationError("already voted", type="RejectedByService", non_retryable=True)
        decision.ballots.append(CastBallot.model_validate(request.ballot.model_dump()))
        self.votes_recorded += 1
        tally = self._tally(decision)
        decision.outcome = tally.outcome
        return self._result(decision, tally)

    @activity.defn(name="send_decision_reminders")
    async def send_decision_reminders(self, request: Remind) -> list[str]:
        self.reminders.append((request.kind, request.idempotency_key))
        return [e.member_id for e in ELECTORATE]

    @activity.defn(name="close_decision_at_deadline")
    async def close_decision_at_deadline(self, request: CloseAtDeadline) -> VoteResult:
        decision = self.decisions[request.decision_id]
        tally = self._tally(decision, deadline_passed=True)
        if decision.outcome == "open":
            decision.outcome = tally.outcome
        return self._result(decision, tally)

    @activity.defn(name="advance_partnership_phase")
    async def advance_partnership_phase(self, request: AdvancePhase) -> str:
        if self.decisions[request.decision_id].outcome != "approved":
            raise ApplicationError("gate not approved", type="RejectedByService", non_retryable=True)
        self.advanced.append(request)
        return request.to_phase

    @activity.defn(name="add_partnership_member")
    async def add_partnership_member(self, request: AddMember) -> MemberJoined:
        agency_id = request.amendment.agency_id
        if agency_id in self.lapsed_agencies:
            raise ApplicationError(
                "service refused: 422 the agency's onboarding lapsed",
                "agency_lapsed",
                type="RejectedByService",
                non_retryable=True,
            )
        self.amendments.append(request)
        return MemberJoined(
            agency_id=agency_id,
            country_code="GH",
            role=request.amendment.role,
            phase="familiarization",
            joined_at=activity.info().scheduled_time,
        )

    def activities(self) -> list[Any]:
        return [
            self.add_partnership_member,
            self.open_gate_decision,
            self.record_vote,
            self.send_decision_reminders,
            self.close_decision_at_deadline,
            self.advance_partnership_phase,
        ]
