"""Inputs and outputs of the agency onboarding process (shared by the workflow, activities and the API)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

OnboardingState = Literal["awaiting_confirmation", "activating", "active", "lapsing", "lapsed"]


def onboarding_workflow_id(agency_id: str) -> str:
    """Deterministic: one onboarding per agency, and starting it twice does nothing."""
    return f"agency-onboarding-{agency_id}"


class OnboardingInput(BaseModel):
    agency_id: str
    country_code: str
    confirmation_deadline_seconds: float = Field(gt=0)


class Confirmation(BaseModel):
    confirmed_by: str = Field(min_length=1, max_length=200)


class OnboardingStatus(BaseModel):
    agency_id: str
    state: OnboardingState
    confirmed_by: str | None = None
    deadline: datetime | None = None


class ActivateAgency(BaseModel):
    agency_id: str
    confirmed_by: str
    idempotency_key: str


class LapseAgencyOnboarding(BaseModel):
    agency_id: str
    idempotency_key: str


class AgencyStatusChanged(BaseModel):
    agency_id: str
    status: str
