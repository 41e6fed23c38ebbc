"""API models of the partners service."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator, model_validator

from contracts.events.partners import AgencyType, DecisionKind, OversightRole, PartnershipRole
from rules.releasability import HandlingCodeText

AgencyStatus = Literal["pending", "active", "lapsed"]


class CountryIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(description="ISO 3166-1 alpha-2 code", examples=["FR"], pattern="^[A-Za-z]{2}$")
    name: str = Field(min_length=2, max_length=200, examples=["France"])

    @field_validator("code")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class CountryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    registered_at: datetime


class AgencyRegistration(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    country: CountryIn
    name: str = Field(min_length=2, max_length=200, examples=["Police nationale"])
    agency_type: AgencyType
    mandate: str | None = Field(default=None, max_length=4000)
    is_national_coordination_unit: bool = Field(
        default=False, description="The country's gatekeeper unit; at most one per country"
    )


class AgencyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    country_code: str
    name: str
    agency_type: str
    mandate: str | None
    is_national_coordination_unit: bool
    status: AgencyStatus
    registered_at: datetime
    activated_at: datetime | None
    confirmed_by: str | None
    lapsed_at: datetime | None


class ActivationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    confirmed_by: str = Field(min_length=1, max_length=200, description="Who in the national unit confirmed")


class OnboardingStart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    confirmation_deadline_hours: float = Field(
        default=14 * 24, gt=0, le=365 * 24, description="How long the national unit has to confirm"
    )


class OnboardingConfirmation(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    confirmed_by: str = Field(min_length=1, max_length=200)


class OnboardingOut(BaseModel):
    workflow_id: str
    agency_id: uuid.UUID
    state: str
    confirmed_by: str | None = None
    deadline: datetime | None = None
    temporal_ui: str | None = None


class AgreementIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["treaty", "mou"]
    reference: str = Field(min_length=1, max_length=200, examples=["MOU-2026-014"])
    signed_on: date
    starts_on: date
    ends_on: date
    confidentiality: str | None = Field(default=None, max_length=4000)

    @model_validator(mode="after")
    def _period(self) -> AgreementIn:
        if self.ends_on <= self.starts_on:
            raise ValueError("ends_on must be after starts_on")
        if self.signed_on > self.starts_on:
            raise ValueError("signed_on must not be after starts_on")
        return self


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agency_id: uuid.UUID
    role: PartnershipRole


class VotingRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["members", "countries"]
    approvals_needed: int | None = Field(default=None, ge=1, le=500, description="For `members`: n of m")
    country_share: float | None = Field(default=None, gt=0, le=1, description="For `countries`: share needed")

    @model_validator(mode="after")
    def _one_measure(self) -> VotingRuleIn:
        if self.kind == "members" and (self.approvals_needed is None or self.country_share is not None):
            raise ValueError("a members quorum sets approvals_needed (and not country_share)")
        if self.kind == "countries" and (self.country_share is None or self.approvals_needed is not None):
            raise ValueError("a countries quorum sets country_share (and not approvals_needed)")
        return self


class PartnershipRegistration(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=3, max_length=200, examples=["West Africa cyber forensics partnership"])
    agreement: AgreementIn
    members: list[MemberIn] = Field(min_length=2, max_length=200)
    voting_rule: VotingRuleIn

    @model_validator(mode="after")
    def _members(self) -> PartnershipRegistration:
        ids = [m.agency_id for m in self.members]
        if len(set(ids)) != len(ids):
            raise ValueError("an agency is listed twice in members")
        if not any(m.role == "lead" for m in self.members):
            raise ValueError("members need a lead")
        return self


class AmendmentIn(BaseModel):
    """Add an agency to a running partnership (a new member country, or another agency of a member)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    agency_id: uuid.UUID
    role: Literal["member", "host", "observer"] = Field(description="A partnership keeps its one lead")
    reason: str | None = Field(default=None, max_length=4000)


class MemberOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    agency_id: uuid.UUID
    country_code: str
    role: str
    joined_at: datetime


class MemberAddedOut(MemberOut):
    phase: str = Field(description="The phase the partnership was in when the agency joined")
    new_country: bool


class OversightMemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=2, max_length=200)
    country_code: str = Field(pattern="^[A-Za-z]{2}$")
    role: OversightRole
    holds_veto: bool = False
    subject: str = Field(
        min_length=1,
        max_length=200,
        description="The member's account at the identity provider (the `sub` of their tokens)",
        examples=["amina.diallo@justice.sn"],
    )

    @field_validator("country_code")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class OversightMemberOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    country_code: str
    name: str
    role: str
    holds_veto: bool
    added_at: datetime
    subject: str | None


class PartnershipOut(BaseModel):
    id: uuid.UUID
    name: str
    phase: str
    agreement: AgreementIn
    voting_rule: VotingRuleIn
    members: list[MemberOut]
    oversight_body: list[OversightMemberOut]
    registered_at: datetime


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


class PhaseAdvance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_phase: Literal["co_design", "exercises", "sustainment"]
    decision_id: uuid.UUID = Field(description="The approved phase-gate decision")


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


class CapacityProfileIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    competency: str = Field(
        pattern="^[a-z][a-z0-9_]{2,99}$", examples=["cyber_forensics", "chain_of_custody"]
    )
    current_level: int = Field(ge=0, le=5)
    target_level: int = Field(ge=0, le=5)
    note: str | None = Field(default=None, max_length=4000)
    handling_code: HandlingCodeText = Field(
        default="partnership",
        description="Who may see it: by default the countries the agency shares a partnership with",
    )


class CapacityProfileOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    agency_id: uuid.UUID
    competency: str
    current_level: int
    target_level: int
    note: str | None
    recorded_at: datetime
    handling_code: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def gap(self) -> int:
        return max(self.target_level - self.current_level, 0)


class HandlingChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    handling_code: HandlingCodeText
    reason: str = Field(min_length=3, max_length=2000, description="Why the originator widens or narrows it")


class HandlingChangeOut(BaseModel):
    object_type: str
    object_id: uuid.UUID
    previous_code: str
    handling_code: str
