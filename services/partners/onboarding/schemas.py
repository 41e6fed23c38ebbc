"""API models of a partnership's phased onboarding."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from rules.phases import CRITERIA
from workflows.partnership_onboarding.shared import (
    PartnershipOnboardingStatus,
    Timers,
)


class OnboardingStartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timers: Timers = Field(
        default_factory=Timers, description="Decision window, reminder and escalation delays"
    )


class CriterionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    criterion: str = Field(description=f"One of {', '.join(CRITERIA)}", examples=list(CRITERIA))


class OnboardingOut(BaseModel):
    workflow_id: str
    status: PartnershipOnboardingStatus
