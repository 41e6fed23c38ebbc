"""API models of partnerships, their agreements, members and oversight body."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from contracts.events.partners import OversightRole, PartnershipRole


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


class PhaseAdvance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_phase: Literal["co_design", "exercises", "sustainment"]
    decision_id: uuid.UUID = Field(description="The approved phase-gate decision")


class DepartureIn(BaseModel):
    """End an agency's membership: by its own country (it leaves) or by the lead (after a lapse, say)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(
        min_length=3, max_length=4000, examples=["The seat pledge lapsed and was not renewed"]
    )


class DepartureOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    partnership_id: uuid.UUID
    agency_id: uuid.UUID
    country_code: str
    role: str
    joined_at: datetime
    left_at: datetime
    reason: str
    ended_by: str = Field(description="The country that ended it: the agency's own, or the lead")
    country_left: bool = Field(description="No other agency of the country remains: it is no longer a member")
    seats_ended: int = Field(description="The country's oversight seats that ended with it")


class PublicMemberOut(BaseModel):
    country_code: str
    role: str
    joined_at: datetime


class PublicEndorsementOut(BaseModel):
    endorser: str
    endorser_kind: str
    scope: str
    endorsed_on: date


class PublicPartnershipOut(BaseModel):
    """What anyone may know of a partnership (no token): no person, agency contact, capacity or dispute."""

    id: uuid.UUID
    name: str
    phase: str
    agreement_kind: str
    agreement_starts_on: date
    agreement_ends_on: date
    members: list[PublicMemberOut]
    endorsements: list[PublicEndorsementOut]
