"""Events published by the incidents service on `incidents.events.v1`.

Every incident event says whether it is an `exercise` (a drill's): exercises never count as real incidents.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from contracts.envelope import CountryCode, IncidentsEvent

Severity = Literal["low", "moderate", "high", "critical"]
IncidentKind = Literal["cyber_intrusion", "onsite_emergency", "content_exposure", "safety_threat"]
EnvironmentKind = Literal["facility", "virtual_lab", "cohort", "module"]


class EnvironmentV1(BaseModel):
    kind: EnvironmentKind
    id: str = Field(description="The facility, cohort or curriculum module (`<curriculum id>:<module code>`)")


class ProtocolVersionApprovedV1(IncidentsEvent):
    """A reviewed protocol version was approved: incidents of its kind in its environment follow it from now."""

    event_type: ClassVar[str] = "incidents.protocol_version_approved.v1"
    aggregate: ClassVar[str] = "protocol"

    protocol_id: str
    version: int = Field(ge=1)
    partnership_id: str
    kind: IncidentKind
    environment_kind: EnvironmentKind
    steps: int = Field(ge=1, description="How many steps the protocol has")
    reason: str | None = None
    approved_by: str
    approved_at: datetime


class IncidentDeclaredV1(IncidentsEvent):
    event_type: ClassVar[str] = "incidents.incident_declared.v1"
    aggregate: ClassVar[str] = "incident"

    incident_id: str
    partnership_id: str
    protocol_id: str
    protocol_version: int
    kind: IncidentKind
    environment: EnvironmentV1
    severity: Severity
    affected_countries: list[str]
    exercise: bool = Field(description="A drill's incident: never counted as a real one")
    drill_id: str | None = None
    declared_at: datetime


class IncidentChangedV1(IncidentsEvent):
    """Triage, a severity change, a role handed over, a step completed, an escalation: the incident's timeline."""

    event_type: ClassVar[str] = "incidents.incident_changed.v1"
    aggregate: ClassVar[str] = "incident"

    incident_id: str
    change: Literal["triaged", "severity_changed", "role_assigned", "step_completed", "escalated"]
    severity: Severity
    step_code: str | None = None
    role: str | None = None
    reason: str | None = None
    exercise: bool
    drill_id: str | None = None
    changed_at: datetime


class IncidentResolvedV1(IncidentsEvent):
    event_type: ClassVar[str] = "incidents.incident_resolved.v1"
    aggregate: ClassVar[str] = "incident"

    incident_id: str
    partnership_id: str
    kind: IncidentKind
    environment: EnvironmentV1
    exercise: bool
    minutes_to_resolve: int = Field(ge=0)
    resolved_at: datetime


class IncidentClosedV1(IncidentsEvent):
    event_type: ClassVar[str] = "incidents.incident_closed.v1"
    aggregate: ClassVar[str] = "incident"

    incident_id: str
    exercise: bool
    closed_at: datetime


class PartnerNotifiedV1(IncidentsEvent):
    """What one affected partner country is told: the details only if the incident's handling code releases
    them to it, otherwise that an incident affects it and whom to ask."""

    event_type: ClassVar[str] = "incidents.partner_notified.v1"
    aggregate: ClassVar[str] = "incident"

    incident_id: str
    country_code: CountryCode
    reason: Literal["declared", "escalated", "resolved"]
    kind: IncidentKind
    severity: Severity
    environment: EnvironmentV1
    details_released: bool
    description: str | None = Field(default=None, description="Only when the handling code releases it")
    contact_country_code: CountryCode = Field(description="The originator, who answers questions")
    exercise: bool
    notified_at: datetime


class StepTimingV1(BaseModel):
    code: str
    minutes: int | None = Field(description="Null when the step was never acknowledged")
    limit_minutes: int
    late: bool


class DrillParticipantV1(BaseModel):
    role: str
    holder: str = Field(description="The participant's account")
    country_code: CountryCode


class DrillEventV1(IncidentsEvent):
    """A drill was scheduled, announced to its participants, started, released an inject (a scenario event),
    completed with its timings against the protocol's limits, or debriefed."""

    event_type: ClassVar[str] = "incidents.drill_event.v1"
    aggregate: ClassVar[str] = "drill"

    drill_id: str
    protocol_id: str
    partnership_id: str
    stage: Literal["scheduled", "announced", "started", "inject_released", "completed", "debriefed"]
    cycle_id: str
    number: int = Field(ge=1, description="The drill's number in its cycle")
    scheduled_for: datetime
    inject: str | None = None
    timings: list[StepTimingV1] | None = Field(default=None, description="At completion: each step's time")
    participants: list[DrillParticipantV1] | None = Field(
        default=None, description="When announced: who takes part, in which protocol role"
    )
    exercise: Literal[True] = True
    at: datetime


class ImprovementActionV1(IncidentsEvent):
    """An improvement action from a debrief finding: opened, reminded, escalated (late) or done."""

    event_type: ClassVar[str] = "incidents.improvement_action.v1"
    aggregate: ClassVar[str] = "drill"

    action_id: str
    drill_id: str
    finding_id: str
    owner_country_code: CountryCode
    owner: str
    status: Literal["opened", "reminded", "escalated", "done"]
    due_at: datetime
    at: datetime


class TrainingRevisionRequestedV1(IncidentsEvent):
    """A debrief finding about training: training opens a curriculum revision request or assigns refreshers."""

    event_type: ClassVar[str] = "incidents.training_revision_requested.v1"
    aggregate: ClassVar[str] = "drill"

    finding_id: str
    drill_id: str
    partnership_id: str
    request: Literal["curriculum_revision", "refresher"]
    curriculum_id: str | None = Field(default=None, description="For a curriculum revision")
    competency: str | None = Field(default=None, description="For refreshers: the competency to refresh")
    countries: list[str] = Field(description="Whose officers or curricula it concerns")
    summary: str
    rating: Literal["minor", "major", "critical"]
    requested_at: datetime
