"""API models of drill cycles, drills, debriefs and improvement actions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from backbone.schemas import Strict
from services.incidents.incidents.schemas import EnvironmentIn
from services.incidents.protocols.schemas import Role


class InjectIn(Strict):
    after_minutes: int = Field(ge=0, le=24 * 60, description="Minutes after the drill starts")
    message: str = Field(
        min_length=3, max_length=2000, description="The scenario event participants react to"
    )


class ParticipantIn(Strict):
    role: Role
    holder: str = Field(min_length=1, max_length=200)
    country_code: str = Field(pattern="^[A-Z]{2}$")


class CycleIn(Strict):
    protocol_id: uuid.UUID
    environment: EnvironmentIn
    cadence_days: int = Field(ge=1, le=3650, description="e.g. 91 for quarterly")
    notice_hours: int = Field(
        default=72, ge=0, le=24 * 60, description="Participants are told this long ahead"
    )
    first_at: AwareDatetime
    injects: list[InjectIn] = Field(default_factory=list, max_length=50)
    participants: list[ParticipantIn] = Field(min_length=1, max_length=200)


class ActionIn(Strict):
    title: str = Field(min_length=3, max_length=300)
    owner: str = Field(min_length=1, max_length=200, description="The owner's account")
    owner_country_code: str = Field(pattern="^[A-Z]{2}$")
    due_at: AwareDatetime


class FindingIn(Strict):
    about: Literal["training", "protocol", "other"]
    summary: str = Field(min_length=3, max_length=4000)
    rating: Literal["minor", "major", "critical"]
    curriculum_id: uuid.UUID | None = Field(
        default=None, description="Training findings: the curriculum to revise"
    )
    competency: str | None = Field(
        default=None, max_length=100, description="Training findings: refresh holders"
    )
    countries: list[str] = Field(default_factory=list, max_length=50)
    action: ActionIn

    @model_validator(mode="after")
    def _training_target(self) -> FindingIn:
        if self.about == "training" and not (self.curriculum_id or self.competency):
            raise ValueError("a training finding names the curriculum to revise or the competency to refresh")
        return self


class DebriefIn(Strict):
    expected: str = Field(min_length=3, max_length=20_000)
    happened: str = Field(min_length=3, max_length=20_000)
    why: str = Field(min_length=3, max_length=20_000)
    change: str = Field(min_length=3, max_length=20_000)
    findings: list[FindingIn] = Field(default_factory=list, max_length=50)


class DoneIn(Strict):
    note: str | None = Field(default=None, max_length=4000)


class DrillOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    cycle_id: uuid.UUID
    number: int
    status: str
    scheduled_for: datetime
    announced_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    incident_id: uuid.UUID | None
    protocol_version: int | None
    timings: list[dict[str, Any]] | None
    report: dict[str, Any] | None
    debriefed_at: datetime | None
    total_minutes: int | None = None
    late_steps: int | None = None


class CycleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    protocol_id: uuid.UUID
    environment_kind: str
    environment_id: str
    cadence_days: int
    notice_hours: int
    injects: list[dict[str, Any]]
    participants: list[dict[str, Any]]
    status: str
    created_at: datetime
    drills: list[DrillOut] = Field(default_factory=list)


class ActionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    finding_id: uuid.UUID
    drill_id: uuid.UUID
    title: str
    owner: str
    owner_country_code: str
    due_at: datetime
    status: str
    reminded_at: datetime | None
    escalated_at: datetime | None
    done_at: datetime | None


class FindingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    drill_id: uuid.UUID
    about: str
    summary: str
    rating: str
    curriculum_id: str | None
    competency: str | None
    countries: list[str]
    training_outcome: str | None = Field(
        description="For a finding about training: accepted or declined there"
    )
    training_reason: str | None
    training_draft_version: int | None = Field(description="The curriculum draft version that takes it up")
    training_decided_at: datetime | None


class StartedOut(BaseModel):
    incident_id: uuid.UUID
    steps: list[dict[str, Any]]
    started_at: datetime


class HistoryOut(BaseModel):
    protocol_id: uuid.UUID
    drills: list[DrillOut]
    improving: bool | None = Field(
        description="The latest timed drill took less time than the first; null if <2"
    )
