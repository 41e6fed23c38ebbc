"""API models of the oversight body's decisions, votes and tallies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from contracts.events.partners import DecisionKind
from services.partners.partnerships.schemas import VotingRuleIn

SUBJECT_PATTERN = "^[a-z]+:[a-z][a-z-]*:[0-9a-f-]{36}$"


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: DecisionKind
    title: str = Field(min_length=3, max_length=300)
    description: str | None = Field(default=None, max_length=10_000)
    due_at: datetime = Field(description="Votes are counted until then (timezone required)")
    subject: str | None = Field(
        default=None,
        pattern=SUBJECT_PATTERN,
        description="What the decision is about, for the service that acts on its outcome "
        "(`training:curriculum-version:<uuid>`); one decision per subject",
    )

    @field_validator("due_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("due_at needs a timezone, e.g. 2027-01-31T17:00:00Z")
        return value


class VoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    member_id: uuid.UUID
    choice: Literal["approve", "reject", "abstain"]
    reason: str | None = Field(default=None, max_length=4000, description="Required for a rejection")


class VoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    member_id: uuid.UUID
    choice: str
    reason: str | None
    cast_at: datetime


class TallyOut(BaseModel):
    approvals: int
    rejections: int
    abstentions: int
    not_voted: int
    needed: int
    reached: int
    vetoed_by: str | None


class ElectorOut(BaseModel):
    member_id: uuid.UUID
    country_code: str
    role: str
    holds_veto: bool


class DecisionOut(BaseModel):
    id: uuid.UUID
    partnership_id: uuid.UUID
    kind: str
    title: str
    description: str | None
    due_at: datetime
    opened_at: datetime
    outcome: str
    closed_at: datetime | None
    subject: str | None = None
    voting_rule: VotingRuleIn
    electorate: list[ElectorOut]
    tally: TallyOut
    votes: list[VoteOut]


class ReminderRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["reminder", "escalation"] = Field(
        description="`reminder`: members who have not voted; `escalation`: the whole body"
    )


class MemberDecisionOut(BaseModel):
    """One line of an approver's dashboard."""

    decision: DecisionOut
    partnership_name: str
    seat_id: uuid.UUID = Field(description="The oversight seat this line is for (vote with it as member_id)")
    my_vote: VoteOut | None
