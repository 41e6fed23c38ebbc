"""API models of agency contacts, endorsements, disputes and reciprocity."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from contracts.events.partners import DisputeSubjectKind, EndorsementSubjectKind, EndorserKind
from rules.releasability import HandlingCodeText

LanguageTag = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
        description="BCP 47 language tag",
        examples=["fr", "pt-BR"],
    ),
]
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
PHONE_PATTERN = r"^\+?[0-9][0-9 ()./-]{4,38}$"


def normalise_languages(values: list[str] | None) -> list[str] | None:
    """Normalised (`pt-br` → `pt-BR`), without repeats, in the given order."""
    if values is None:
        return None
    seen: list[str] = []
    for value in values:
        first, *rest = value.split("-")
        tag = "-".join([first.lower(), *(p.upper() if len(p) == 2 else p for p in rest)])
        if tag not in seen:
            seen.append(tag)
    return seen


class ContactIn(BaseModel):
    """A person at the agency. E-mail, phone and languages stay in this service: events carry name and
    function only."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "name": "Aminata Diallo",
                    "function": "Head of cyber forensics",
                    "email": "a.diallo@police.example.sn",
                    "phone": "+221 33 800 00 00",
                    "languages": ["fr", "wo", "en"],
                    "is_primary": True,
                }
            ]
        },
    )

    name: str = Field(min_length=2, max_length=200, examples=["Aminata Diallo"])
    function: str = Field(
        min_length=2, max_length=200, description="Function or title", examples=["Head of cyber forensics"]
    )
    email: str = Field(max_length=320, pattern=EMAIL_PATTERN, examples=["a.diallo@police.example.sn"])
    phone: str | None = Field(default=None, pattern=PHONE_PATTERN, examples=["+221 33 800 00 00"])
    languages: list[LanguageTag] = Field(default_factory=list, max_length=20, description="Spoken languages")
    is_primary: bool = Field(
        default=False, description="The agency's first point of contact; replaces the current primary contact"
    )
    is_national_coordination_contact: bool = Field(
        default=False, description="Liaises with the country's national coordination unit"
    )

    @field_validator("languages")
    @classmethod
    def _normalise(cls, value: list[str]) -> list[str]:
        return normalise_languages(value) or []


