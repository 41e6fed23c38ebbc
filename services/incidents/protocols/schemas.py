"""API models of incident protocols: roles, ordered steps, on-call holders, notification and escalation rules."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from backbone.schemas import Strict
from contracts.events.incidents import EnvironmentKind, IncidentKind, Severity


class StepIn(Strict):
    code: str = Field(pattern="^[a-z0-9][a-z0-9-]{0,59}$")
    title: str = Field(min_length=2, max_length=200)
    role: Role = Field(description="Who carries it out")
    limit_minutes: int = Field(ge=1, le=60 * 24 * 30, description="Time allowed from the previous step's end")


class OnCall(Strict):
    role: Role
    holder: str = Field(min_length=1, max_length=200, description="The person's account")
    country_code: str = Field(pattern="^[A-Z]{2}$")


class NotificationRule(Strict):
    audience: Literal["affected_partners", "partnership"]
    on: list[Literal["declared", "escalated", "resolved"]] = Field(min_length=1)


class EscalationRule(Strict):
    late_step_grace_minutes: int = Field(default=0, ge=0, le=24 * 60, description="Tolerated lateness")
    severity_at_least: Severity = Field(default="high", description="Declaring or raising to this escalates")


class ContentIn(Strict):
    roles: list[Role] = Field(min_length=1)
    steps: list[StepIn] = Field(min_length=1, max_length=50)
    notifications: list[NotificationRule] = Field(
        default_factory=lambda: [
            NotificationRule(audience="affected_partners", on=["declared", "escalated", "resolved"])
        ]
    )
    escalation: EscalationRule = Field(default_factory=EscalationRule)
    on_call: list[OnCall] = Field(
        default_factory=list,
        max_length=50,
        description="Assigned by the response workflow when an incident starts",
    )
    steering: Steering = Field(
        default="originator",
        description="Who may work an incident besides the holders of its roles: the declaring country only, "
        "or every member of the partnership (seeing an incident never lets a country steer it)",
    )

    @model_validator(mode="after")
    def _consistent(self) -> ContentIn:
        codes = [s.code for s in self.steps]
        if len(set(codes)) != len(codes):
            raise ValueError("step codes must be unique")
        missing = sorted(({s.role for s in self.steps} | {o.role for o in self.on_call}) - set(self.roles))
        if missing:
            raise ValueError(f"steps are owned by roles the protocol does not have: {', '.join(missing)}")
        return self


class ProtocolIn(ContentIn):
    partnership_id: uuid.UUID
    kind: IncidentKind
    environment_kind: EnvironmentKind
    name: str = Field(min_length=3, max_length=200)


class RevisionIn(Strict):
    reason: str = Field(min_length=3, max_length=4000)


class NoteIn(Strict):
    note: str | None = Field(default=None, max_length=4000)


class VersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: int
    status: str
    roles: list[str]
    steps: list[dict[str, object]]
    notifications: list[dict[str, object]]
    escalation: dict[str, object]
    on_call: list[dict[str, object]]
    steering: str
    reason: str | None
    author: str
    reviewer: str | None
    review_note: str | None
    created_at: datetime
    approved_at: datetime | None


class ProtocolOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    partnership_id: uuid.UUID
    kind: str
    environment_kind: str
    name: str
    owner_country_code: str
    current_version: int | None
    created_at: datetime
    versions: list[VersionOut] = Field(default_factory=list)


ROLES = ("incident_commander", "scribe", "liaison", "technical_lead")

Role = Literal["incident_commander", "scribe", "liaison", "technical_lead"]
Steering = Literal["originator", "partnership"]
