"""Tables of the incidents service: protocols and their versions, incidents with their roles, steps, timeline
and notifications, drills with their debriefs, findings and improvement actions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from backbone.db import Base
from services.kernel.partnership_members import PartnershipMembers


class IncidentsBase(Base):
    __abstract__ = True


class KnownPartnership(PartnershipMembers, IncidentsBase):
    """Read model of the partners service's partnerships: who may see their protocols and drills."""

    __tablename__ = "incident_partnerships"  # table names are unique across services (one metadata)


class KnownEnvironment(IncidentsBase):
    """Read model of training's environments of a partnership, from its events: its cohorts, the facilities and
    virtual labs they run in (`site`), and the modules of its approved curricula (`<curriculum id>:<code>`).
    A real incident is declared in one of these, never in another partnership's."""

    __tablename__ = "incident_environments"

    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    environment_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    learnt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Protocol(IncidentsBase):
    """What to do for one kind of crisis in one kind of training environment, in a partnership."""

    __tablename__ = "protocols"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    environment_kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    owner_country_code: Mapped[str] = mapped_column(String(2))
    countries: Mapped[list[str]] = mapped_column(ARRAY(String(2)))
    current_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ProtocolVersion(IncidentsBase):
    """Roles, ordered steps with time limits, notifications and escalation rules; reviewed, then approved by
    someone other than its author, then immutable (a trigger sees to it)."""

    __tablename__ = "protocol_versions"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    protocol_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("protocols.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    notifications: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    escalation: Mapped[dict[str, Any]] = mapped_column(JSONB)
    on_call: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    """Who holds each role when a real incident is declared: {role, holder, country_code}."""
    steering: Mapped[str] = mapped_column(String(12), default="originator")
    """Who works its incidents besides the role holders: `originator` (the declaring country) or `partnership`."""
    reason: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200))
    reviewer: Mapped[str | None] = mapped_column(String(200))
    review_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Incident(IncidentsBase):
    __tablename__ = "incidents"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    protocol_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("protocol_versions.id"))
    kind: Mapped[str] = mapped_column(String(30))
    environment_kind: Mapped[str] = mapped_column(String(20))
    environment_id: Mapped[str] = mapped_column(String(120))
    severity: Mapped[str] = mapped_column(String(10))
    description: Mapped[str] = mapped_column(Text)
    handling_code: Mapped[str] = mapped_column(String(200))
    originator_country_code: Mapped[str] = mapped_column(String(2))
    audience: Mapped[list[str]] = mapped_column(ARRAY(String(2)))
    """Who sees the incident itself ('*' for everyone), from its handling code."""
    affected_countries: Mapped[list[str]] = mapped_column(ARRAY(String(2)))
    exercise: Mapped[bool] = mapped_column(Boolean)
    drill_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    status: Mapped[str] = mapped_column(String(10))
    declared_by: Mapped[str] = mapped_column(String(200))
    declared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class IncidentRole(IncidentsBase):
    """Who holds a role now; a handover ends the previous holding (kept for the record)."""

    __tablename__ = "incident_roles"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"), index=True)
    role: Mapped[str] = mapped_column(String(40))
    holder: Mapped[str] = mapped_column(String(200))
    country_code: Mapped[str] = mapped_column(String(2))
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class IncidentStep(IncidentsBase):
    __tablename__ = "incident_steps"

    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    limit_minutes: Mapped[int] = mapped_column(Integer)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_by: Mapped[str | None] = mapped_column(String(200))
    minutes_taken: Mapped[int | None] = mapped_column(Integer)
    late: Mapped[bool | None] = mapped_column(Boolean)


class TimelineEntry(IncidentsBase):
    __tablename__ = "incident_timeline"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    what: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(JSONB)


class Notification(IncidentsBase):
    """What an affected partner was told, filtered by the incident's handling code."""

    __tablename__ = "incident_notifications"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"), index=True)
    country_code: Mapped[str] = mapped_column(String(2))
    reason: Mapped[str] = mapped_column(String(12))
    details_released: Mapped[bool] = mapped_column(Boolean)
    content: Mapped[dict[str, Any]] = mapped_column(JSONB)
    notified_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DrillCycle(IncidentsBase):
    """Drills of one protocol in one environment, every `cadence_days`, run by a DrillCycleWorkflow."""

    __tablename__ = "drill_cycles"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    protocol_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("protocols.id"), index=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    environment_kind: Mapped[str] = mapped_column(String(20))
    environment_id: Mapped[str] = mapped_column(String(120))
    cadence_days: Mapped[int] = mapped_column(Integer)
    notice_hours: Mapped[int] = mapped_column(Integer)
    injects: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    participants: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    owner_country_code: Mapped[str] = mapped_column(String(2))
    countries: Mapped[list[str]] = mapped_column(ARRAY(String(2)))
    status: Mapped[str] = mapped_column(String(10))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Drill(IncidentsBase):
    __tablename__ = "drills"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    cycle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("drill_cycles.id"), index=True)
    protocol_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("protocols.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    countries: Mapped[list[str]] = mapped_column(ARRAY(String(2)))
    status: Mapped[str] = mapped_column(String(12))
    scheduled_for: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    announced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    incident_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("incidents.id"))
    protocol_version: Mapped[int | None] = mapped_column(Integer)
    timings: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    """The after-action report: what was expected, what happened, why, what to change."""
    debriefed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Finding(IncidentsBase):
    __tablename__ = "drill_findings"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    drill_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("drills.id"), index=True)
    about: Mapped[str] = mapped_column(String(10))
    summary: Mapped[str] = mapped_column(Text)
    rating: Mapped[str] = mapped_column(String(10))
    rated_by: Mapped[str] = mapped_column(String(200))
    curriculum_id: Mapped[str | None] = mapped_column(String(36))
    competency: Mapped[str | None] = mapped_column(String(100))
    countries: Mapped[list[str]] = mapped_column(ARRAY(String(2)))
    training_outcome: Mapped[str | None] = mapped_column(String(10))
    """For a finding about training: accepted or declined, as training announced it."""
    training_reason: Mapped[str | None] = mapped_column(Text)
    training_draft_version: Mapped[int | None] = mapped_column(Integer)
    training_decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ImprovementAction(IncidentsBase):
    __tablename__ = "improvement_actions"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    finding_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("drill_findings.id"), index=True)
    drill_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("drills.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    owner: Mapped[str] = mapped_column(String(200))
    owner_country_code: Mapped[str] = mapped_column(String(2))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(10))
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)
