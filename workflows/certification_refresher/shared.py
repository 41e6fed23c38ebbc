"""Inputs, outputs and rules of CertificationRefresherWorkflow (shared by the workflow, its activities and training)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DAY = 86400.0
State = Literal["valid", "reminded", "enrolled", "renewed", "expired", "ended"]


def refresher_workflow_id(certification_id: str) -> str:
    return f"certification-refresher-{certification_id}"


class RefresherTimers(BaseModel):
    model_config = ConfigDict(extra="forbid")

    remind_before_expiry_seconds: float = Field(default=120 * DAY, gt=0)
    enrol_before_expiry_seconds: float = Field(default=90 * DAY, gt=0)


class RefresherInput(BaseModel):
    certification_id: str
    expires_at: datetime
    timers: RefresherTimers = Field(default_factory=RefresherTimers)
    cycle: int = Field(default=1, ge=1, description="How many validity periods this certification has had")


class RefresherStep(BaseModel):
    """An activity's request to training: remind the holder, or enrol them in a refresher."""

    certification_id: str
    kind: Literal["reminder", "enrolment"]
    idempotency_key: str


class RefresherCompleted(BaseModel):
    """Training says the officer completed the refresher (an Update from its API)."""

    model_config = ConfigDict(extra="forbid")

    completed_on: date
    score: str | None = None


class Renew(BaseModel):
    certification_id: str
    completed_on: date
    idempotency_key: str


class Renewal(BaseModel):
    expires_at: datetime


class Expire(BaseModel):
    certification_id: str
    idempotency_key: str


class RefresherStatus(BaseModel):
    certification_id: str
    state: State
    cycle: int
    expires_at: datetime
    reminded: bool
    enrolled: bool
    completed_on: date | None
