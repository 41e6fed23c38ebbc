"""API bodies of cohorts, nominations and accommodations."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from backbone.schemas import Strict

CohortChange = Literal["pause", "resumption", "cancellation", "completion"]


AccommodationKind = Literal["captioning", "translation", "disability_access", "sign_language", "other"]


class CohortIn(Strict):
    curriculum_version_id: uuid.UUID = Field(
        description="An approved version of one of the partnership's curricula"
    )
    organiser_agency_id: uuid.UUID = Field(description="The organising agency, of the caller's country")
    facility_id: uuid.UUID | None = Field(
        default=None, description="Booked for the cohort's dates; null = remote"
    )
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    language: str | None = Field(default=None, description="Default: the curriculum version's language")
    capacity: int = Field(
        ge=1, le=10_000, description="Seats, shared among countries by their seat commitments"
    )

    @model_validator(mode="after")
    def _ordered(self) -> CohortIn:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if (self.ends_at - self.starts_at).days > 400:
            raise ValueError("a cohort lasts at most 400 days")
        return self


class SeatsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    country_code: str
    seats: int
    enrolled: int
    waitlisted: int


class CohortOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    partnership_id: uuid.UUID
    curriculum_id: uuid.UUID
    curriculum_version_id: uuid.UUID
    organiser_agency_id: uuid.UUID
    organiser_country_code: str
    facility_id: uuid.UUID | None
    booking_id: uuid.UUID | None
    starts_at: datetime
    ends_at: datetime
    language: str
    capacity: int
    status: str
    status_reason: str | None
    created_at: datetime
    seats: list[SeatsOut] = Field(default_factory=list)


class AccommodationIn(Strict):
    kind: AccommodationKind
    detail: str | None = Field(
        default=None, max_length=1000, description="e.g. the language to translate into"
    )


class NominationIn(Strict):
    agency_id: uuid.UUID = Field(description="The nominating agency, of the caller's country")
    trainee_id: str = Field(min_length=1, max_length=100, description="The officer's id in their agency")
    trainee_name: str = Field(min_length=1, max_length=200)
    trainee_subject: str | None = Field(
        default=None, max_length=200, description="The officer's account at the identity provider, if any"
    )
    accommodations: list[AccommodationIn] = Field(default_factory=list, max_length=10)


class AccommodationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    detail: str | None
    status: str
    note: str | None
    decided_at: datetime | None


class NominationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    cohort_id: uuid.UUID
    trainee_id: str
    trainee_name: str
    agency_id: uuid.UUID
    country_code: str
    status: str
    status_reason: str | None
    nominated_at: datetime
    decided_at: datetime | None
    changed_at: datetime
    waitlist_position: int | None = None
    accommodations: list[AccommodationOut] = Field(default_factory=list)


class ReasonIn(Strict):
    reason: str = Field(min_length=3, max_length=2000)


class NoteIn(Strict):
    note: str | None = Field(default=None, max_length=2000)


class StatusChangeIn(Strict):
    change: CohortChange
    reason: str | None = Field(default=None, max_length=2000)
