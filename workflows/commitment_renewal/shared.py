"""Inputs, outputs and rules of CommitmentRenewalWorkflow (shared by the workflow, its activities and the API)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rules.periods import DAY as DAY
from rules.periods import expiry_of as expiry_of

Answer = Literal["reaffirm", "revise", "decline"]
Outcome = Literal["renewed", "renegotiated", "lapsed"]
OUTCOME_OF: dict[str, Outcome] = {"reaffirm": "renewed", "revise": "renegotiated", "decline": "lapsed"}
State = Literal["scheduled", "awaiting_response", "concluding", "concluded"]


def commitment_renewal_workflow_id(commitment_id: str) -> str:
    return f"commitment-renewal-{commitment_id}"


class RenewalTimers(BaseModel):
    """Per commitment: when the partner is asked before expiry, reminded, and the oversight body alerted."""

    model_config = ConfigDict(extra="forbid")

    ask_before_expiry_seconds: float = Field(
        default=90 * DAY, gt=0, description="The partner is asked this long before the commitment expires"
    )
    remind_after_seconds: float = Field(
        default=14 * DAY, gt=0, description="A reminder goes out if the partner has not answered by then"
    )
    escalate_before_expiry_seconds: float = Field(
        default=30 * DAY, gt=0, description="The oversight body is alerted this long before expiry"
    )


class CommitmentRenewalInput(BaseModel):
    commitment_id: str
    partnership_id: str
    agency_id: str
    expires_at: datetime
    timers: RenewalTimers = Field(default_factory=RenewalTimers)


class RenewalResponse(BaseModel):
    """A partner's answer: reaffirm the same terms, revise amount or priorities, or decline."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    agency_id: str = Field(description="The partner agency answering (the one that made the commitment)")
    responded_by: str = Field(min_length=1, max_length=200, description="Who signs for the partner")
    answer: Answer
    amount: Decimal | None = Field(
        default=None, gt=0, max_digits=18, decimal_places=2, description="New amount, for `revise`"
    )
    priorities: str | None = Field(default=None, max_length=4000, description="Updated priorities")
    reason: str | None = Field(default=None, max_length=4000, description="Required for `decline`")

    @model_validator(mode="after")
    def _consistent(self) -> RenewalResponse:
        if self.answer == "revise" and self.amount is None and self.priorities is None:
            raise ValueError("a revision changes the amount or the priorities (or both)")
        if self.answer != "revise" and (self.amount is not None or self.priorities is not None):
            raise ValueError("amount and priorities are only for a revision")
        if self.answer == "decline" and not self.reason:
            raise ValueError("declining needs a reason")
        return self


class RequestReaffirmation(BaseModel):
    commitment_id: str
    expires_at: datetime
    idempotency_key: str


class RenewalNotice(BaseModel):
    commitment_id: str
    kind: Literal["reminder", "escalation"]
    idempotency_key: str


class ConcludeRenewal(BaseModel):
    commitment_id: str
    outcome: Outcome
    response: RenewalResponse | None = None
    idempotency_key: str


class Conclusion(BaseModel):
    outcome: Outcome
    new_commitment_id: str | None = None


class CommitmentRenewalStatus(BaseModel):
    commitment_id: str
    partnership_id: str
    agency_id: str
    state: State
    expires_at: datetime
    asks_at: datetime
    asked_at: datetime | None = None
    reminders_sent: int = 0
    escalated: bool = False
    response: RenewalResponse | None = None
    outcome: Outcome | None = None
    new_commitment_id: str | None = None
