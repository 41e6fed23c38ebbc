"""Inputs, outputs and constants of PartnershipOnboardingWorkflow (shared by workflow, activities and API)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rules.phases import GATE_CRITERIA as GATE_CRITERIA
from rules.phases import NEXT_PHASE as NEXT_PHASE
from rules.phases import PHASES as PHASES
from rules.phases import Phase as Phase


def partnership_onboarding_workflow_id(partnership_id: str) -> str:
    return f"partnership-onboarding-{partnership_id}"


class Timers(BaseModel):
    """Per partnership: how long the body has to decide, and when laggards are reminded and escalated."""

    decision_seconds: float = Field(default=14 * 86400, gt=0)
    reminder_after_seconds: float = Field(default=3 * 86400, gt=0)
    escalate_after_seconds: float = Field(default=10 * 86400, gt=0)


class PartnershipOnboardingInput(BaseModel):
    partnership_id: str
    phase: Phase = "familiarization"
    timers: Timers = Field(default_factory=Timers)
    criteria_met: list[str] = Field(default_factory=list)
    paused: bool = False
    gate_attempt: int = 0
    """Carried over continue-as-new."""
    amendments: list[MemberJoined] = Field(default_factory=list)
    """Carried over continue-as-new."""
    gates_per_run: int | None = Field(default=None, ge=1)
    """Continue as new after this many gates even if Temporal does not suggest it yet (None: when suggested)."""


class Elector(BaseModel):
    member_id: str
    country_code: str
    role: Literal["diplomat", "senior_police_official", "justice_ministry_representative"]
    holds_veto: bool


class Rule(BaseModel):
    kind: Literal["members", "countries"]
    approvals_needed: int | None = None
    country_share: float | None = None


class CastBallot(BaseModel):
    member_id: str
    choice: Literal["approve", "reject", "abstain"]
    reason: str | None = None


class GateDecision(BaseModel):
    decision_id: str
    due_at: datetime
    outcome: str
    rule: Rule
    electorate: list[Elector]
    ballots: list[CastBallot] = Field(default_factory=list)


class OpenGate(BaseModel):
    partnership_id: str
    from_phase: Phase
    to_phase: Phase
    due_at: datetime
    idempotency_key: str


class RecordVote(BaseModel):
    decision_id: str
    ballot: CastBallot
    idempotency_key: str


class VoteResult(BaseModel):
    decision_id: str
    outcome: str
    approvals: int
    rejections: int
    abstentions: int
    not_voted: int


class Remind(BaseModel):
    decision_id: str
    kind: Literal["reminder", "escalation"]
    idempotency_key: str


class CloseAtDeadline(BaseModel):
    decision_id: str


class AdvancePhase(BaseModel):
    partnership_id: str
    to_phase: Phase
    decision_id: str
    idempotency_key: str


class Withdrawal(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class Amendment(BaseModel):
    """Add an agency (of a new or a member country) to the partnership while it runs."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    agency_id: str = Field(pattern="^[0-9a-fA-F-]{36}$")
    role: Literal["member", "host", "observer"]
    reason: str | None = Field(default=None, max_length=4000)


class AddMember(BaseModel):
    partnership_id: str
    amendment: Amendment
    idempotency_key: str


class MemberJoined(BaseModel):
    agency_id: str
    country_code: str
    role: str
    phase: Phase
    joined_at: datetime


class PartnershipOnboardingStatus(BaseModel):
    partnership_id: str
    phase: Phase
    criteria: dict[str, bool]
    paused: bool
    withdrawn: bool
    withdrawal_reason: str | None = None
    open_decision: GateDecision | None = None
    last_gate_outcome: str | None = None
    reminders_sent: int = 0
    escalations_sent: int = 0
    amendments: list[MemberJoined] = Field(default_factory=list)


PartnershipOnboardingInput.model_rebuild()
