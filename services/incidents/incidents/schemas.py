"""API models of incidents: declaration, triage, severity, roles, steps, resolution; views, timeline, notices."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from backbone.schemas import Strict
from contracts.events.incidents import (
    EnvironmentKind,
    IncidentKind,
    Severity,
)
from rules.releasability import HandlingCodeText
from services.incidents.protocols.schemas import (
    OnCall,
    Role,
)


class EnvironmentIn(Strict):
    kind: EnvironmentKind
    id: str = Field(
        min_length=1, max_length=120, description="Facility or cohort id; `<curriculum id>:<module>`"
    )


class IncidentIn(Strict):
    partnership_id: uuid.UUID
    environment: EnvironmentIn
    kind: IncidentKind
    severity: Severity
    description: str = Field(min_length=3, max_length=20_000)
    handling_code: HandlingCodeText = "originator"
    affected_countries: list[str] = Field(
        default_factory=list,
        max_length=200,
        description="Partners whose people, facilities or cohorts it touches",
    )


class TriageIn(Strict):
    severity: Severity | None = None
    note: str | None = Field(default=None, max_length=4000)


class SeverityIn(Strict):
    severity: Severity
    reason: str = Field(min_length=3, max_length=4000)


class RoleIn(Strict):
    role: Role
    holder: str = Field(min_length=1, max_length=200, description="The person's account")
    country_code: str = Field(pattern="^[A-Z]{2}$")


class StepDoneIn(Strict):
    note: str | None = Field(default=None, max_length=4000)


class ResolutionIn(Strict):
    summary: str = Field(min_length=3, max_length=20_000)


class EscalationIn(Strict):
    reason: str = Field(min_length=3, max_length=400)
    step_code: str | None = None


class StepOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    position: int
    title: str
    role: str
    limit_minutes: int
    completed_at: datetime | None
    completed_by: str | None
    minutes_taken: int | None
    late: bool | None


class RoleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    role: str
    holder: str
    country_code: str
    assigned_at: datetime
    ended_at: datetime | None


class IncidentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    partnership_id: uuid.UUID
    kind: str
    environment_kind: str
    environment_id: str
    severity: str
    description: str
    handling_code: str
    originator_country_code: str
    affected_countries: list[str]
    exercise: bool
    drill_id: uuid.UUID | None
    status: str
    declared_at: datetime
    resolved_at: datetime | None
    resolution: str | None
    closed_at: datetime | None
    protocol_version_id: uuid.UUID
    steps: list[StepOut] = Field(default_factory=list)
    roles: list[RoleOut] = Field(default_factory=list)


class EnvironmentOut(BaseModel):
    """A place of the partnership where an incident may be declared (as training announced it)."""

    kind: Literal["site", "cohort", "module"] = Field(
        description="`site`: a facility or virtual lab (declare as `facility` or `virtual_lab`); `cohort`; "
        "`module`: `<curriculum id>:<module code>`"
    )
    id: str
    learnt_at: datetime


class TimelineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    what: str
    actor: str
    details: dict[str, Any]


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    country_code: str
    reason: str
    details_released: bool
    content: dict[str, Any]
    notified_at: datetime


class OnCallIn(Strict):
    assignments: list[OnCall] = Field(min_length=1, max_length=50)


class KindFigures(BaseModel):
    kind: str
    incidents: int
    open: int
    mean_minutes_to_resolve: float | None


class StatisticsOut(BaseModel):
    partnership_id: uuid.UUID
    incidents: int
    by_kind: list[KindFigures]
    exercises: int
    """Drills' incidents, never counted above."""
