"""API models of the partners service."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from contracts.events.partners import AgencyType

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
