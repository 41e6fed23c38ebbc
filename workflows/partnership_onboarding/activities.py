"""Activities of partnership onboarding: the partners API, called with Idempotency-Keys (`service_calls`).

Its gate decisions are timed with the decision-deadline activities (`workflows/decision_deadline/activities.py`).
"""

from __future__ import annotations

from typing import Any

import httpx
from temporalio import activity

from workflows.partnership_onboarding.shared import (
    AddMember,
    AdvancePhase,
    GateDecision,
    MemberJoined,
    OpenGate,
    RecordVote,
    VoteResult,
)
from workflows.service_calls import post


class PartnersGovernanceActivities:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def _post(self, path: str, body: dict[str, Any], *, key: str | None = None) -> dict[str, Any]:
        return await post(self.http, path, body, key=key)

    @activity.defn(name="open_gate_decision")
    async def open_gate_decision(self, request: OpenGate) -> GateDecision:
        decision = await self._post(
            f"/partnerships/{request.partnership_id}/decisions",
            {
                "kind": "phase_gate",
                "title": f"Advance from {request.from_phase} to {request.to_phase}",
                "due_at": request.due_at.isoformat(),
            },
            key=request.idempotency_key,
        )
        return GateDecision(
            decision_id=decision["id"],
            due_at=decision["due_at"],
            outcome=decision["outcome"],
            rule=decision["voting_rule"],
            electorate=decision["electorate"],
            ballots=[
                {"member_id": v["member_id"], "choice": v["choice"], "reason": v["reason"]}
                for v in decision["votes"]
            ],
        )

    @activity.defn(name="record_vote")
    async def record_vote(self, request: RecordVote) -> VoteResult:
        decision = await self._post(
            f"/internal/decisions/{request.decision_id}/votes",
            request.ballot.model_dump(mode="json"),
            key=request.idempotency_key,
        )
        return _result(decision)

    @activity.defn(name="advance_partnership_phase")
    async def advance_partnership_phase(self, request: AdvancePhase) -> str:
        partnership = await self._post(
            f"/partnerships/{request.partnership_id}/phase",
            {"to_phase": request.to_phase, "decision_id": request.decision_id},
            key=request.idempotency_key,
        )
        return str(partnership["phase"])

    @activity.defn(name="add_partnership_member")
    async def add_partnership_member(self, request: AddMember) -> MemberJoined:
        member = await self._post(
            f"/partnerships/{request.partnership_id}/members",
            request.amendment.model_dump(mode="json"),
            key=request.idempotency_key,
        )
        return MemberJoined(
            agency_id=str(member["agency_id"]),
            country_code=member["country_code"],
            role=member["role"],
            phase=member["phase"],
            joined_at=member["joined_at"],
        )

    def all(self) -> list[Any]:
        return [
            self.add_partnership_member,
            self.open_gate_decision,
            self.record_vote,
            self.advance_partnership_phase,
        ]


def _result(decision: dict[str, Any]) -> VoteResult:
    tally = decision["tally"]
    return VoteResult(
        decision_id=str(decision["id"]),
        outcome=decision["outcome"],
        approvals=tally["approvals"],
        rejections=tally["rejections"],
        abstentions=tally["abstentions"],
        not_voted=tally["not_voted"],
    )