class ContactPatch(BaseModel):
    """Fields to change; omitted fields keep their value, `phone` may be set to null."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{"function": "Deputy director", "is_primary": True}]},
    )

    name: str | None = Field(default=None, min_length=2, max_length=200)
    function: str | None = Field(default=None, min_length=2, max_length=200)
    email: str | None = Field(default=None, max_length=320, pattern=EMAIL_PATTERN)
    phone: str | None = Field(default=None, pattern=PHONE_PATTERN)
    languages: list[LanguageTag] | None = Field(default=None, max_length=20)
    is_primary: bool | None = None
    is_national_coordination_contact: bool | None = None

    @field_validator("languages")
    @classmethod
    def _normalise(cls, value: list[str] | None) -> list[str] | None:
        return normalise_languages(value)

    @model_validator(mode="after")
    def _something_to_change(self) -> ContactPatch:
        if not self.model_fields_set:
            raise ValueError("give at least one field to change")
        for name in self.model_fields_set - {"phone"}:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in sorted(self.model_fields_set)}


class ContactOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    agency_id: uuid.UUID
    name: str
    function: str
    email: str | None
    phone: str | None
    languages: list[str]
    is_primary: bool
    is_national_coordination_contact: bool
    added_at: datetime
    updated_at: datetime | None


class EndorsementIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "endorser_name": "ECOWAS Commission",
                    "endorser_kind": "regional_body",
                    "subject_kind": "standard",
                    "subject_id": "competency-framework:2026.1",
                    "scope": "Chain of custody and evidence admissibility competencies",
                    "endorsed_on": "2026-11-20",
                }
            ]
        },
    )

    endorser_name: str = Field(min_length=2, max_length=200, examples=["ECOWAS Commission"])
    endorser_kind: EndorserKind
    subject_kind: EndorsementSubjectKind
    subject_id: str = Field(
        min_length=1,
        max_length=200,
        pattern=r"^\S+$",
        description="For a partnership its id; for a standard or curriculum the training service's reference",
        examples=["competency-framework:2026.1"],
    )
    scope: str = Field(min_length=3, max_length=4000, description="What exactly is endorsed")
    endorsed_on: date = Field(description="The date of the endorsement act")


class EndorsementWithdrawal(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{"reason": "Superseded by the 2027 framework"}]},
    )

    reason: str = Field(min_length=3, max_length=4000)


class EndorsementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    endorser_name: str
    endorser_kind: str
    subject_kind: str
    subject_id: str
    scope: str
    endorsed_on: date
    granted_at: datetime
    status: Literal["active", "withdrawn"]
    withdrawn_at: datetime | None
    withdrawal_reason: str | None


DisputeStatus = Literal["open", "under_vote", "resolved"]


class DisputeIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "raised_by_agency_id": "0b9f7c8e-2f7a-4a53-9a4c-6c1f2d9e8a11",
                    "subject_kind": "allocation",
                    "subject_ref": "2027 cohort seats, cyber forensics lab",
                    "statement": "The seat allocation ignores our instructors' contribution.",
                }
            ]
        },
    )

    raised_by_agency_id: uuid.UUID = Field(description="A member agency of the partnership")
    subject_kind: DisputeSubjectKind
    subject_ref: str = Field(
        min_length=1,
        max_length=200,
        description="For `decision`: the id of a decision of this partnership; for `allocation`: a reference",
    )
    statement: str = Field(min_length=10, max_length=10_000)
    handling_code: HandlingCodeText = Field(
        default="partnership",
        description="Who may see the dispute and its discussion (the raising country always may)",
    )


class CommentIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "agency_id": "0b9f7c8e-2f7a-4a53-9a4c-6c1f2d9e8a11",
                    "author": "Aminata Diallo",
                    "body": "We propose splitting the seats 60/40.",
                }
            ]
        },
    )

    agency_id: uuid.UUID = Field(description="A member agency of the partnership")
    author: str = Field(min_length=2, max_length=200)
    body: str = Field(min_length=1, max_length=10_000)


class ResolutionDecisionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [{"title": "Split the 2027 lab seats 60/40", "due_at": "2027-01-31T17:00:00Z"}]
        },
    )

    title: str = Field(min_length=3, max_length=300, description="The proposed resolution put to the vote")
    description: str | None = Field(default=None, max_length=10_000)
    due_at: datetime = Field(description="Votes are counted until then (timezone required)")

    @field_validator("due_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("due_at needs a timezone, e.g. 2027-01-31T17:00:00Z")
        return value


class CommentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    dispute_id: uuid.UUID
    agency_id: uuid.UUID
    country_code: str
    author: str
    body: str
    commented_at: datetime


class ResolutionOut(BaseModel):
    """One resolution decision of the dispute and how it ended (`outcome` null while under vote)."""

    model_config = ConfigDict(from_attributes=True)

    decision_id: uuid.UUID
    opened_at: datetime
    outcome: str | None
    closed_at: datetime | None


class DisputeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    partnership_id: uuid.UUID
    raised_by_agency_id: uuid.UUID
    raised_by_country_code: str
    subject_kind: str
    subject_ref: str
    statement: str
    status: DisputeStatus
    resolution_decision_id: uuid.UUID | None = Field(
        description="The decision under vote or that resolved it"
    )
    last_outcome: str | None = Field(description="How the latest resolution decision ended")
    raised_at: datetime
    resolved_at: datetime | None
    handling_code: str


class DisputeDetailOut(DisputeOut):
    comments: list[CommentOut]
    resolutions: list[ResolutionOut]


class ReciprocityOut(BaseModel):
    country_code: str
    hosted_count: int = Field(description="Exchanges this country hosted (officers of other countries)")
    hosted_days: int
    received_count: int = Field(description="Exchanges its own officers received abroad (officers sent)")
    received_days: int
    balance: int = Field(description="hosted_days - received_days: positive when the country gives more")


class CountryReciprocityOut(ReciprocityOut):
    counterparts: list[ReciprocityOut] = Field(
        description="The same figures with each other country, from this country's side"
    )


class PartnershipReciprocityOut(BaseModel):
    partnership_id: uuid.UUID
    countries: list[ReciprocityOut] = Field(description="Every member country, and any other that took part")
