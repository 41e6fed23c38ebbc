"""API models of disputes, their comments and resolutions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from contracts.events.partners import DisputeSubjectKind
from rules.releasability import HandlingCodeText

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
