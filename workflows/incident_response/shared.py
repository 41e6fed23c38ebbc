"""Inputs, outputs and rules of IncidentResponseWorkflow (shared by the workflow, its activities and the
incidents service)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

SEVERITIES = ("low", "moderate", "high", "critical")
Severity = Literal["low", "moderate", "high", "critical"]
State = Literal["responding", "resolved", "closed"]


def incident_response_workflow_id(incident_id: str) -> str:
    return f"incident-response-{incident_id}"


class StepPlan(BaseModel):
    code: str
    limit_minutes: int = Field(ge=1)


class RoleAssignment(BaseModel):
    role: str
    holder: str
    country_code: str


class ResponseInput(BaseModel):
    incident_id: str
    declared_at: datetime
    severity: Severity
    steps: list[StepPlan] = Field(min_length=1)
    grace_minutes: int = Field(default=0, ge=0)
    severity_threshold: Severity = "high"
    roles: list[RoleAssignment] = Field(default_factory=list, description="The protocol's on-call holders")


class AssignRoles(BaseModel):
    incident_id: str
    roles: list[RoleAssignment]
    idempotency_key: str


class StepDone(BaseModel):
    code: str
    at: datetime


class Escalate(BaseModel):
    incident_id: str
    reason: str
    step_code: str | None = None
    idempotency_key: str


class ResponseStatus(BaseModel):
    incident_id: str
    state: State
    severity: Severity
    current_step: str | None
    current_deadline: datetime | None
    completed: list[str]
    escalations: list[str]
