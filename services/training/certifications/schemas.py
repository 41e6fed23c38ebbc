"""API models of certifications and their credentials."""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.training.certifications.rules import Status

RecordDate = Annotated[
    date,
    Field(
        ge=date(1970, 1, 1),
        le=date(2100, 12, 31),
        description="A day between 1970-01-01 and 2100-12-31 (the validity period that follows must exist)",
    ),
]


class CertificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    trainee_id: str = Field(
        min_length=1, max_length=100, description="The agency's identifier of the officer"
    )
    trainee_name: str = Field(min_length=1, max_length=200)
    trainee_subject: str | None = Field(
        default=None,
        max_length=200,
        description="The officer's account at the identity provider: they fetch their own credential with it",
    )
    agency_id: uuid.UUID
    curriculum_ref: str = Field(min_length=1, max_length=200, examples=["chain-of-custody/v2"])
    curriculum_completed: bool
    assessment_id: uuid.UUID = Field(
        description="The trainee's passed assessment (assessment service), for one of `competencies`, in the "
        "issuing partnership: the certification's evidence and its score"
    )
    competencies: list[str] = Field(min_length=1, max_length=50)
    level: int = Field(ge=1, le=5)
    issuing_partnership_id: uuid.UUID
    issued_on: RecordDate
    validity_months: int = Field(default=36, ge=1, le=120)
    time_zone: str = Field(max_length=60, description="The issuing partnership's IANA time zone")

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("not an IANA time zone") from exc
        return value


class CertificationOut(BaseModel):
    id: uuid.UUID
    trainee_id: str
    trainee_name: str
    agency_id: uuid.UUID
    country_code: str
    curriculum_ref: str
    competencies: list[str]
    level: int
    issuing_partnership_id: uuid.UUID
    score: Decimal
    assessment_id: uuid.UUID | None = Field(
        description="The assessment it was issued on (the assessment service's): its evidence"
    )
    issued_on: date
    expires_on: date
    expires_at: datetime
    time_zone: str
    status: Status = Field(description="Now: valid, expired, suspended or revoked")
    status_reason: str | None
    refresher_state: Literal["none", "reminded", "enrolled"] = Field(
        description="Where this validity period's refresher stands"
    )
    renewals: int = Field(description="How many times a completed refresher renewed it")


class StatusChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=3, max_length=2000)


class CredentialOut(BaseModel):
    format: Literal["vc+jwt"] = "vc+jwt"
    credential: str = Field(description="A W3C Verifiable Credential (Open Badges 3.0 shape) as a signed JWT")
    jwks_url: str = Field(description="The issuer's public keys, to verify it offline")
    status_url: str


class CredentialStatusOut(BaseModel):
    id: uuid.UUID
    status: Status
    expires_at: datetime
    checked_at: datetime


class RefresherStepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["reminder", "enrolment"]


class RenewalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    completed_on: RecordDate
