"""API models of recognition agreements and recognitions."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator


class AgreementIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    partnership_id: uuid.UUID = Field(description="A partnership both countries are members of")
    issuing_country_code: str = Field(pattern="^[A-Z]{2}$", description="Whose certifications you recognise")
    competencies: list[str] = Field(
        default_factory=list, max_length=100, description="Competency codes in scope; empty for all"
    )
    starts_on: date
    ends_on: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> AgreementIn:
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise ValueError("ends_on must not be before starts_on")
        return self


class AgreementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    partnership_id: uuid.UUID
    recognising_country_code: str
    issuing_country_code: str
    competencies: list[str]
    starts_on: date
    ends_on: date | None
    status: str
    ended_reason: str | None
    ended_at: datetime | None
    created_at: datetime


class RecognitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    certification_id: uuid.UUID = Field(description="A valid certification of the issuing country, in scope")


class RecognitionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    agreement_id: uuid.UUID
    certification_id: uuid.UUID
    recognising_country_code: str
    issuing_country_code: str
    status: str
    cause: str | None
    recognised_at: datetime
    revoked_at: datetime | None
